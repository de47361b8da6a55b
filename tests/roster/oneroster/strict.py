"""A strict OneRoster 1.1 bulk consumer, for tests: what such a consumer refuses, listed.

Written from the OneRoster 1.1 CSV tables: the manifest names every file (`bulk` present,
`absent` not in the zip), each file has the 1.1 header in order, bulk rows leave status and
dateLastModified empty, required fields are filled, vocabularies are OneRoster's, sourcedIds are
unique and every reference resolves.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from seatkeeper.roster.oneroster.exporter import HEADERS, MANIFEST_FILES

REQUIRED = {
    "orgs.csv": ["sourcedId", "name", "type"],
    "academicSessions.csv": ["sourcedId", "title", "type", "startDate", "endDate", "schoolYear"],
    "courses.csv": ["sourcedId", "title", "orgSourcedId"],
    "classes.csv": [
        "sourcedId",
        "title",
        "courseSourcedId",
        "classType",
        "schoolSourcedId",
        "termSourcedIds",
    ],
    "users.csv": [
        "sourcedId",
        "enabledUser",
        "orgSourcedIds",
        "role",
        "username",
        "givenName",
        "familyName",
    ],
    "enrollments.csv": ["sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"],
    "demographics.csv": ["sourcedId"],
}
VOCAB = {
    ("orgs.csv", "type"): {"department", "school", "district", "local", "state", "national"},
    ("academicSessions.csv", "type"): {"gradingPeriod", "semester", "schoolYear", "term"},
    ("classes.csv", "classType"): {"homeroom", "scheduled"},
    ("users.csv", "enabledUser"): {"true", "false"},
    ("users.csv", "role"): {
        "administrator",
        "aide",
        "guardian",
        "parent",
        "proctor",
        "relative",
        "student",
        "teacher",
    },
    ("enrollments.csv", "role"): {"administrator", "proctor", "student", "teacher"},
    ("enrollments.csv", "primary"): {"", "true", "false"},
}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YEAR = re.compile(r"^\d{4}$")
# file, column (comma-separated list when plural), the file it points into.
REFERENCES = [
    ("orgs.csv", "parentSourcedId", "orgs.csv"),
    ("academicSessions.csv", "parentSourcedId", "academicSessions.csv"),
    ("courses.csv", "orgSourcedId", "orgs.csv"),
    ("courses.csv", "schoolYearSourcedId", "academicSessions.csv"),
    ("classes.csv", "courseSourcedId", "courses.csv"),
    ("classes.csv", "schoolSourcedId", "orgs.csv"),
    ("classes.csv", "termSourcedIds", "academicSessions.csv"),
    ("users.csv", "orgSourcedIds", "orgs.csv"),
    ("enrollments.csv", "classSourcedId", "classes.csv"),
    ("enrollments.csv", "schoolSourcedId", "orgs.csv"),
    ("enrollments.csv", "userSourcedId", "users.csv"),
    ("demographics.csv", "sourcedId", "users.csv"),
]


def problems(path: Path) -> list[str]:
    """Everything a strict OneRoster 1.1 bulk consumer would refuse in the zip (none: [])."""
    out: list[str] = []
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        data = {n: list(csv.reader(io.TextIOWrapper(zf.open(n), encoding="utf-8"))) for n in names}
    if "manifest.csv" not in data:
        return ["no manifest.csv"]
    manifest = dict(r for r in data["manifest.csv"][1:] if len(r) == 2)
    if (manifest.get("manifest.version"), manifest.get("oneroster.version")) != ("1.0", "1.1"):
        out.append("manifest: not manifest 1.0 / OneRoster 1.1")
    for f in MANIFEST_FILES:
        mode, present = manifest.get(f"file.{f}"), f"{f}.csv" in names
        if mode not in ("bulk", "absent"):
            out.append(f"manifest: file.{f} is {mode!r}, not bulk or absent")
        elif (mode == "bulk") != present:
            out.append(
                f"manifest: file.{f} is {mode} but the file is {'' if present else 'not '}there"
            )
    rows: dict[str, list[dict[str, str]]] = {}
    for name, header in HEADERS.items():
        if name not in data:
            continue
        if data[name][0] != header.split(","):
            out.append(f"{name}: header is not OneRoster 1.1's")
            continue
        rows[name] = [dict(zip(data[name][0], r, strict=True)) for r in data[name][1:]]
        if not rows[name]:
            out.append(f"{name}: bulk file with no rows")
    for name, recs in rows.items():
        seen: set[str] = set()
        for i, r in enumerate(recs, start=2):
            if r["status"] or r["dateLastModified"]:
                out.append(f"{name}:{i}: status/dateLastModified set in a bulk file")
            for c in REQUIRED[name]:
                if not r[c]:
                    out.append(f"{name}:{i}: {c} is required")
            for (f, c), allowed in VOCAB.items():
                if f == name and r[c] not in allowed:
                    out.append(f"{name}:{i}: {c} {r[c]!r} is not OneRoster's")
            for c in ("startDate", "endDate", "birthDate", "beginDate"):
                if r.get(c) and not DATE.match(r[c]):
                    out.append(f"{name}:{i}: {c} is not a date")
            if name == "academicSessions.csv" and not YEAR.match(r["schoolYear"]):
                out.append(f"{name}:{i}: schoolYear is not a year")
            if r["sourcedId"] in seen:
                out.append(f"{name}:{i}: duplicate sourcedId")
            seen.add(r["sourcedId"])
    for name, column, target in REFERENCES:
        known = {r["sourcedId"] for r in rows.get(target, [])}
        for i, r in enumerate(rows.get(name, []), start=2):
            for ref in (x.strip() for x in r[column].split(",") if x.strip()):
                if ref not in known:
                    out.append(f"{name}:{i}: {column} {ref!r} is not in {target}")
    return out
