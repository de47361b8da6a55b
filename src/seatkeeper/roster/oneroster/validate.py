"""Validating a OneRoster set (the validator): everything is checked before anything is written,
and every problem is collected with its file, line, column and value.

`orgs.csv` and `academicSessions.csv` (a few rows per school) are read in Python. The files that
grow with the district (classes, users, roles, demographics, enrollments) are staged in TEMP
tables (`stage.py`) and each rule is one SQL query that returns the offending rows, the same
query on PostgreSQL and SQLite. A rule about a value (a date, a role, a status) looks at the
file's distinct values in Python and asks SQL only for the rows that hold a bad one. Rows a rule
refuses are remembered (`<table>_bad`, and their sourcedIds in `sk_rejected`) so that one
mistake makes one error: a reference to a refused row is not reported again.

Defects real SIS exports have are handled the way a district admin expects and said so in the
notes:

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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.db import connection

from seatkeeper.errors import max_length_of, too_long_message
from seatkeeper.orgs.models import School
from seatkeeper.roster.models import Classroom, Course, Student, Term
from seatkeeper.roster.oneroster import ids
from seatkeeper.roster.oneroster.notes import Notes
from seatkeeper.roster.oneroster.reader import (
    ReadError,
    Row,
    Source,
    last_required,
    read_manifest,
    read_table,
    width_problem,
)
from seatkeeper.roster.oneroster.stage import Sql, Staged, empty, journal, known_names, stage

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
# Booleans (enrollments' `primary`): OneRoster writes true/false; exporters also write these.
TRUE_VALUES = ("true", "yes", "1")
FALSE_VALUES = ("false", "no", "0")
PRIMARY = "lower(primary_flag) IN ('true', 'yes', '1')"  # SQL: the row is marked primary
SESSION_TYPES = {t.lower(): t for t in ("gradingPeriod", "semester", "schoolYear", "term")}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SID_MAX = 255  # every sourced_id column holds up to 255 characters

REQUIRED = {
    "orgs.csv": ["sourcedId", "name", "type"],
    "academicsessions.csv": ["sourcedId", "title", "type", "startDate", "endDate"],
    "classes.csv": ["sourcedId", "title", "schoolSourcedId", "termSourcedIds"],
    "courses.csv": ["sourcedId", "title"],
    "users.csv": ["sourcedId", "givenName", "familyName"],
    "enrollments.csv": ["sourcedId", "classSourcedId", "userSourcedId", "role"],
    "roles.csv": ["userSourcedId", "role", "orgSourcedId"],
    "demographics.csv": ["sourcedId", "birthDate"],
}
USED_FILES = set(REQUIRED) | {"manifest.csv"}
# The columns read from the small files (read in Python), for names that differ in case.
SMALL_COLUMNS = {
    "orgs.csv": ["sourcedId", "status", "dateLastModified", "name", "type", "parentSourcedId"],
    "academicsessions.csv": [
        "sourcedId",
        "status",
        "dateLastModified",
        "title",
        "type",
        "startDate",
        "endDate",
        "parentSourcedId",
        "schoolYear",
    ],
    "courses.csv": [
        "sourcedId",
        "status",
        "dateLastModified",
        "schoolYearSourcedId",
        "title",
        "courseCode",
        "orgSourcedId",
    ],
}

# issue 17.1: the columns whose values land in a text column of ours: refused (with file, line and
# column) when longer than the column holds, never cut. Staged: table column -> (header, model,
# field); small files read in Python: header -> (model, field).
LIMITS: dict[str, dict[str, tuple[str, Any, str]]] = {
    "users.csv": {
        "given": ("givenName", Student, "first_name"),
        "family": ("familyName", Student, "last_name"),
        "middle": ("middleName", Student, "middle_name"),
        "preferred": ("preferredGivenName", Student, "preferred_first_name"),
        "email": ("email", Student, "email"),
        "username": ("username", Student, "username"),
        "identifier": ("identifier", Student, "student_number"),
    },
    "classes.csv": {
        "title": ("title", Classroom, "name"),
        "class_code": ("classCode", Classroom, "course_code"),
    },
}
SMALL_LIMITS: dict[str, dict[str, tuple[Any, str]]] = {
    "orgs.csv": {"name": (School, "name")},
    "academicsessions.csv": {
        "title": (Term, "name"),
        "type": (Term, "type"),
        "schoolYear": (Term, "school_year"),
    },
    "courses.csv": {"title": (Course, "title"), "courseCode": (Course, "course_code")},
}

# The staged files: table column -> the header names it may have (first found wins).
COMMON = {
    "sid": ("sourcedId",),
    "status": ("status",),
    "dlm": ("dateLastModified",),
}
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "classes.csv": {
        **COMMON,
        "title": ("title",),
        "class_code": ("classCode",),
        "course": ("courseSourcedId",),
        "school": ("schoolSourcedId",),
        "terms": ("termSourcedIds", "termSourcedId"),  # the singular is OneRoster 1.0's
    },
    "users.csv": {
        **COMMON,
        "role": ("role",),
        "given": ("givenName",),
        "family": ("familyName",),
        "middle": ("middleName",),
        "preferred": ("preferredGivenName",),
        "preferred2": ("prefferedGivenName",),
        "email": ("email",),
        "username": ("username",),
        "identifier": ("identifier",),
        "grades": ("grades",),
        "orgs": ("orgSourcedIds",),
        "primary_org": ("primaryOrgSourcedId",),
    },
    "roles.csv": {
        "sid": ("sourcedId",),
        "user_sid": ("userSourcedId",),
        "status": ("status",),
        "role": ("role",),
        "role_type": ("roleType",),
        "org": ("orgSourcedId",),
    },
    "demographics.csv": {**COMMON, "birth": ("birthDate",)},
    "enrollments.csv": {
        **COMMON,
        "class_sid": ("classSourcedId",),
        "user_sid": ("userSourcedId",),
        "role": ("role",),
        "primary_flag": ("primary",),
        "begin_date": ("beginDate",),
        "end_date": ("endDate",),
    },
}


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
    type: str = ""
    parent: str = ""  # the parent session's sourcedId, when it is known
    school_year: str = ""


@dataclass(slots=True)
class CourseRow:
    sid: str
    title: str
    code: str
    org: str  # orgSourcedId as given
    school_year: str  # schoolYearSourcedId, when it names a known session
    deleted: bool


@dataclass
class Dataset:
    """What the files say, checked. Small files are here; the large ones stay staged in SQL:

    - `sk_k`: usable classes (sid, title, code, school = school sourcedId after department
      mapping, term = first term sourcedId, deleted);
    - `sk_u`: usable users (sid, role, kind, names, email, username, identifier, grade,
      orgs, primary_org, birth, deleted, line); `kind` is teacher | student | admin | other,
      after the enrollment fix-ups;
    - `sk_enrollments`: the enrollment rows as staged;
    - `sk_primary`: per class, the user sourcedId of its primary teacher and whether the file
      marked it primary (`explicit`).
    """

    source: Source
    version: str = "1.1"
    modes: dict[str, str] = field(default_factory=dict)
    district_org: Org | None = None
    schools: dict[str, Org] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    courses: dict[str, CourseRow] = field(default_factory=dict)
    enrollment_rows: int = 0
    user_rows: int = 0
    notes: Notes = field(default_factory=Notes)
    # sourcedIds of rows refused in the small files (the staged ones are in sk_rejected), and
    # files unreadable, so references to them are not reported a second time.
    rejected: set[str] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)
    staged: dict[str, Staged] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    # The files name rows by ids an export made up (`ids.py`): matching looks for them too.
    made_up_ids: bool = False

    def dangling(self, ref: str, here: Any, known: Any, file: str) -> bool:
        return (
            ref not in here
            and ref not in known
            and ref not in self.rejected
            and file not in self.broken
        )

    @property
    def delta(self) -> bool:
        return "delta" in self.modes.values()

    def mode(self, name: str) -> str:
        key = "file." + name.removesuffix(".csv")
        for k, v in self.modes.items():
            if k.lower() == key.lower():
                return v or "bulk"
        return "bulk"

    def has(self, name: str) -> bool:
        """The file is in the set and could be read (its table holds its rows)."""
        return self.source.has(name) and name.lower() not in self.broken


@dataclass
class Known:
    """What the district already has that a delta set may refer to (the small kinds)."""

    district_id: int | None = None
    district_sid: str = ""  # the district's sourcedId (or the one an export makes up)
    schools: set[str] = field(default_factory=set)
    terms: set[str] = field(default_factory=set)


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


# --- SQL helpers ------------------------------------------------------------------------------


def q(sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, list(params))
        return cur.fetchall()


def ex(sql: str, params: Iterable[Any] = ()) -> int:
    with connection.cursor() as cur:
        cur.execute(sql, list(params))
        return cur.rowcount


def stream(sql: str, params: Iterable[Any] = ()) -> Iterator[tuple[Any, ...]]:
    """Rows of a query, fetched a few thousand at a time (never the whole result at once)."""
    with connection.chunked_cursor() as cur:
        cur.execute(sql, list(params))
        while batch := cur.fetchmany(2000):
            yield from batch


def made(table: str, *indexes: str) -> None:
    """A TEMP table is filled: index it for the joins to come; PostgreSQL gets statistics
    (autovacuum never analyzes temporary tables, and without them joins are planned blind)."""
    for i, cols in enumerate(indexes):
        ex(f"CREATE INDEX {table}_{i} ON {table} ({cols})")
    if connection.vendor == "postgresql":
        ex(f"ANALYZE {table}")


def marks(values: Iterable[Any]) -> str:
    return ", ".join("%s" for _ in values)


def warn_where(
    ds: Dataset,
    key: str,
    message: str,
    file: str,
    table: str,
    where: str,
    params: Iterable[Any] = (),
) -> int:
    """A note on the rows of a TEMP table (with `n`, `line`, `sid`) matching `where`: their
    count and the first few lines. Returns the count."""
    params = list(params)
    ((count,),) = q(f"SELECT count(*) FROM {table} WHERE {where}", params)
    if not count:
        return 0
    examples = q(f"SELECT line, sid FROM {table} WHERE {where} ORDER BY n LIMIT 3", params)
    for line, sid in examples:
        ds.notes.warn(key, message, file=file, line=line, value=sid)
    ds.notes.warn(key, message, count=count - len(examples))
    return count


class Checker:
    """The rules of one staged file; `usable` is the SQL condition of rows not refused yet."""

    def __init__(self, ds: Dataset, st: Staged, key: str = "sourcedId"):
        self.ds, self.st, self.key = ds, st, key
        self.t = st.table
        self.bad = f"{st.table}_bad"
        self.bulk = ds.mode(st.name) != "delta"
        self.sql = Sql()
        ex(f"DROP TABLE IF EXISTS {self.bad}")
        ex(f"CREATE TEMP TABLE {self.bad} (n integer PRIMARY KEY)")
        # NOT EXISTS, never NOT IN (SELECT ...): PostgreSQL runs a NOT IN whose list outgrows
        # work_mem as a scan per row (quadratic); NOT EXISTS is an anti-join on both backends.
        self.usable = self.ok()
        self.deleted = "lower(status) = 'tobedeleted'"

    def ok(self, alias: str | None = None) -> str:
        """SQL: the row (of this file's table, or `alias`) has not been refused."""
        return f"NOT EXISTS (SELECT 1 FROM {self.bad} b WHERE b.n = {alias or self.t}.n)"

    def error_rows(
        self,
        where: str,
        params: Iterable[Any],
        message: str,
        column: str,
        value: str | None,
        *,
        refuse: bool = True,
    ) -> int:
        """Report each usable row matching `where`; refuse them (and reject their sourcedId)."""
        notes = self.ds.notes
        cols = f"n, line, {value if value else 'NULL'}"
        sql = f"SELECT {cols} FROM {self.t} WHERE {self.usable} AND ({where}) ORDER BY n"
        found = 0
        for row in stream(sql, params):
            found += 1
            notes.error(
                message,
                file=self.st.file,
                line=row[1],
                column=column,
                value=row[2] if value else None,
            )
        if found and refuse:
            self.refuse(where, params)
        return found

    def refuse(self, where: str, params: Iterable[Any], reject: bool = True) -> None:
        params = list(params)
        if reject and "sid" in FIELDS.get(self.st.name, {}):
            ex(
                f"INSERT INTO sk_rejected (sid) SELECT sid FROM {self.t} "
                f"WHERE {self.usable} AND ({where})",
                params,
            )
        ex(
            f"INSERT INTO {self.bad} (n) SELECT n FROM {self.t} WHERE {self.usable} AND ({where})",
            params,
        )

    def warn_rows(self, key: str, message: str, where: str, params: Iterable[Any] = ()) -> None:
        warn_where(
            self.ds, key, message, self.st.file, self.t, f"{self.usable} AND ({where})", params
        )

    def bad_values(self, column: str, ok: Callable[[str], bool], where: str = "1=1") -> list[str]:
        """Distinct values of a column (few: statuses, roles, dates) that `ok` refuses."""
        return [
            v
            for (v,) in stream(
                f"SELECT DISTINCT {column} FROM {self.t} WHERE {self.usable} AND ({where})"
            )
            if not ok(v)
        ]

    def widths(self) -> None:
        """Rows wider than the header, or too short to hold a required column: refused (the
        values of such a row are in the wrong columns, so no other rule looks at it)."""
        st = self.st
        if not st.cells:
            return
        required = required_names(st.name, st.cells)
        where = f"w > {st.width} OR w < {last_required(st.cells, required)}"
        found = 0
        for _, line, w in stream(
            f"SELECT n, line, w FROM {self.t} WHERE {self.usable} AND ({where}) ORDER BY n"
        ):
            found += 1
            self.ds.notes.error(
                width_problem(w, st.cells, required) or "",
                file=st.file,
                line=line,
                field_name="row",
            )
        if found:
            self.refuse(where, [])

    def start(self) -> None:
        """Rows fit the header; sourcedId present and unique, status known; warnings for what
        is merely odd."""
        notes = self.ds.notes
        file, key, t = self.st.file, self.key, self.t
        self.widths()
        self.error_rows("sid = ''", [], "sourcedId is empty", key, None, refuse=False)
        self.refuse("sid = ''", [], reject=False)
        self.error_rows(
            f"length(sid) > {SID_MAX}",
            [],
            f"sourcedId is longer than {SID_MAX} characters",
            key,
            "sid",
            refuse=False,
        )
        self.refuse(f"length(sid) > {SID_MAX}", [], reject=False)
        self.lengths()
        groups = (
            f"(SELECT sid, min(n) AS first FROM {t} WHERE sid <> '' AND {self.usable} "
            "GROUP BY sid HAVING count(*) > 1) g"
        )
        found = 0
        for _, line, sid, first in stream(
            f"SELECT d.n, d.line, d.sid, f.line FROM {t} d JOIN {groups} ON g.sid = d.sid "
            f"JOIN {t} f ON f.n = g.first WHERE d.n > g.first ORDER BY d.n"
        ):
            found += 1
            notes.error(
                f"duplicate sourcedId (first on line {first})",
                file=file,
                line=line,
                column=key,
                value=sid,
            )
        if found:
            ex(
                f"INSERT INTO {self.bad} (n) SELECT d.n FROM {t} d JOIN {groups} "
                "ON g.sid = d.sid WHERE d.n > g.first"
            )
        self.status()
        self.last_modified()

    def lengths(self) -> None:
        """issue 17.1: a value longer than its column is refused with file, line and column."""
        for column, (header, model, name) in LIMITS.get(self.st.name, {}).items():
            limit = max_length_of(model, name)
            where = f"length({column}) > {limit}"
            rows = q(
                f"SELECT line, length({column}) FROM {self.t} "
                f"WHERE {self.usable} AND ({where}) ORDER BY n"
            )
            for line, n in rows:
                self.ds.notes.error(
                    f"is too long: {n} characters, at most {limit}",
                    file=self.st.file,
                    line=line,
                    column=header,
                )
            if rows:
                self.refuse(where, [])

    def status(self) -> None:
        bad = sorted(set(self.bad_values("status", lambda v: v.lower() in STATUSES)))
        if bad:
            where = f"status IN ({marks(bad)})"
            self.error_rows(where, bad, "status must be active or tobedeleted", "status", "status")
        name, file = self.st.name, self.st.file
        self.warn_rows(
            f"{name}:status-case",
            f"{file}: statuses written in another case (toBeDeleted, Active) were read as "
            "OneRoster's (tobedeleted, active)",
            "status <> lower(status) AND lower(status) IN ('active', 'tobedeleted')",
        )
        self.warn_rows(
            f"{name}:inactive",
            f"{file}: status 'inactive' is not a OneRoster status; treated as active",
            "lower(status) = 'inactive'",
        )
        if self.bulk:
            self.warn_rows(
                f"{name}:tobedeleted-in-bulk",
                f"{file}: rows marked tobedeleted in a bulk file are treated as deletions",
                self.deleted,
            )

    def last_modified(self) -> None:
        bad = self.bad_values("dlm", _last_modified_ok, "dlm <> ''")
        if not bad:
            return
        name, file = self.st.name, self.st.file
        key = f"{name}:dateLastModified"
        message = (
            f"{file}: dateLastModified is not an ISO 8601 date; ignored "
            "(Seatkeeper does not use it)"
        )
        for i in range(0, len(bad), 500):
            part = bad[i : i + 500]
            for line, value in q(
                f"SELECT line, dlm FROM {self.t} WHERE {self.usable} AND "
                f"dlm IN ({marks(part)}) ORDER BY n",
                part,
            ):
                self.ds.notes.warn(key, message, file=file, line=line, value=value)

    def dates(self, column: str, header: str, *, required: bool, where: str = "1=1") -> None:
        if required:
            self.error_rows(
                f"({where}) AND {column} = ''", [], "a date is required (YYYY-MM-DD)", header, None
            )
        bad = self.bad_values(column, lambda v: parse_date(v) is not None, f"{column} <> ''")
        for i in range(0, len(bad), 500):
            part = bad[i : i + 500]
            self.error_rows(
                f"({where}) AND {column} IN ({marks(part)})",
                part,
                "not a date (use YYYY-MM-DD)",
                header,
                column,
            )


def required_names(name: str, cells: list[str]) -> set[str]:
    """The file's required columns as its header has them (an alias counts for its column)."""
    out = set()
    fields = FIELDS.get(name, {})
    for c in REQUIRED.get(name, []):
        names = next((a for a in fields.values() if c in a), (c,))
        out.update(n for n in names if n in cells)
    return out


def missing_columns(name: str, header: list[str]) -> list[str]:
    fields = FIELDS.get(name, {})
    return [
        c
        for c in REQUIRED[name]
        if not any(n in header for n in next((a for a in fields.values() if c in a), (c,)))
    ]


def header_notes(
    ds: Dataset, name: str, file: str, renamed: list[tuple[str, str]], cells: list[str], rows: int
) -> None:
    """Notes on how a header was read, and on a file that holds only its header."""
    notes = ds.notes
    for given, read_as in renamed:
        notes.warn(
            f"{name}:header-case",
            f"{file}: column names that differ from OneRoster's only in case were read as "
            "OneRoster's",
            file=file,
            line=1,
            value=f"{given} as {read_as}",
        )
    if name == "classes.csv" and "termSourcedId" in cells and "termSourcedIds" not in cells:
        notes.warn(
            "classes.csv:termSourcedId",
            f"{file}: OneRoster 1.0's column termSourcedId was read as termSourcedIds",
            file=file,
            line=1,
            value="termSourcedId",
        )
    if rows == 0:
        bulk_enrollments = name == "enrollments.csv" and ds.mode(name) != "delta"
        notes.warn(
            f"{name}:header-only",
            f"{file} holds only a header: nothing to import from it"
            + (
                " (a bulk file is complete: every enrollment an earlier OneRoster import made "
                "is un-enrolled)"
                if bulk_enrollments
                else ""
            ),
            file=file,
            line=1,
        )


# --- the whole set ----------------------------------------------------------------------------


def validate(
    source: Source, known: Known, progress: Callable[[str, int, int], None] | None = None
) -> Dataset:
    """Read and check every file; the Dataset's notes hold every error and warning.

    `progress(stage, done, total)` hears of each staged file (kB read of the set's large
    files) and of each group of checks.
    """
    report = progress or (lambda stage, done, total: None)
    ds = Dataset(source=source)
    notes = ds.notes
    try:
        ds.modes = read_manifest(source)
    except ReadError as exc:
        _read_error(ds, exc)
    ds.version = ds.modes.get("oneroster.version", "") or (
        "1.2" if source.has("roles.csv") else "1.1"
    )
    if not source.has("manifest.csv"):
        notes.warn(
            "no-manifest",
            f"no manifest.csv: read as OneRoster {ds.version} bulk"
            + (" (roles.csv is a OneRoster 1.2 file)" if ds.version == "1.2" else ""),
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
    for member in source.unknown:
        notes.warn(
            "file-ignored",
            "files Seatkeeper does not use were ignored",
            value=PurePosixPath(member).name,
        )
    for member in source.ignored:
        notes.warn(
            "member-ignored", "files outside the OneRoster folder were ignored", value=member
        )
    if not source.has("users.csv") and not ds.delta and ds.mode("users.csv") != "absent":
        notes.error("users.csv is missing", file="users.csv")
    journal("memory")
    ex("DROP TABLE IF EXISTS sk_rejected")
    ex("CREATE TEMP TABLE sk_rejected (sid text)")
    total = sum(source.size(name) for name in FIELDS if source.has(name))
    done = 0
    report("reading files (kB)", 0, -(-total // 1024))
    for name in FIELDS:
        _stage(ds, name)
        if source.has(name):
            done += source.size(name)
            report("reading files (kB)", -(-done // 1024), -(-total // 1024))
    made("sk_rejected", "sid")
    ds.made_up_ids = _made_up_ids(ds)
    raw_orgs = _orgs(ds) if source.has("orgs.csv") else {}
    _sessions(ds, known)
    _resolve_orgs(ds, raw_orgs, known)
    _courses(ds, raw_orgs, known)
    checks = [
        lambda: _classes(ds, known),
        lambda: (_roles(ds), _births(ds), _users(ds)),
        lambda: _enrollments(ds, known),
        lambda: None if notes.error_count else _fix_roles(ds),
    ]
    for i, check in enumerate(checks):
        report("checking", i, len(checks))
        check()
    report("checking", len(checks), len(checks))
    journal("delete")
    return ds


def _read_error(ds: Dataset, exc: ReadError) -> None:
    p = exc.problem
    ds.notes.error(
        p.message, file=p.file, line=p.line, column=p.column, value=p.value, field_name=p.field
    )


def _stage(ds: Dataset, name: str) -> None:
    """Stage one file, or make its table empty (absent, unreadable, or missing a column)."""
    fields = FIELDS[name]
    src = ds.source
    if src.has(name):
        try:
            table = read_table(src, name, known_names(fields))
            table.rows.close()  # type: ignore[attr-defined]
            header = table.header
            missing = missing_columns(name, header)
            if missing:
                ds.broken.add(name)
                for c in missing:
                    ds.notes.error(
                        f"required column {c} is missing (the header has: {', '.join(header)})",
                        file=src.file_name(name),
                        line=1,
                        column=c,
                    )
            else:
                st = ds.staged[name] = stage(src, name, fields)
                header_notes(ds, name, st.file, st.renamed, st.cells, st.rows)
                return
        except ReadError as exc:
            ds.broken.add(name)
            _read_error(ds, exc)
    table = empty(name, fields)
    file = src.file_name(name) if src.has(name) else name
    ds.staged[name] = Staged(name=name, file=file, table=table, header=[])


class _FileCheck:
    """Per-file helpers for the small files read in Python: columns, status, duplicates."""

    def __init__(self, ds: Dataset, name: str, key: str = "sourcedId"):
        self.ds, self.name, self.key = ds, name, key
        self.file = ds.source.file_name(name)
        self.seen: dict[str, int] = {}
        self.bulk = ds.mode(name) != "delta"
        self.header: list[str] = []

    def rows(self) -> Iterator[Row]:
        """The file's usable rows: rows that do not fit the header are errors (`width_problem`)."""
        notes = self.ds.notes
        try:
            table = read_table(self.ds.source, self.name, SMALL_COLUMNS[self.name])
            header = self.header = table.header
            missing = missing_columns(self.name, header)
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
            required = set(REQUIRED[self.name])
            need = last_required(table.cells, required)
            n = 0
            for row in table.rows:
                n += 1
                width = len(row.cells)
                if width > table.width or width < need:
                    notes.error(
                        width_problem(width, table.cells, required) or "",
                        file=self.file,
                        line=row.line,
                        field_name="row",
                    )
                    sid = row.get(self.key)
                    if sid:
                        self.reject(sid)
                    continue
                yield row
            header_notes(self.ds, self.name, self.file, table.renamed, table.cells, n)
        except ReadError as exc:
            self.ds.broken.add(self.name)
            _read_error(self.ds, exc)

    def reject(self, sid: str) -> None:
        self.ds.rejected.add(sid)

    def too_long(self, row: Row, sid: str) -> bool:
        """issue 17.1: True (errors noted, sourcedId rejected) when a value is longer than the
        column it lands in; the row is refused, never cut."""
        found = False
        for header, (model, name) in SMALL_LIMITS.get(self.name.lower(), {}).items():
            value = row.get(header)
            limit = max_length_of(model, name)
            if limit and len(value) > limit:
                found = True
                self.ds.notes.error(
                    too_long_message(limit, value), file=self.file, line=row.line, column=header
                )
        if found:
            self.reject(sid)
        return found

    def start(self, row: Row) -> tuple[str, bool] | None:
        """sourcedId and whether the row deletes; None (error noted) when the row is unusable."""
        notes = self.ds.notes
        sid = row.get(self.key)
        if not sid:
            notes.error("sourcedId is empty", file=self.file, line=row.line, column=self.key)
            return None
        unusable = (
            f"sourcedId is longer than {SID_MAX} characters"
            if len(sid) > SID_MAX
            else f"duplicate sourcedId (first on line {self.seen[sid]})"
            if sid in self.seen
            else None
        )
        if unusable:
            notes.error(unusable, file=self.file, line=row.line, column=self.key, value=sid)
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
        given = row.get("status")
        if given != status and status in ("active", "tobedeleted"):
            notes.warn(
                f"{self.name}:status-case",
                f"{self.file}: statuses written in another case (toBeDeleted, Active) were "
                "read as OneRoster's (tobedeleted, active)",
                file=self.file,
                line=row.line,
                value=sid,
            )
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


def _orgs(ds: Dataset) -> dict[str, Org]:
    fc = _FileCheck(ds, "orgs.csv")
    out: dict[str, Org] = {}
    for row in fc.rows():
        started = fc.start(row)
        if started is None:
            continue
        sid, deleted = started
        typ = row.get("type").lower()
        if fc.too_long(row, sid):
            continue
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
    parents: dict[str, str] = {}
    for row in fc.rows():
        started = fc.start(row)
        if started is None:
            continue
        sid, deleted = started
        if fc.too_long(row, sid):
            continue
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
        given = row.get("type")
        typ = SESSION_TYPES.get(given.lower(), given)
        if typ != given:
            ds.notes.warn(
                "academicsessions.csv:type-case",
                f"{fc.file}: session types written in another case were read as OneRoster's",
                file=fc.file,
                line=row.line,
                value=f"{given} as {typ}",
            )
        if row.get("parentSourcedId"):
            parents[sid] = row.get("parentSourcedId")
        ds.sessions[sid] = Session(
            sid,
            row.get("title") or sid,
            start or dt.date.min,
            end or dt.date.min,
            deleted,
            type=typ,
            school_year=row.get("schoolYear"),
        )
    missing_parents = 0
    for sid, parent in parents.items():
        if parent in ds.sessions or parent in known.terms:
            ds.sessions[sid].parent = parent
        elif parent not in ds.rejected:
            missing_parents += 1
    if missing_parents:
        ds.notes.warn(
            "session-parent-missing",
            f"{fc.file}: parentSourcedId names sessions not in the files or the district; "
            "those sessions were kept without a parent",
            count=missing_parents,
        )


def _courses(ds: Dataset, raw_orgs: dict[str, Org], known: Known) -> None:
    """courses.csv (a few rows per school), read in Python; a class's course is kept so an
    export names it. Seats never depend on courses."""
    if not ds.source.has("courses.csv"):
        return
    fc = _FileCheck(ds, "courses.csv")
    unknown_org = 0
    for row in fc.rows():
        started = fc.start(row)
        if started is None:
            continue
        sid, deleted = started
        if fc.too_long(row, sid):
            continue
        if not deleted and not row.get("title"):
            ds.notes.error("title is empty", file=fc.file, line=row.line, column="title", value=sid)
            fc.reject(sid)
            continue
        org = row.get("orgSourcedId")
        if org and org not in raw_orgs and org not in known.schools and org != known.district_sid:
            unknown_org += 1
        year = row.get("schoolYearSourcedId")
        ds.courses[sid] = CourseRow(
            sid,
            row.get("title"),
            row.get("courseCode"),
            org,
            year if year in ds.sessions or year in known.terms else "",
            deleted,
        )
    if unknown_org:
        ds.notes.warn(
            "course-org-unknown",
            f"{fc.file}: courses whose orgSourcedId names no org in the files or the district "
            "were kept without a school",
            count=unknown_org,
        )


def _made_up_ids(ds: Dataset) -> bool:
    """Whether the large files name rows by ids an export made up (`ids.py`)."""
    head = f"'{ids.PREFIX}%%'"
    checks = [f"SELECT 1 FROM sk_users WHERE sid LIKE {head}"]
    checks.append(f"SELECT 1 FROM sk_classes WHERE sid LIKE {head}")
    if ds.mode("enrollments.csv") == "delta":
        checks.append(
            f"SELECT 1 FROM sk_enrollments WHERE class_sid LIKE {head} OR user_sid LIKE {head}"
        )
    return any(q(f"SELECT EXISTS ({c})")[0][0] for c in checks)


def _resolve_orgs(ds: Dataset, raw: dict[str, Org], known: Known) -> None:
    """Districts and schools; departments and other org types handled as an admin expects."""
    fname = ds.source.file_name("orgs.csv") if ds.source.has("orgs.csv") else "orgs.csv"
    t = ds.staged["classes.csv"].table
    named_as_school = {s for (s,) in q(f"SELECT DISTINCT school FROM {t}")}
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


def _split(value: str) -> list[str]:
    return [t.strip() for t in value.split(",") if t.strip()]


def _map_table(name: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """A small TEMP table of values worked out in Python (school and term mappings)."""
    ex(f"DROP TABLE IF EXISTS {name}")
    ex(f"CREATE TEMP TABLE {name} ({', '.join(f'{c} text' for c in columns)})")
    if rows:
        with connection.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {name} VALUES ({marks(columns)})",
                [tuple("" if v is None else str(v) for v in r) for r in rows],
            )
    made(name, columns[0])


def _classes(ds: Dataset, known: Known) -> None:
    st = ds.staged["classes.csv"]
    c = Checker(ds, st)
    c.start()
    live = f"NOT ({c.deleted})"
    c.error_rows(f"{live} AND title = ''", [], "title is empty", "title", None, refuse=False)
    schools = [s for (s,) in q(f"SELECT DISTINCT school FROM {st.table}")]
    district_sids = {known.district_sid, ds.district_org.sid if ds.district_org else ""} - {""}
    only_school = _only_school(ds, known)
    school_rows = []
    for raw in schools:
        mapped = school_of(ds, raw)
        dangling = ds.dangling(mapped, ds.schools, known.schools, "orgs.csv")
        district = dangling and mapped in district_sids
        if district and only_school:
            mapped, dangling, district = only_school, False, False
            c.warn_rows(
                "class-school-is-district",
                f"{st.file}: classes whose schoolSourcedId names the district were put in its "
                "only school",
                f"{live} AND school = %s",
                [raw],
            )
        school_rows.append(
            (raw, mapped, int(dangling and not district), int(district), int(mapped in ds.rejected))
        )
    _map_table(
        "sk_class_school", ["raw", "school", "dangling", "district", "rejected"], school_rows
    )
    term_values = [v for (v,) in q(f"SELECT DISTINCT terms FROM {st.table}")]
    term_rows, further, bad_terms = [], [], {}
    for raw in term_values:
        terms = list(dict.fromkeys(_split(raw)))  # a term named twice is one term
        dangling = [
            t for t in terms if ds.dangling(t, ds.sessions, known.terms, "academicsessions.csv")
        ]
        if dangling:
            bad_terms[raw] = dangling
        rejected = any(t in ds.rejected for t in terms)
        term_rows.append((raw, terms[0] if terms else "", int(bool(dangling)), int(rejected)))
        further += [(raw, i, t) for i, t in enumerate(terms) if i > 0]
    _map_table("sk_class_terms", ["raw", "term", "dangling", "rejected"], term_rows)
    _map_table("sk_class_further_terms", ["raw", "position", "term"], further)
    c.error_rows(
        f"{live} AND school IN (SELECT raw FROM sk_class_school WHERE dangling = '1')",
        [],
        "schoolSourcedId names no school in orgs.csv or in the district",
        "schoolSourcedId",
        "school",
        refuse=False,
    )
    c.error_rows(
        f"{live} AND school IN (SELECT raw FROM sk_class_school WHERE district = '1')",
        [],
        "schoolSourcedId names the district, not a school: a class belongs to one of the "
        "district's schools (seats are counted per school)",
        "schoolSourcedId",
        "school",
        refuse=False,
    )
    for raw, dangling in bad_terms.items():
        for t in dangling:
            _term_errors(c, live, raw, t)
    c.refuse(
        f"{live} AND (title = '' "
        "OR school IN (SELECT raw FROM sk_class_school WHERE dangling = '1' OR district = '1' "
        "OR rejected = '1') "
        "OR terms IN (SELECT raw FROM sk_class_terms WHERE dangling = '1' OR rejected = '1'))",
        [],
    )
    ex("DROP TABLE IF EXISTS sk_k")
    ex(
        "CREATE TEMP TABLE sk_k AS SELECT c.n, c.line, c.sid, substr(c.title, 1, 200) AS title, "
        "substr(c.class_code, 1, 100) AS code, c.course, s.school AS school, t.term AS term, "
        f"c.terms, CASE WHEN {c.deleted} THEN 1 ELSE 0 END AS deleted "
        f"FROM {st.table} c JOIN sk_class_school s ON s.raw = c.school "
        f"JOIN sk_class_terms t ON t.raw = c.terms WHERE {c.ok('c')}"
    )
    made("sk_k", "sid")


def _only_school(ds: Dataset, known: Known) -> str:
    """The sourcedId of the district's one school (in the files or the district), or ""."""
    live = {o.sid for k, o in ds.schools.items() if not k.startswith("alias:") and not o.deleted}
    gone = {o.sid for o in ds.schools.values() if o.deleted}
    every = live | (known.schools - gone)
    return next(iter(every)) if len(every) == 1 else ""


def _term_errors(c: Checker, live: str, raw: str, term: str) -> None:
    """One error per row and unknown term (a row may name several terms)."""
    notes = c.ds.notes
    for _, line in q(
        f"SELECT n, line FROM {c.t} WHERE {c.usable} AND {live} AND terms = %s ORDER BY n",
        [raw],
    ):
        notes.error(
            "termSourcedIds names no session in academicSessions.csv or in the district",
            file=c.st.file,
            line=line,
            column="termSourcedIds",
            value=term,
        )


def _roles(ds: Dataset) -> None:
    """OneRoster 1.2: a user's role is their primary role in roles.csv (else the first).

    roles.csv's own problems (an unknown role, a row that does not fit the header) are
    reported against roles.csv, at the row's line; the user then has no usable role and is
    refused without a second error."""
    st = ds.staged["roles.csv"]
    c = Checker(ds, st, key="userSourcedId")
    c.widths()
    c.status()
    bad = c.bad_values("role", lambda v: v.lower().replace(" ", "") in KNOWN_ROLES)
    if bad:
        c.error_rows(
            f"role IN ({marks(bad)})", bad, "not a OneRoster role", "role", "role", refuse=False
        )
        c.refuse(f"role IN ({marks(bad)})", bad, reject=False)
    t = st.table
    ex(
        "INSERT INTO sk_rejected (sid) SELECT DISTINCT user_sid FROM "
        f"{t} WHERE user_sid <> '' AND NOT {c.usable}"
    )
    ex("DROP TABLE IF EXISTS sk_user_role")
    ex(
        "CREATE TEMP TABLE sk_user_role AS SELECT user_sid, role, org FROM ("
        "SELECT user_sid, role, org, ROW_NUMBER() OVER (PARTITION BY user_sid ORDER BY "
        "CASE WHEN lower(role_type) = 'primary' THEN 0 ELSE 1 END, n) AS rk "
        f"FROM {t} WHERE user_sid <> '' AND lower(status) <> 'tobedeleted' AND {c.usable}) r "
        "WHERE rk = 1"
    )
    made("sk_user_role", "user_sid")
    ex("DROP TABLE IF EXISTS sk_role_refused")
    ex(
        "CREATE TEMP TABLE sk_role_refused AS SELECT DISTINCT user_sid FROM "
        f"{t} WHERE user_sid <> '' AND NOT {c.usable}"
    )
    made("sk_role_refused", "user_sid")


def _births(ds: Dataset) -> None:
    st = ds.staged["demographics.csv"]
    c = Checker(ds, st)
    c.start()
    c.dates("birth", "birthDate", required=False)
    today = dt.date.today().isoformat()  # noqa: DTZ011 - a birth date is a calendar date
    c.error_rows(
        "birth > %s", [today], "birthDate is in the future", "birthDate", "birth", refuse=False
    )
    c.refuse("birth > %s", [today], reject=False)
    ex("DROP TABLE IF EXISTS sk_birth")
    ex(
        f"CREATE TEMP TABLE sk_birth AS SELECT sid, birth FROM {st.table} "
        f"WHERE {c.usable} AND birth <> ''"
    )
    made("sk_birth", "sid")


def _kind(role: str) -> str:
    cases = " ".join(
        f"WHEN {role} IN ({', '.join(repr(r) for r in sorted(roles))}) THEN '{kind}'"
        for kind, roles in (
            ("teacher", TEACHER_ROLES),
            ("student", STUDENT_ROLES),
            ("admin", ADMIN_ROLES),
        )
    )
    return f"CASE {cases} ELSE 'other' END"


def _users(ds: Dataset) -> None:
    st = ds.staged["users.csv"]
    ds.user_rows = st.rows
    c = Checker(ds, st)
    c.start()
    sql = c.sql
    has_role_col = "role" in st.header
    role_raw = "u.role" if has_role_col else "coalesce(r.role, '')"
    ex("DROP TABLE IF EXISTS sk_u0")
    ex(
        f"CREATE TEMP TABLE sk_u0 AS SELECT u.n, u.line, u.sid, {role_raw} AS role_raw, "
        f"lower(replace({role_raw}, ' ', '')) AS role, coalesce(r.org, '') AS role_org "
        f"FROM {st.table} u LEFT JOIN sk_user_role r ON r.user_sid = u.sid"
    )
    made("sk_u0", "n")
    live = f"NOT ({c.deleted})"
    # A user whose roles.csv rows were refused was reported there: refused here, silently.
    c.refuse(
        f"{live} AND sid IN (SELECT user_sid FROM sk_role_refused) "
        "AND n IN (SELECT n FROM sk_u0 WHERE role = '')",
        [],
    )
    c.error_rows(
        f"{live} AND n IN (SELECT n FROM sk_u0 WHERE role = '')",
        [],
        "no role: users.csv has no role and roles.csv none for this user",
        "role",
        "sid",
    )
    if has_role_col:  # roles from roles.csv were checked there, where they are
        known = ", ".join(repr(r) for r in sorted(KNOWN_ROLES))
        c.error_rows(
            f"{live} AND n IN (SELECT n FROM sk_u0 WHERE role NOT IN ({known}))",
            [],
            "not a OneRoster role",
            "role",
            "role",
        )
    c.error_rows(
        f"{live} AND given = '' AND family = ''",
        [],
        "givenName and familyName are both empty",
        "familyName",
        "sid",
    )
    at = "'@'"
    bad_email = f"email <> '' AND {sql.pos('email', at)} = 0"
    (count,) = q(f"SELECT count(*) FROM {st.table} WHERE {c.usable} AND {bad_email}")[0]
    if count:
        examples = q(
            f"SELECT line, email FROM {st.table} WHERE {c.usable} AND {bad_email} "
            "ORDER BY n LIMIT 3"
        )
        for line, value in examples:
            ds.notes.warn(
                "bad-email",
                "users.csv: emails that are not addresses were left out",
                file=st.file,
                line=line,
                value=value,
            )
        ds.notes.warn(
            "bad-email",
            "users.csv: emails that are not addresses were left out",
            count=count - len(examples),
        )
    comma = sql.pos("u.grades", "','")
    first_grade = f"CASE WHEN {comma} > 0 THEN substr(u.grades, 1, {comma} - 1) ELSE u.grades END"
    ex("DROP TABLE IF EXISTS sk_u")
    ex(
        "CREATE TEMP TABLE sk_u AS SELECT u.n, u.line, u.sid, r.role, "
        f"{_kind('r.role')} AS kind, "
        "substr(u.given, 1, 150) AS given, substr(u.family, 1, 150) AS family, "
        "substr(u.middle, 1, 150) AS middle, substr(CASE WHEN u.preferred <> '' "
        "THEN u.preferred ELSE u.preferred2 END, 1, 150) AS preferred, "
        f"CASE WHEN u.email = '' OR {sql.pos('u.email', at)} > 0 "
        "THEN substr(u.email, 1, 254) ELSE '' END AS email, "
        "substr(u.username, 1, 150) AS username, substr(u.identifier, 1, 100) AS identifier, "
        f"substr({sql.strip(first_grade)}, 1, 20) AS grade, "
        "u.orgs, CASE WHEN u.primary_org = '' AND u.orgs = '' THEN r.role_org "
        "ELSE u.primary_org END AS primary_org, coalesce(b.birth, '') AS birth, "
        f"CASE WHEN lower(u.status) = 'tobedeleted' THEN 1 ELSE 0 END AS deleted "
        f"FROM {st.table} u JOIN sk_u0 r ON r.n = u.n "
        "LEFT JOIN sk_birth b ON b.sid = u.sid "
        f"WHERE {c.ok('u')}"
    )
    made("sk_u", "sid")
    warn_where(
        ds,
        "user-no-org",
        f"{st.file}: users with no org (orgSourcedIds empty) were imported with no home "
        "school (their seats are counted where their classes are, R1)",
        st.file,
        "sk_u",
        "kind IN ('teacher', 'student') AND deleted = 0 AND orgs = '' AND primary_org = ''",
    )
    for role, n in q(
        "SELECT role, count(*) FROM sk_u WHERE kind = 'other' AND deleted = 0 "
        "GROUP BY role ORDER BY role"
    ):
        ds.notes.warn(
            f"role-ignored:{role}",
            f"users with role {role!r} have no place in Seatkeeper and were not imported",
            count=n,
        )


def _enrollments(ds: Dataset, known: Known) -> None:
    """Check every enrollment against the files and what the district already has."""
    st = ds.staged["enrollments.csv"]
    ds.enrollment_rows = st.rows
    c = Checker(ds, st)
    c.start()
    d = known.district_id or 0
    # A deleting row that names no class or user deletes nothing: not checked further.
    ex(
        f"INSERT INTO {c.bad} (n) SELECT n FROM {st.table} WHERE {c.usable} AND "
        f"{c.deleted} AND (class_sid = '' OR user_sid = '')"
    )

    # Both references checked by anti-joins; the errors come in file order.
    def absent(table: str, kind: str, ref: str) -> tuple[str, list[int]]:
        """SQL: no live row of the district's `table` is named by `ref` (nor made up for)."""
        sql = (
            f"NOT EXISTS (SELECT 1 FROM {table} x WHERE x.district_id = %s "
            f"AND x.sourced_id = {ref} AND NOT (x.sourced_id = '') AND x.deleted_at IS NULL)"
        )
        if not ds.made_up_ids:
            return sql, [d]
        return (
            f"{sql} AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.district_id = %s "
            f"AND x.id = {ids.sql_id(kind, ref)} AND x.sourced_id = '' "
            "AND x.deleted_at IS NULL)",
            [d, d],
        )

    params: list[int] = []
    no_class = "1 = 0"
    if "classes.csv" not in ds.broken:
        cls, p = absent("roster_classroom", "classroom", "e.class_sid")
        no_class = (
            f"NOT EXISTS (SELECT 1 FROM sk_k k WHERE k.sid = e.class_sid) AND {cls} "
            "AND NOT EXISTS (SELECT 1 FROM sk_rejected r WHERE r.sid = e.class_sid)"
        )
        params += p
    no_user = "1 = 0"
    if "users.csv" not in ds.broken:
        stu, p1 = absent("roster_student", "student", "e.user_sid")
        tch, p2 = absent("roster_teacher", "teacher", "e.user_sid")
        no_user = (
            f"NOT EXISTS (SELECT 1 FROM sk_u u WHERE u.sid = e.user_sid) AND {stu} AND {tch} "
            "AND NOT EXISTS (SELECT 1 FROM sk_rejected r WHERE r.sid = e.user_sid)"
        )
        params += p1 + p2
    found = stream(
        f"SELECT n, line, 1, class_sid FROM {st.table} e WHERE {c.ok('e')} AND {no_class} "
        f"UNION ALL SELECT n, line, 2, user_sid FROM {st.table} e WHERE {c.ok('e')} "
        f"AND {no_user} ORDER BY 1, 3",
        params,
    )
    dangling = {
        1: ("classSourcedId", "classSourcedId names no class in classes.csv or in the district"),
        2: ("userSourcedId", "userSourcedId names no user in users.csv or in the district"),
    }
    for _, line, which, value in found:
        column, message = dangling[which]
        ds.notes.error(message, file=st.file, line=line, column=column, value=value)
    bad_roles = c.bad_values("role", lambda v: v.lower() in KNOWN_ROLES)
    if bad_roles:
        c.error_rows(
            f"role IN ({marks(bad_roles)})",
            bad_roles,
            "not a OneRoster enrollment role",
            "role",
            "role",
            refuse=False,
        )
    flags = ("", *TRUE_VALUES, *FALSE_VALUES)
    bad_flags = c.bad_values("primary_flag", lambda v: v.lower() in flags)
    if bad_flags:
        c.error_rows(
            f"primary_flag IN ({marks(bad_flags)})",
            bad_flags,
            "primary must be true or false",
            "primary",
            "primary_flag",
            refuse=False,
        )
    c.warn_rows(
        "enrollments.csv:primary-spelling",
        f"{st.file}: primary written as yes/no, 1/0 or in capitals (TRUE) was read as true/false",
        f"primary_flag NOT IN ('', 'true', 'false') AND lower(primary_flag) IN "
        f"({', '.join(repr(v) for v in TRUE_VALUES + FALSE_VALUES)})",
    )
    c.dates("begin_date", "beginDate", required=False)
    c.dates("end_date", "endDate", required=False)


def _fix_roles(ds: Dataset) -> None:
    """Tallies of enrollment roles per user and teachers per class; the fix-ups they call for.

    Runs only on a set without errors (one that will be written).
    """
    t = ds.staged["enrollments.csv"].table
    live = "lower(status) <> 'tobedeleted'"
    ex("DROP TABLE IF EXISTS sk_tally")
    ex(
        "CREATE TEMP TABLE sk_tally AS SELECT user_sid, "
        "sum(CASE WHEN lower(role) = 'teacher' THEN 1 ELSE 0 END) AS t, "
        "sum(CASE WHEN lower(role) = 'student' THEN 1 ELSE 0 END) AS s "
        f"FROM {t} WHERE {live} GROUP BY user_sid"
    )
    made("sk_tally", "user_sid")
    ex("DROP TABLE IF EXISTS sk_primary")
    ex(
        "CREATE TEMP TABLE sk_primary AS SELECT class_sid, user_sid, explicit FROM ("
        "SELECT class_sid, user_sid, "
        f"CASE WHEN {PRIMARY} THEN 1 ELSE 0 END AS explicit, "
        "ROW_NUMBER() OVER (PARTITION BY class_sid ORDER BY "
        f"CASE WHEN {PRIMARY} THEN 0 ELSE 1 END, n) AS rk "
        f"FROM {t} WHERE {live} AND lower(role) = 'teacher') p WHERE rk = 1"
    )
    made("sk_primary", "class_sid")
    # Classes with several rows marking a primary teacher: several teachers (the first is
    # primary, the others co-teachers), or one teacher listed again (once per term, say).
    fname_e = ds.staged["enrollments.csv"].file
    ex("DROP TABLE IF EXISTS sk_several")
    ex(
        "CREATE TEMP TABLE sk_several AS SELECT class_sid, min(n) AS n, "
        f"count(DISTINCT user_sid) AS teachers FROM {t} "
        f"WHERE {live} AND lower(role) = 'teacher' AND {PRIMARY} "
        "GROUP BY class_sid HAVING count(*) > 1"
    )
    for key, which, message in (
        (
            "several-primaries",
            "g.teachers > 1",
            "classes with several teachers marked primary: the first listed is the primary "
            "teacher, the others were made co-teachers",
        ),
        (
            "primary-repeated",
            "g.teachers = 1",
            "classes listing their primary teacher on several rows (once per term, say): one "
            "primary teacher, no co-teacher was made",
        ),
    ):
        ((count,),) = q(f"SELECT count(*) FROM sk_several g WHERE {which}")
        if not count:
            continue
        examples = q(
            f"SELECT e.line, g.class_sid FROM sk_several g JOIN {t} e ON e.n = g.n "
            f"WHERE {which} ORDER BY g.n LIMIT 3"
        )
        for line, cls in examples:
            ds.notes.warn(key, message, file=fname_e, line=line, value=cls)
        ds.notes.warn(key, message, count=count - len(examples))
    ((no_primary,),) = q("SELECT count(*) FROM sk_primary WHERE explicit = 0")
    ((marks_primary,),) = q("SELECT count(*) FROM sk_primary WHERE explicit = 1")
    if no_primary and marks_primary:
        # Files that mark primary teachers mean it: a class whose teachers are none marked
        # has no primary teacher (as an export of a class whose primary was removed says).
        examples = q(
            f"SELECT e.line, p.class_sid FROM sk_primary p JOIN {t} e ON e.class_sid = "
            f"p.class_sid AND e.user_sid = p.user_sid WHERE p.explicit = 0 AND {live} "
            "AND lower(e.role) = 'teacher' ORDER BY e.n LIMIT 3"
        )
        message = (
            "classes whose teachers are none marked primary, in files that mark the primary "
            "teacher of other classes: no primary teacher, their teachers are co-teachers "
            "(such a class gives no seats, R8)"
        )
        for line, cls in examples:
            ds.notes.warn("none-marked-primary", message, file=fname_e, line=line, value=cls)
        ds.notes.warn("none-marked-primary", message, count=no_primary - len(examples))
        ex("DELETE FROM sk_primary WHERE explicit = 0")
    elif no_primary:
        ds.notes.warn(
            "no-primary",
            "classes with teachers but none marked primary: the first listed teacher was made "
            "primary (only the primary teacher's access licenses a class, R8)",
            count=no_primary,
        )
    fname = ds.staged["users.csv"].file
    fixes = (
        (
            "teacher",
            "kind <> 'teacher' AND y.t > 0 AND y.s = 0",
            "users with role {role!r} who only ever teach (enrollments as teacher, none "
            "as student) were imported as teachers",
        ),
        (
            "student",
            "kind <> 'student' AND y.s > 0 AND y.t = 0",
            "users with role {role!r} who are only ever enrolled as students were "
            "imported as students",
        ),
    )
    contradicted = []
    for kind, where, message in fixes:
        rows = q(
            "SELECT u.line, u.sid, u.role FROM sk_u u JOIN sk_tally y ON y.user_sid = u.sid "
            f"WHERE {where} ORDER BY u.n"
        )
        for line, sid, role in rows:
            ds.notes.warn(
                f"role-contradicted:{role}->{kind}",
                message.format(role=role),
                file=fname,
                line=line,
                value=sid,
            )
        contradicted.append((kind, where, bool(rows)))
    mixed = q(
        "SELECT u.line, u.sid FROM sk_u u JOIN sk_tally y ON y.user_sid = u.sid "
        "WHERE kind IN ('teacher', 'student') AND y.s > 0 AND y.t > 0 ORDER BY u.n"
    )
    for line, sid in mixed:
        ds.notes.warn(
            "role-mixed",
            "users enrolled both as teacher and as student keep their role; their "
            "enrollments in the other role were skipped",
            file=fname,
            line=line,
            value=sid,
        )
    for kind, where, any_rows in contradicted:
        if any_rows:
            ex(
                f"UPDATE sk_u SET kind = '{kind}' WHERE sid IN (SELECT u.sid FROM sk_u u "
                f"JOIN sk_tally y ON y.user_sid = u.sid WHERE {where})"
            )
