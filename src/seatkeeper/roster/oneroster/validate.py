"""Validating a OneRoster set into a `Dataset` (the validator): everything is checked before
anything is written, and every problem is collected with its file, line, column and value.

Enrollments are streamed twice (here to check them, then by the writer to apply them) so only
small per-user and per-class tallies stay in memory. Defects real SIS exports have are handled
the way a district admin expects and said so in the notes:

- an org of type `department` is used as the school of the classes that name it when its parent
  org is not in the files; with its parent school present, its classes go to that school;
- a user whose every enrollment contradicts their `role` (a "student" who only teaches, a
  "teacher" only ever enrolled as a student) is imported as the enrollments say;
- a class with teachers but none marked `primary` gets its first listed teacher as primary;
- `tobedeleted` rows in a bulk file are treated as deletions; a status `inactive` as active;
- an unreadable `dateLastModified` is ignored (Seatkeeper does not use it).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from seatkeeper.roster.oneroster.notes import Notes
from seatkeeper.roster.oneroster.reader import ReadError, Row, Source, read_manifest, read_rows

TEACHER_ROLES = {"teacher"}
STUDENT_ROLES = {"student"}
ADMIN_ROLES = {
    "administrator",
    "districtadministrator",
    "siteadministrator",
    "systemadministrator",
    "principal",
}
OTHER_ROLES = {
    "aide",
    "guardian",
    "parent",
    "proctor",
    "relative",
    "counselor",
    "exteacher",
    "extstudent",
    "systemadministrator",
}
KNOWN_ROLES = TEACHER_ROLES | STUDENT_ROLES | ADMIN_ROLES | OTHER_ROLES
STATUSES = {"", "active", "tobedeleted", "inactive"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

REQUIRED = {
    "orgs.csv": ["sourcedId", "name", "type"],
    "academicsessions.csv": ["sourcedId", "title", "type", "startDate", "endDate"],
    "classes.csv": ["sourcedId", "title", "schoolSourcedId", "termSourcedIds"],
    "users.csv": ["sourcedId", "givenName", "familyName"],
    "enrollments.csv": ["sourcedId", "classSourcedId", "userSourcedId", "role"],
    "roles.csv": ["userSourcedId", "role", "orgSourcedId"],
    "demographics.csv": ["sourcedId", "birthDate"],
}
USED_FILES = set(REQUIRED) | {"manifest.csv"}


@dataclass(slots=True)
class Org:
    sid: str
    name: str
    type: str
    parent: str
    deleted: bool
    line: int


@dataclass(slots=True)
class Session:
    sid: str
    title: str
    starts_on: dt.date
    ends_on: dt.date
    deleted: bool


@dataclass(slots=True)
class Klass:
    sid: str
    title: str
    code: str
    school: str  # school sourcedId, after department mapping
    term: str  # first term sourcedId, "" if none
    deleted: bool


@dataclass(slots=True)
class User:
    sid: str
    role: str  # lower-cased OneRoster role as given (users.csv, or roles.csv primary)
    kind: str  # teacher | student | admin | other: what the importer makes of the user
    given: str
    family: str
    middle: str
    preferred: str
    email: str
    username: str
    identifier: str
    grade: str
    orgs: list[str]
    deleted: bool
    line: int
    dob: dt.date | None = None


@dataclass
class Dataset:
    """What the files say, checked; enrollments stay in the file (see `enrollments`)."""

    source: Source
    version: str = "1.1"
    modes: dict[str, str] = field(default_factory=dict)
    district_org: Org | None = None
    schools: dict[str, Org] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    classes: dict[str, Klass] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    # class sourcedId -> (user sourcedId of its primary teacher, marked primary in the file)
    primary_of: dict[str, tuple[str, bool]] = field(default_factory=dict)
    enrollment_rows: int = 0
    notes: Notes = field(default_factory=Notes)
    # sourcedIds of rows refused (and files unreadable), so references to them are not
    # reported a second time: one mistake, one error.
    rejected: set[str] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)

    def dangling(self, ref: str, here: Any, known: Any, file: str) -> bool:
        return (
            ref not in here
            and ref not in known
            and ref not in self.rejected
            and file not in self.broken
        )

    files: list[str] = field(default_factory=list)

    @property
    def delta(self) -> bool:
        return "delta" in self.modes.values()

    def mode(self, name: str) -> str:
        key = "file." + name.removesuffix(".csv")
        for k, v in self.modes.items():
            if k.lower() == key.lower():
                return v or "bulk"
        return "bulk"

    def enrollments(self) -> Iterator[Row]:
        if not self.source.has("enrollments.csv"):
            return iter(())
        _, rows = read_rows(self.source, "enrollments.csv")
        return rows


@dataclass
class Known:
    """sourcedIds already in the district (a delta set may refer to them)."""

    schools: set[str] = field(default_factory=set)
    terms: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    users: dict[str, str] = field(default_factory=dict)  # sid -> "teacher" | "student"


def parse_date(value: str) -> dt.date | None:
    if not ISO_DATE.match(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _last_modified_ok(value: str) -> bool:
    if not value:
        return True
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


class _FileCheck:
    """Per-file helpers: required columns, status, duplicate sourcedIds."""

    def __init__(self, ds: Dataset, name: str, key: str = "sourcedId"):
        self.ds, self.name, self.key = ds, name, key
        self.file = ds.source.file_name(name)
        self.seen: dict[str, int] = {}
        self.bulk = ds.mode(name) != "delta"
        self.header: list[str] = []

    def rows(self) -> Iterator[Row]:
        notes = self.ds.notes
        try:
            header, rows = read_rows(self.ds.source, self.name)
            self.header = header
            missing = [c for c in REQUIRED[self.name] if c not in header]
            if missing:
                self.ds.broken.add(self.name)
                for c in missing:
                    notes.error(
                        f"required column {c} is missing (the header has: {', '.join(header)})",
                        file=self.file,
                        line=1,
                        column=c,
                    )
                return
            yield from rows
        except ReadError as exc:
            self.ds.broken.add(self.name)
            p = exc.problem
            notes.error(
                p.message,
                file=p.file,
                line=p.line,
                column=p.column,
                value=p.value,
                field_name=p.field,
            )

    def reject(self, sid: str) -> None:
        self.ds.rejected.add(sid)

    def start(self, row: Row) -> tuple[str, bool] | None:
        """sourcedId and whether the row deletes; None (error noted) when the row is unusable."""
        notes = self.ds.notes
        sid = row.get(self.key)
        if not sid:
            notes.error("sourcedId is empty", file=self.file, line=row.line, column=self.key)
            return None
        if sid in self.seen:
            notes.error(
                f"duplicate sourcedId (first on line {self.seen[sid]})",
                file=self.file,
                line=row.line,
                column=self.key,
                value=sid,
            )
            return None
        self.seen[sid] = row.line
        status = row.get("status").lower()
        if status not in STATUSES:
            notes.error(
                "status must be active or tobedeleted",
                file=self.file,
                line=row.line,
                column="status",
                value=row.get("status"),
            )
            self.reject(sid)
            return None
        if status == "inactive":
            notes.warn(
                f"{self.name}:inactive",
                f"{self.file}: status 'inactive' is not a OneRoster status; treated as active",
                file=self.file,
                line=row.line,
                value=sid,
            )
        if status == "tobedeleted" and self.bulk:
            notes.warn(
                f"{self.name}:tobedeleted-in-bulk",
                f"{self.file}: rows marked tobedeleted in a bulk file are treated as deletions",
                file=self.file,
                line=row.line,
                value=sid,
            )
        if not _last_modified_ok(row.get("dateLastModified")):
            notes.warn(
                f"{self.name}:dateLastModified",
                f"{self.file}: dateLastModified is not an ISO 8601 date; ignored "
                "(Seatkeeper does not use it)",
                file=self.file,
                line=row.line,
                value=row.get("dateLastModified"),
            )
        return sid, status == "tobedeleted"

    def date(self, row: Row, column: str, *, required: bool) -> tuple[bool, dt.date | None]:
        value = row.get(column)
        if not value:
            if required:
                self.ds.notes.error(
                    "a date is required (YYYY-MM-DD)", file=self.file, line=row.line, column=column
                )
                return False, None
            return True, None
        d = parse_date(value)
        if d is None:
            self.ds.notes.error(
                "not a date (use YYYY-MM-DD)",
                file=self.file,
                line=row.line,
                column=column,
                value=value,
            )
            return False, None
        return True, d


def validate(source: Source, known: Known) -> Dataset:
    """Read and check every file; the Dataset's notes hold every error and warning."""
    ds = Dataset(source=source)
    notes = ds.notes
    try:
        ds.modes = read_manifest(source)
    except ReadError as exc:
        p = exc.problem
        notes.error(
            p.message, file=p.file, line=p.line, column=p.column, value=p.value, field_name=p.field
        )
    ds.version = ds.modes.get("oneroster.version", "") or (
        "1.2" if source.has("roles.csv") else "1.1"
    )
    if ds.version not in ("1.0", "1.1", "1.2"):
        notes.error(
            "unsupported OneRoster version (1.1 and 1.2 are)",
            file="manifest.csv",
            column="oneroster.version",
            value=ds.version,
        )
    ds.files = sorted(source.names)
    for name in source.names:
        if name not in USED_FILES:
            notes.warn(
                "file-ignored",
                "files Seatkeeper does not use were ignored",
                value=source.file_name(name),
            )
    for member in source.ignored:
        notes.warn(
            "member-ignored", "files outside the OneRoster folder were ignored", value=member
        )
    if not source.has("users.csv") and not ds.delta:
        notes.error("users.csv is missing", file="users.csv")
    raw_orgs = _orgs(ds) if source.has("orgs.csv") else {}
    _sessions(ds, known)
    class_rows = _classes_raw(ds) if source.has("classes.csv") else []
    _resolve_orgs(ds, raw_orgs, class_rows, known)
    _classes(ds, class_rows, known)
    _users(ds, known)
    if source.has("enrollments.csv"):
        _enrollments(ds, known)
    return ds


def _orgs(ds: Dataset) -> dict[str, Org]:
    fc = _FileCheck(ds, "orgs.csv")
    out: dict[str, Org] = {}
    for row in fc.rows():
        started = fc.start(row)
        if started is None:
            continue
        sid, deleted = started
        typ = row.get("type").lower()
        if not deleted and not row.get("name"):
            ds.notes.error("name is empty", file=fc.file, line=row.line, column="name", value=sid)
            fc.reject(sid)
            continue
        out[sid] = Org(sid, row.get("name"), typ, row.get("parentSourcedId"), deleted, row.line)
    return out


def _sessions(ds: Dataset, known: Known) -> None:
    if not ds.source.has("academicSessions.csv"):
        return
    fc = _FileCheck(ds, "academicsessions.csv")
    missing_parents = 0
    for row in fc.rows():
        started = fc.start(row)
        if started is None:
            continue
        sid, deleted = started
        ok1, start = fc.date(row, "startDate", required=not deleted)
        ok2, end = fc.date(row, "endDate", required=not deleted)
        if not (ok1 and ok2):
            fc.reject(sid)
            continue
        if start and end and end < start:
            fc.reject(sid)
            ds.notes.error(
                f"endDate is before startDate ({start.isoformat()})",
                file=fc.file,
                line=row.line,
                column="endDate",
                value=end.isoformat(),
            )
            continue
        parent = row.get("parentSourcedId")
        if parent and parent not in fc.seen and parent not in known.terms:
            missing_parents += 1
        ds.sessions[sid] = Session(
            sid, row.get("title") or sid, start or dt.date.min, end or dt.date.min, deleted
        )
    for s in ds.sessions.values():
        if s.sid and s.title == "":
            s.title = s.sid
    if missing_parents:
        ds.notes.warn(
            "session-parent-missing",
            "academicSessions.csv: parentSourcedId names sessions not in the files; ignored "
            "(Seatkeeper keeps terms flat)",
            count=missing_parents,
        )


def _classes_raw(ds: Dataset) -> list[tuple[Row, str, bool]]:
    fc = _FileCheck(ds, "classes.csv")
    out = []
    for row in fc.rows():
        started = fc.start(row)
        if started is None:
            continue
        out.append((row, *started))
    return out


def _resolve_orgs(
    ds: Dataset, raw: dict[str, Org], class_rows: list[tuple[Row, str, bool]], known: Known
) -> None:
    """Districts and schools; departments and other org types handled as an admin expects."""
    fname = ds.source.file_name("orgs.csv") if ds.source.has("orgs.csv") else "orgs.csv"
    named_as_school = {row.get("schoolSourcedId") for row, _, _ in class_rows}
    districts = [o for o in raw.values() if o.type == "district" and not o.deleted]
    if districts:
        ds.district_org = districts[0]
        if len(districts) > 1:
            ds.notes.warn(
                "several-districts",
                "orgs.csv has several district orgs; the first names the district, the others "
                "are ignored",
                file=fname,
                line=districts[1].line,
                value=districts[1].sid,
            )
    for o in raw.values():
        if o.type == "school":
            ds.schools[o.sid] = o
    for o in raw.values():
        if o.type in ("school", "district"):
            continue
        parent = raw.get(o.parent)
        if o.type == "department" and parent is not None and parent.type == "school":
            ds.schools.setdefault(f"alias:{o.sid}", Org(o.parent, "", "alias", "", False, o.line))
            ds.notes.warn(
                "department-in-school",
                "departments are not schools: classes of a department go to its parent school",
                file=fname,
                line=o.line,
                value=o.sid,
            )
        elif o.sid in named_as_school:
            ds.schools[o.sid] = o
            why = (
                f"its parent org {o.parent!r} is not in the files"
                if o.parent and o.parent not in known.schools
                else "it has no parent school"
            )
            ds.notes.warn(
                f"org-as-school:{o.type}",
                f"an org of type {o.type!r} is used as a school because classes name it as "
                f"their school ({why})",
                file=fname,
                line=o.line,
                value=o.sid,
            )
        else:
            ds.notes.warn(
                f"org-ignored:{o.type}",
                f"orgs of type {o.type!r} that no class names as its school were ignored",
                file=fname,
                line=o.line,
                value=o.sid,
            )


def school_of(ds: Dataset, sid: str) -> str:
    alias = ds.schools.get(f"alias:{sid}")
    return alias.sid if alias is not None else sid


def _classes(ds: Dataset, rows: list[tuple[Row, str, bool]], known: Known) -> None:
    if not rows:
        return
    fname = ds.source.file_name("classes.csv")
    for row, sid, deleted in rows:
        school = school_of(ds, row.get("schoolSourcedId"))
        terms = [t.strip() for t in row.get("termSourcedIds").split(",") if t.strip()]
        if not deleted:
            bad = False
            if not row.get("title"):
                ds.notes.error("title is empty", file=fname, line=row.line, column="title")
                bad = True
            if ds.dangling(school, ds.schools, known.schools, "orgs.csv"):
                ds.notes.error(
                    "schoolSourcedId names no school in orgs.csv or in the district",
                    file=fname,
                    line=row.line,
                    column="schoolSourcedId",
                    value=row.get("schoolSourcedId"),
                )
                bad = True
            for t in terms:
                if ds.dangling(t, ds.sessions, known.terms, "academicsessions.csv"):
                    ds.notes.error(
                        "termSourcedIds names no session in academicSessions.csv or in the "
                        "district",
                        file=fname,
                        line=row.line,
                        column="termSourcedIds",
                        value=t,
                    )
                    bad = True
            if bad or school in ds.rejected or any(t in ds.rejected for t in terms):
                ds.rejected.add(sid)
                continue
        ds.classes[sid] = Klass(
            sid,
            row.get("title"),
            row.get("classCode") or row.get("courseSourcedId")[:100],
            school,
            terms[0] if terms else "",
            deleted,
        )


def _users(ds: Dataset, known: Known) -> None:
    if not ds.source.has("users.csv"):
        return
    roles = _roles(ds)
    births = _births(ds)
    fc = _FileCheck(ds, "users.csv")
    has_role_col = None
    for row in fc.rows():
        if has_role_col is None:
            has_role_col = "role" in fc.header
        started = fc.start(row)
        if started is None:
            continue
        sid, deleted = started
        role_raw = row.get("role") if has_role_col else roles.get(sid, "")
        role = role_raw.replace(" ", "").lower()
        if not deleted:
            if not role:
                ds.notes.error(
                    "no role: users.csv has no role and roles.csv none for this user",
                    file=fc.file,
                    line=row.line,
                    column="role",
                    value=sid,
                )
                fc.reject(sid)
                continue
            if role not in KNOWN_ROLES:
                ds.notes.error(
                    "not a OneRoster role",
                    file=fc.file,
                    line=row.line,
                    column="role",
                    value=role_raw,
                )
                fc.reject(sid)
                continue
            if not row.get("givenName") and not row.get("familyName"):
                ds.notes.error(
                    "givenName and familyName are both empty",
                    file=fc.file,
                    line=row.line,
                    column="familyName",
                    value=sid,
                )
                fc.reject(sid)
                continue
        orgs = [o.strip() for o in row.get("orgSourcedIds").split(",") if o.strip()]
        if row.get("primaryOrgSourcedId"):
            orgs.insert(0, row.get("primaryOrgSourcedId"))
        # Interned: a district has a few schools, roles and grades, and 100k users would
        # otherwise each hold their own copies of the same short strings.
        orgs = [sys.intern(school_of(ds, o)) for o in orgs]
        email = row.get("email")
        if email and "@" not in email:
            ds.notes.warn(
                "bad-email",
                "users.csv: emails that are not addresses were left out",
                file=fc.file,
                line=row.line,
                value=email,
            )
            email = ""
        kind = (
            "teacher"
            if role in TEACHER_ROLES
            else "student"
            if role in STUDENT_ROLES
            else "admin"
            if role in ADMIN_ROLES
            else "other"
        )
        ds.users[sid] = User(
            sid=sid,
            role=sys.intern(role),
            kind=kind,
            given=row.get("givenName")[:150],
            family=row.get("familyName")[:150],
            middle=row.get("middleName")[:150],
            preferred=(row.get("preferredGivenName") or row.get("prefferedGivenName"))[:150],
            email=email[:254],
            username=row.get("username")[:150],
            identifier=row.get("identifier")[:100],
            grade=sys.intern(row.get("grades").split(",")[0].strip()[:20]),
            orgs=orgs,
            deleted=deleted,
            line=row.line,
            dob=births.get(sid),
        )
    others: dict[str, int] = {}
    for u in ds.users.values():
        if u.kind == "other" and not u.deleted:
            others[u.role] = others.get(u.role, 0) + 1
    for role, n in sorted(others.items()):
        ds.notes.warn(
            f"role-ignored:{role}",
            f"users with role {role!r} have no place in Seatkeeper and were not imported",
            count=n,
        )


def _roles(ds: Dataset) -> dict[str, str]:
    """OneRoster 1.2: a user's role is their primary role in roles.csv (else the first)."""
    if not ds.source.has("roles.csv"):
        return {}
    out: dict[str, tuple[bool, str]] = {}
    fc = _FileCheck(ds, "roles.csv", key="userSourcedId")
    for row in fc.rows():
        user = row.get("userSourcedId")
        if not user or row.get("status").lower() == "tobedeleted":
            continue
        primary = row.get("roleType").lower() == "primary"
        have = out.get(user)
        if have is None or (primary and not have[0]):
            out[user] = (primary, row.get("role"))
    return {k: v for k, (_, v) in out.items()}


def _births(ds: Dataset) -> dict[str, dt.date]:
    if not ds.source.has("demographics.csv"):
        return {}
    out = {}
    fc = _FileCheck(ds, "demographics.csv")
    for row in fc.rows():
        started = fc.start(row)
        if started is None:
            continue
        ok, d = fc.date(row, "birthDate", required=False)
        if ok and d is not None:
            if d > dt.date.today():  # noqa: DTZ011 - a birth date is a calendar date
                ds.notes.error(
                    "birthDate is in the future",
                    file=fc.file,
                    line=row.line,
                    column="birthDate",
                    value=d.isoformat(),
                )
                continue
            out[started[0]] = d
    return out


def _enrollments(ds: Dataset, known: Known) -> None:
    """Check every enrollment; tally roles per user and teachers per class for the fix-ups."""
    fc = _FileCheck(ds, "enrollments.csv")
    as_teacher: dict[str, int] = {}
    as_student: dict[str, int] = {}
    first_teacher: dict[str, str] = {}
    primaries: dict[str, list[str]] = {}
    for row in fc.rows():
        ds.enrollment_rows += 1
        started = fc.start(row)
        if started is None:
            continue
        sid, deleted = started
        cls, user, role = (
            row.get("classSourcedId"),
            row.get("userSourcedId"),
            row.get("role").lower(),
        )
        if deleted and not (cls and user):
            continue
        bad = False
        if ds.dangling(cls, ds.classes, known.classes, "classes.csv"):
            ds.notes.error(
                "classSourcedId names no class in classes.csv or in the district",
                file=fc.file,
                line=row.line,
                column="classSourcedId",
                value=cls,
            )
            bad = True
        if ds.dangling(user, ds.users, known.users, "users.csv"):
            ds.notes.error(
                "userSourcedId names no user in users.csv or in the district",
                file=fc.file,
                line=row.line,
                column="userSourcedId",
                value=user,
            )
            bad = True
        if role not in KNOWN_ROLES:
            ds.notes.error(
                "not a OneRoster enrollment role",
                file=fc.file,
                line=row.line,
                column="role",
                value=row.get("role"),
            )
            bad = True
        primary = row.get("primary").lower()
        if primary not in ("", "true", "false"):
            ds.notes.error(
                "primary must be true or false",
                file=fc.file,
                line=row.line,
                column="primary",
                value=row.get("primary"),
            )
            bad = True
        ok1, _ = fc.date(row, "beginDate", required=False)
        ok2, _ = fc.date(row, "endDate", required=False)
        if bad or not (ok1 and ok2) or deleted or cls in ds.rejected or user in ds.rejected:
            continue
        if role in TEACHER_ROLES:
            as_teacher[user] = as_teacher.get(user, 0) + 1
            first_teacher.setdefault(cls, user)
            if primary == "true":
                primaries.setdefault(cls, []).append(user)
        elif role in STUDENT_ROLES:
            as_student[user] = as_student.get(user, 0) + 1
    _fix_roles(ds, as_teacher, as_student)
    no_primary = 0
    for cls, first in first_teacher.items():
        chosen = primaries.get(cls)
        if chosen:
            ds.primary_of[cls] = (chosen[0], True)
            if len(chosen) > 1:
                ds.notes.warn(
                    "several-primaries",
                    "classes with several primary teachers: the first is primary, the others "
                    "co-teachers",
                    value=cls,
                )
        else:
            ds.primary_of[cls] = (first, False)
            no_primary += 1
    if no_primary:
        ds.notes.warn(
            "no-primary",
            "classes with teachers but none marked primary: the first listed teacher was made "
            "primary (only the primary teacher's access licenses a class, R8)",
            count=no_primary,
        )


def _fix_roles(ds: Dataset, as_teacher: dict[str, int], as_student: dict[str, int]) -> None:
    fname = ds.source.file_name("users.csv") if ds.source.has("users.csv") else "users.csv"
    for u in ds.users.values():
        t, s = as_teacher.get(u.sid, 0), as_student.get(u.sid, 0)
        if u.kind != "teacher" and t and not s:
            ds.notes.warn(
                f"role-contradicted:{u.role}->teacher",
                f"users with role {u.role!r} who only ever teach (enrollments as teacher, none "
                "as student) were imported as teachers",
                file=fname,
                line=u.line,
                value=u.sid,
            )
            u.kind = "teacher"
        elif u.kind != "student" and s and not t:
            ds.notes.warn(
                f"role-contradicted:{u.role}->student",
                f"users with role {u.role!r} who are only ever enrolled as students were "
                "imported as students",
                file=fname,
                line=u.line,
                value=u.sid,
            )
            u.kind = "student"
        elif (u.kind == "teacher" and s) or (u.kind == "student" and t):
            ds.notes.warn(
                "role-mixed",
                "users enrolled both as teacher and as student keep their role; their "
                "enrollments in the other role were skipped",
                file=fname,
                line=u.line,
                value=u.sid,
            )


ProgressFn = Callable[[str, int, int], None]
