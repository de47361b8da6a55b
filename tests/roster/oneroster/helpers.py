"""A small valid OneRoster 1.1 bulk set written to a folder, for tests to break on purpose."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from seatkeeper.orgs.scoping import Scope, system_scope

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "oneroster-samples"

MANIFEST = """propertyName,value
manifest.version,1.0
oneroster.version,1.1
file.academicSessions,bulk
file.classes,bulk
file.enrollments,bulk
file.orgs,bulk
file.users,bulk
"""

FILES = {
    "orgs.csv": """sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
d1,active,,Lakeside District,district,,
s1,active,,Lakeside High,school,,d1
s2,active,,Lakeside Middle,school,,d1
""",
    "academicSessions.csv": """sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear
t1,active,,2026-2027,schoolYear,2026-08-01,2027-06-30,,2027
""",
    "classes.csv": """sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods
c1,active,,Algebra 1,09,co1,ALG1,scheduled,,s1,t1,,,
c2,active,,Biology,09,co2,BIO,scheduled,,s1,t1,,,
c3,active,,Math 7,07,co3,M7,scheduled,,s2,t1,,,
""",
    "users.csv": """sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
u1,active,,true,s1,teacher,tkim,,Tara,Kim,,T1,tara.kim@example.org,,,,,
u2,active,,true,s2,teacher,blee,,Ben,Lee,,T2,ben.lee@example.org,,,,,
u3,active,,true,s1,student,s3,,Ana,Diaz,,1003,,,,,09,
u4,active,,true,s1,student,s4,,Bo,Chen,,1004,,,,,09,
u5,active,,true,s2,student,s5,,Cy,Ng,,1005,,,,,07,
u6,active,,true,s1,administrator,pboss,,Pat,Boss,,,pat@example.org,,,,,
""",
    "enrollments.csv": """sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
e1,active,,c1,s1,u1,teacher,true,,
e2,active,,c2,s1,u1,teacher,true,,
e3,active,,c3,s2,u2,teacher,true,,
e4,active,,c1,s1,u3,student,false,,
e5,active,,c2,s1,u3,student,false,,
e6,active,,c1,s1,u4,student,false,,
e7,active,,c3,s2,u5,student,false,,
""",
}


def write_set(folder: Path, **changes: str | bytes | None) -> Path:
    """The valid set, with files replaced (str/bytes) or removed (None)."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Any] = {"manifest.csv": MANIFEST, **FILES, **changes}
    for name, text in files.items():
        if text is None:
            continue
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (folder / name).write_bytes(data)
    return folder


def zip_folder(folder: Path, out: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(out, "w") as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, prefix + f.name)
    return out


def op() -> Scope:
    return system_scope(via="test")


def totals(summary: dict[str, Any], what: str = "created") -> dict[str, int]:
    return {k: v[what] for k, v in summary["entities"].items()}
