"""Writing a validated Dataset into one district (the mapper), matched by sourcedId.

The small kinds (schools, terms, administrator invites) are synced row by row in Python
(`Mapper._sync`, also used by the plain CSV upload). Teachers, students, classrooms,
co-teachers and enrollments are merged set-based from the staged tables (`validate.py`): one
`UPDATE ... FROM` for what changed, one `INSERT ... SELECT` for what is new, one soft-delete for
`tobedeleted` rows, each counted by the database, so nothing that grows with the district is
held in Python. Same invariants as the per-row services: district on every row, `TeacherAccess`
for every new teacher and product (ON or OFF per `district.new_teacher_access`), `Allocation`
rows for new schools, roster source recorded. Matching by sourcedId makes a second import of
the same files change nothing. Runs inside the importer's transaction; it never commits.

What the importer never does, on purpose (an admin's decision in Seatkeeper sticks):
un-delete or un-archive a row the SIS still sends, or restore an account de-dup merged away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Max, Model
from django.utils import timezone

from seatkeeper.orgs.models import District, Product, Role, School
from seatkeeper.roster.models import (
    Classroom,
    ClassroomTeacher,
    ClassroomTerm,
    Course,
    Enrollment,
    RosterInvite,
    Student,
    Teacher,
    Term,
)
from seatkeeper.roster.oneroster import ids
from seatkeeper.roster.oneroster.fastinsert import defaults, insert_rows
from seatkeeper.roster.oneroster.journal import Journal
from seatkeeper.roster.oneroster.stage import Sql
from seatkeeper.roster.oneroster.validate import (
    Dataset,
    ex,
    made,
    marks,
    q,
    school_of,
    stream,
    warn_where,
)
from seatkeeper.roster.services._common import ENROLLMENT_FIELDS
from seatkeeper.seats.models import Allocation, TeacherAccess

BATCH = 2000

ENTITIES = (
    "schools",
    "terms",
    "courses",
    "teachers",
    "students",
    "invites",
    "classrooms",
    "co_teachers",
    "enrollments",
)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class WriteResult:
    counts: dict[str, Counts] = field(default_factory=lambda: {e: Counts() for e in ENTITIES})
    ignored: dict[str, int] = field(default_factory=dict)
    removed_enrollments: list[dict[str, Any]] = field(default_factory=list)
    deleted_ids: dict[str, list[int]] = field(default_factory=dict)
    enrollment_id_floor: int = 0

    def ignore(self, what: str, n: int = 1) -> None:
        if n:
            self.ignored[what] = self.ignored.get(what, 0) + n

    def deleted(self, entity: str, pk: int) -> None:
        self.counts[entity].deleted += 1
        self.deleted_ids.setdefault(entity, []).append(pk)


Progress = Callable[[int], None]


class Mapper:
    """Row-by-row sync of a few rows by sourcedId (schools, terms, CSV upload students)."""

    def __init__(
        self,
        ds: Dataset | None,
        district: District,
        source: str,
        progress: Progress | None,
        journal: str | None = None,
    ):
        self.ds, self.district, self.source = ds, district, source
        self.d = district.pk
        # What undo needs, journaled at each write (`journal.py`); None journals nothing.
        self.journal = Journal(district.pk, journal)
        self.now = timezone.now()
        self.result = WriteResult()
        self.progress = progress or (lambda n: None)
        self.products = list(
            Product.objects.filter(district_id=self.d).order_by("id").values_list("id", flat=True)
        )
        self.school_ids: dict[str, int] = {}
        self.term_ids: dict[str, int] = {}
        self.touched: dict[str, set[str]] = {}  # per entity: sourcedIds created or updated

    def _kind(self, model: type[Model]) -> str:
        table = model._meta.db_table
        return next(k for k, t in ids.KINDS.items() if t == table)

    def _sync(
        self,
        entity: str,
        model: type[Model],
        wanted: dict[str, dict[str, Any]],
        deleted: Iterable[str],
        fields: list[str],
        soft_delete: bool = True,
    ) -> dict[str, int]:
        """Create, update or soft-delete rows by sourcedId; returns sourcedId -> id (live rows).

        A row without a sourcedId answers to the one an export made up for it (`ids.py`)."""
        counts = self.result.counts[entity]
        touched = self.touched.setdefault(entity, set())
        extra = ["deleted_at"] if soft_delete else []
        kind = self._kind(model)
        have: dict[str, tuple[Any, ...]] = {
            ids.made_up(kind, r[1], r[0]): r[1:]
            for r in model.objects.filter(district_id=self.d)  # type: ignore[attr-defined]
            .values_list("sourced_id", "id", *fields, *extra)
            .iterator(chunk_size=10000)
        }
        gone_at = len(fields) + 1  # position of deleted_at
        found = {sid: r[0] for sid, r in have.items()}
        new: list[tuple[str, dict[str, Any]]] = []
        changed = []
        for sid, values in wanted.items():
            row = have.get(sid)
            if row is None:
                new.append((sid, values))
                continue
            if soft_delete and row[gone_at] is not None:
                self.result.ignore(f"{entity}: deleted in Seatkeeper, kept deleted")
                continue
            if tuple(values[f] for f in fields) != row[1:gone_at]:
                changed.append(model(id=row[0], **values))
                counts.updated += 1
                touched.add(sid)
            else:
                counts.unchanged += 1
        if new:
            floor = model.objects.aggregate(m=Max("id"))["m"] or 0  # type: ignore[attr-defined]
            insert_rows(
                model,
                ["district_id", "sourced_id", "roster_source", *fields],
                ((self.d, sid, self.source, *(v[f] for f in fields)) for sid, v in new),
            )
            self.journal.created(model, floor)
            found.update(
                model.objects.filter(district_id=self.d, id__gt=floor)  # type: ignore[attr-defined]
                .values_list("sourced_id", "id")
                .iterator(chunk_size=10000)
            )
        counts.created += len(new)
        touched.update(sid for sid, _ in new)
        if changed:
            self.journal.before_pks(model, [c.pk for c in changed])
            model.objects.bulk_update(changed, fields, batch_size=BATCH)  # type: ignore[attr-defined]
        gone = []
        for sid in deleted:
            row = have.get(sid)
            if row is None:
                continue
            if soft_delete and row[gone_at] is None:
                gone.append(row[0])
                self.result.deleted(entity, row[0])
        if gone:
            self.journal.before_pks(model, gone)
            model.objects.filter(pk__in=gone).update(deleted_at=self.now)  # type: ignore[attr-defined]
        for sid in deleted:
            found.pop(sid, None)
        if soft_delete:
            return {
                sid: pk
                for sid, pk in found.items()
                if sid not in have or have[sid][gone_at] is None
            }
        return found

    def _remove_enrollments(self, pks: list[int]) -> None:
        qs = Enrollment.objects.filter(district_id=self.d, pk__in=pks)
        rows = []
        for row in qs.values(*ENROLLMENT_FIELDS):
            row["created_at"] = row["created_at"].isoformat()
            rows.append(row)
        self.journal.removed_pks(Enrollment, pks)
        qs.delete()
        self.result.removed_enrollments.extend(rows)
        self.result.counts["enrollments"].deleted += len(rows)


TEACHER_FIELDS = ["first_name", "middle_name", "last_name", "email", "username", "school_id"]
STUDENT_FIELDS = [
    "first_name",
    "last_name",
    "middle_name",
    "preferred_first_name",
    "email",
    "username",
    "student_number",
    "grade",
    "school_id",
]
# users.csv columns a person's field comes from: a column the file does not have leaves the
# field as it is (an export without preferred names does not blank them).
PERSON_COLUMNS = {
    "middle_name": ("middleName",),
    "preferred_first_name": ("preferredGivenName", "prefferedGivenName"),
    "email": ("email",),
    "username": ("username",),
    "student_number": ("identifier",),
    "grade": ("grades",),
}
CLASS_FIELDS = ["name", "course_code", "course_id", "school_id", "term_id", "primary_teacher_id"]
INVITE_FIELDS = ["role", "first_name", "last_name", "email", "username", "school_ids"]
TERM_FIELDS = ["name", "starts_on", "ends_on", "type", "school_year"]
COURSE_FIELDS = ["title", "course_code", "school_id", "school_year_id"]


def _map_ids(name: str, rows: dict[str, int]) -> None:
    """A TEMP table sid -> id from a small mapping worked out in Python."""
    ex(f"DROP TABLE IF EXISTS {name}")
    ex(f"CREATE TEMP TABLE {name} (sid text, id integer)")
    if rows:
        with connection.cursor() as cur:
            cur.executemany(f"INSERT INTO {name} (sid, id) VALUES (%s, %s)", list(rows.items()))
    made(name, "sid")


class Writer(Mapper):
    """The OneRoster write: small kinds by `_sync`, the rest set-based from the staged tables."""

    def __init__(
        self,
        ds: Dataset,
        district: District,
        source: str,
        progress: Progress | None,
        journal: str | None = None,
    ):
        super().__init__(ds, district, source, progress, journal)
        self.ds: Dataset = ds
        self.sql = Sql()
        # The import's timestamp as stored (the same value new rows get from `defaults`), so a
        # row this import wrote can be told by its updated_at.
        self.stamp = Classroom._meta.get_field("updated_at").get_db_prep_save(self.now, connection)

    def run(self) -> WriteResult:
        self.result.enrollment_id_floor = Enrollment.objects.aggregate(m=Max("id"))["m"] or 0
        self.district_org()
        self.schools()
        self.terms()
        self.courses()
        self.people()
        self.classrooms()
        self.enrollments()
        self.absent_from_bulk()
        return self.result

    # --- helpers ------------------------------------------------------------------------------

    def _live(self, name: str, model: type[Model]) -> None:
        """TEMP table sid -> id of the district's live rows of a kind, for set-based joins
        (rows without a sourcedId under the one an export made up, when the files use them)."""
        t = model._meta.db_table
        gone = (
            " AND deleted_at IS NULL"
            if any(f.name == "deleted_at" for f in model._meta.fields)
            else ""
        )
        made_up = (
            f" UNION ALL SELECT {ids.sql_made_up(self._kind(model), t)} AS sid, id FROM {t} "
            f"WHERE district_id = %s AND sourced_id = ''{gone}"
            if self.ds.made_up_ids
            else ""
        )
        ex(f"DROP TABLE IF EXISTS {name}")
        ex(
            f"CREATE TEMP TABLE {name} AS SELECT sourced_id AS sid, id FROM {t} "
            f"WHERE district_id = %s AND sourced_id <> ''{gone}{made_up}",
            [self.d, self.d] if made_up else [self.d],
        )
        made(name, "sid", "id")

    def _match(self, model: type[Model], sid: str) -> tuple[str, str, list[Any]]:
        """LEFT JOINs finding the district's row a file's sourcedId names (alias `x`, or `g` for
        a row known by the id an export made up), the matched id's SQL, and the params."""
        t, d = model._meta.db_table, self.d
        joins = (
            f"LEFT JOIN {t} x ON x.district_id = %s AND x.sourced_id = {sid} "
            "AND NOT (x.sourced_id = '') "
        )
        if not self.ds.made_up_ids:
            return joins, "x.id", [d]
        joins += (
            f"LEFT JOIN {t} g ON g.district_id = %s AND g.sourced_id = '' "
            f"AND g.id = {ids.sql_id(self._kind(model), sid)} "
        )
        return joins, "coalesce(x.id, g.id)", [d, d]

    def _matched(self, column: str) -> str:
        """SQL: a column of the row `_match` found (NULL when none)."""
        if not self.ds.made_up_ids:
            return f"x.{column}"
        return f"CASE WHEN x.id IS NOT NULL THEN x.{column} ELSE g.{column} END"

    def _username(self, xid: str) -> str:
        """SQL: the username to keep. An export writes a user's email or sourcedId as the
        username it lacks (OneRoster requires one); read back, that leaves it empty."""
        return (
            f"CASE WHEN {xid} IS NOT NULL AND {self._matched('username')} = '' "
            "AND u.username IN (u.email, u.sid) THEN '' ELSE u.username END"
        )

    def _columns(self, fields: Sequence[str]) -> list[str]:
        """The person fields this users.csv speaks for (PERSON_COLUMNS)."""
        header = set(self.ds.staged["users.csv"].header)
        return [f for f in fields if f not in PERSON_COLUMNS or header & set(PERSON_COLUMNS[f])]

    def _merge(self, entity: str, model: type[Model], want: str, fields: Sequence[str]) -> int:
        """Rows of TEMP table `want` (sid, xid = the matched row or NULL, *fields) made live in
        the district; returns the id floor of the rows it created (every new row's id is above
        it)."""
        t = model._meta.db_table
        d, counts, sql = self.d, self.result.counts[entity], self.sql
        ((kept,),) = q(
            f"SELECT count(*) FROM {want} w JOIN {t} x ON x.id = w.xid "
            "WHERE x.deleted_at IS NOT NULL"
        )
        self.result.ignore(f"{entity}: deleted in Seatkeeper, kept deleted", kept)
        ((live,),) = q(
            f"SELECT count(*) FROM {want} w JOIN {t} x ON x.id = w.xid WHERE x.deleted_at IS NULL"
        )
        updated = 0
        if live:
            differ = " OR ".join(sql.differ(f"x.{f}", f"w.{f}") for f in fields)
            sets = ", ".join(f"{f} = w.{f}" for f in fields)
            # Driven from `want` (x.id IN ...), the rows the UPDATE below changes: a correlated
            # EXISTS per district row scanned `want` once per row on SQLite (want has no index on
            # xid): 458 s for a 100k re-import (bench/README.md, OneRoster import).
            self.journal.before(
                model,
                f"x.id IN (SELECT y.id FROM {want} w JOIN {t} y ON y.id = w.xid "
                "WHERE y.district_id = %s AND y.deleted_at IS NULL AND ("
                + " OR ".join(sql.differ(f"y.{f}", f"w.{f}") for f in fields)
                + "))",
                [d],
            )
            updated = ex(
                f"UPDATE {t} AS x SET {sets}, updated_at = %s FROM {want} w "
                f"WHERE x.id = w.xid AND x.district_id = %s AND x.deleted_at IS NULL "
                f"AND ({differ})",
                [self.stamp, d],
            )
        counts.updated += updated
        counts.unchanged += live - updated
        floor = model.objects.aggregate(m=Max("id"))["m"] or 0  # type: ignore[attr-defined]
        given = ["district_id", "sourced_id", "roster_source", *fields]
        rest, values = defaults(model, given, self.now)
        counts.created += ex(
            f"INSERT INTO {t} ({', '.join([*given, *rest])}) "
            f"SELECT %s, w.sid, %s, {', '.join(f'w.{f}' for f in fields)}"
            + "".join(", %s" for _ in rest)
            + f" FROM {want} w WHERE w.xid IS NULL ORDER BY w.sid",
            [d, self.source, *values],
        )
        self.journal.created(model, floor)
        return floor

    def _soft_delete(self, entity: str, model: type[Model], sids: str) -> None:
        """Soft-delete the district's live rows whose sourcedId is in the query `sids`."""
        t = model._meta.db_table
        named = f"NOT (sourced_id = '') AND sourced_id IN ({sids})"
        if self.ds.made_up_ids:
            named = (
                f"({named}) OR (sourced_id = '' AND id IN "
                f"(SELECT {ids.sql_id(self._kind(model), 'z.sid')} FROM ({sids}) z))"
            )
        pks = [
            pk
            for (pk,) in q(
                f"SELECT id FROM {t} WHERE district_id = %s AND deleted_at IS NULL "
                f"AND ({named}) ORDER BY id",
                [self.d],
            )
        ]
        for pk in pks:
            self.result.deleted(entity, pk)
        self.journal.before_pks(model, pks)
        for i in range(0, len(pks), BATCH):
            part = pks[i : i + BATCH]
            ex(
                f"UPDATE {t} SET deleted_at = %s WHERE district_id = %s AND id IN ({marks(part)})",
                [self.now, self.d, *part],
            )

    # --- small kinds --------------------------------------------------------------------------

    def district_org(self) -> None:
        org = self.ds.district_org
        own = ids.district_sid("", self.district.slug)  # what an export of it calls it
        if org is not None and not self.district.sourced_id and org.sid != own:
            self.journal.before(District, "x.id = %s", [self.d])
            self.district.sourced_id = org.sid
            self.district.save(update_fields=["sourced_id"])

    def schools(self) -> None:
        ds = self.ds
        wanted = {
            o.sid: {"name": o.name[:200]}
            for key, o in ds.schools.items()
            if not key.startswith("alias:") and not o.deleted
        }
        deleted = [o.sid for o in ds.schools.values() if o.deleted]
        before = set(School.objects.filter(district_id=self.d).values_list("id", flat=True))
        self.school_ids = self._sync("schools", School, wanted, deleted, ["name"])
        new = [pk for pk in self.school_ids.values() if pk not in before]
        floor = Journal.floor(Allocation)
        Allocation.objects.bulk_create(
            [
                Allocation(district_id=self.d, school_id=s, product_id=p)
                for s in new
                for p in self.products
            ],
            batch_size=BATCH,
        )
        self.journal.created(Allocation, floor)
        _map_ids("sk_school_id", self.school_ids)
        # Each distinct (primaryOrgSourcedId, orgSourcedIds) of users: their home school.
        combos = q("SELECT DISTINCT primary_org, orgs FROM sk_u")
        ex("DROP TABLE IF EXISTS sk_home")
        ex("CREATE TEMP TABLE sk_home (primary_org text, orgs text, school_id integer)")
        rows = [(p, o, self._home_school(p, o)) for p, o in combos]
        if rows:
            with connection.cursor() as cur:
                cur.executemany("INSERT INTO sk_home VALUES (%s, %s, %s)", rows)
        made("sk_home", "primary_org, orgs")

    def _orgs(self, primary: str, orgs: str) -> list[int]:
        sids = [o.strip() for o in orgs.split(",") if o.strip()]
        if primary:
            sids.insert(0, primary)
        out = []
        for sid in sids:
            pk = self.school_ids.get(school_of(self.ds, sid))
            if pk is not None:
                out.append(pk)
        return out

    def _home_school(self, primary: str, orgs: str) -> int | None:
        found = self._orgs(primary, orgs)
        return found[0] if found else None

    def terms(self) -> None:
        ds = self.ds
        wanted = {
            s.sid: {
                "name": s.title[:200],
                "starts_on": s.starts_on,
                "ends_on": s.ends_on,
                "type": s.type,
                "school_year": s.school_year,
            }
            for s in ds.sessions.values()
            if not s.deleted
        }
        if any(s.deleted for s in ds.sessions.values()):
            self.result.ignore("terms: tobedeleted, kept (terms are never deleted)")
        # A term made in Seatkeeper has no type or school year; an export writes `term` and
        # its end date's year (OneRoster requires both). Read back, that stays as it was.
        for pk, sid, typ, year in Term.objects.filter(district_id=self.d).values_list(
            "id", "sourced_id", "type", "school_year"
        ):
            w = wanted.get(ids.made_up("term", pk, sid))
            if w is None:
                continue
            if not typ and w["type"] == "term":
                w["type"] = ""
            if not year and w["school_year"] == str(w["ends_on"].year):
                w["school_year"] = ""
        self.term_ids = self._sync("terms", Term, wanted, [], TERM_FIELDS, soft_delete=False)
        # Parents once every term has its id (a parent may be new in these files).
        want_parent = {
            self.term_ids[s.sid]: self.term_ids.get(s.parent)
            for s in ds.sessions.values()
            if not s.deleted and s.sid in self.term_ids
        }
        have = dict(
            Term.objects.filter(district_id=self.d, id__in=list(want_parent)).values_list(
                "id", "parent_id"
            )
        )
        changed = [Term(id=pk, parent_id=p) for pk, p in want_parent.items() if have.get(pk) != p]
        self.journal.before_pks(Term, [t.pk for t in changed])
        Term.objects.bulk_update(changed, ["parent_id"], batch_size=BATCH)
        self._count_late("terms", Term, {t.pk for t in changed})

    def _count_late(self, entity: str, model: type[Model], pks: set[int]) -> None:
        """Rows changed after `_sync` counted them: an unchanged one becomes updated."""
        if not pks:
            return
        touched = self.touched.get(entity, set())
        kind = self._kind(model)
        counts = self.result.counts[entity]
        for pk, sid in model.objects.filter(id__in=list(pks)).values_list("id", "sourced_id"):  # type: ignore[attr-defined]
            if sid not in touched and ids.made_up(kind, pk, sid) not in touched:
                counts.unchanged -= 1
                counts.updated += 1

    def courses(self) -> None:
        """Courses from courses.csv, and a course for each class's courseSourcedId that names
        none (titled after its first class). A course an export made up for a class with no
        course (`seatkeeper-course-<class id>`) stays no course."""
        ds, d = self.ds, self.d
        named = [sid for (sid,) in q("SELECT DISTINCT course FROM sk_k WHERE course <> ''")]
        made = sorted({ids.read_back("course", sid) for sid in [*ds.courses, *named]} - {None})
        no_course: set[int] = set()
        for i in range(0, len(made), BATCH):
            no_course.update(
                Classroom.objects.filter(
                    district_id=d, id__in=made[i : i + BATCH], course__isnull=True
                ).values_list("id", flat=True)
            )

        def own(sid: str) -> bool:
            return ids.read_back("course", sid) in no_course

        wanted = {
            c.sid: {
                "title": c.title,
                "course_code": c.code,
                "school_id": self.school_ids.get(school_of(ds, c.org)),
                "school_year_id": self.term_ids.get(c.school_year),
            }
            for c in ds.courses.values()
            if not c.deleted and not own(c.sid)
        }
        if any(c.deleted for c in ds.courses.values()):
            self.result.ignore("courses: tobedeleted, kept (courses are never deleted)")
        have = {
            ids.made_up("course", pk, sid)
            for pk, sid in Course.objects.filter(district_id=d).values_list("id", "sourced_id")
        }
        invented = 0
        for sid, title, school in q(
            "SELECT k.course, k.title, k.school FROM sk_k k JOIN (SELECT course, min(n) AS n "
            "FROM sk_k WHERE course <> '' AND deleted = 0 GROUP BY course) f ON f.n = k.n "
            "ORDER BY k.n"
        ):
            if sid in wanted or sid in have or sid in ds.courses or own(sid):
                continue
            invented += 1
            wanted[sid] = {
                "title": title,
                "course_code": "",
                "school_id": self.school_ids.get(school),
                "school_year_id": None,
            }
        if invented:
            ds.notes.warn(
                "course-not-in-files",
                "classes name courses that are not in courses.csv: each was kept by its "
                "sourcedId, titled after its first class",
                count=invented,
            )
        course_ids = self._sync("courses", Course, wanted, [], COURSE_FIELDS, soft_delete=False)
        _map_ids("sk_course_id", course_ids)

    # --- people -------------------------------------------------------------------------------

    def people(self) -> None:
        ds, d = self.ds, self.d
        home = "LEFT JOIN sk_home h ON h.primary_org = u.primary_org AND h.orgs = u.orgs"
        joins, xid, params = self._match(Teacher, "u.sid")
        ex("DROP TABLE IF EXISTS sk_want_teacher")
        ex(
            f"CREATE TEMP TABLE sk_want_teacher AS SELECT u.sid, {xid} AS xid, "
            "u.given AS first_name, u.middle AS middle_name, u.family AS last_name, u.email, "
            f"{self._username(xid)} AS username, h.school_id FROM sk_u u {home} {joins}"
            "WHERE u.kind = 'teacher' AND u.deleted = 0",
            params,
        )
        made("sk_want_teacher", "sid")
        floor = self._merge("teachers", Teacher, "sk_want_teacher", self._columns(TEACHER_FIELDS))
        self._soft_delete("teachers", Teacher, "SELECT sid FROM sk_u WHERE deleted = 1")
        on = self.district.new_teacher_access
        rest, values = defaults(TeacherAccess, ["district_id", "teacher_id", "product_id", "on"])
        access_floor = Journal.floor(TeacherAccess)
        for product in self.products:
            ex(
                f"INSERT INTO {TeacherAccess._meta.db_table} "
                f"(district_id, teacher_id, product_id, {connection.ops.quote_name('on')}"
                + "".join(f", {c}" for c in rest)
                + ") SELECT %s, id, %s, %s"
                + "".join(", %s" for _ in rest)
                + f" FROM {Teacher._meta.db_table} WHERE district_id = %s AND id > %s",
                [d, product, on, *values, d, floor],
            )
        self.journal.created(TeacherAccess, access_floor)
        ((n_teachers,),) = q("SELECT count(*) FROM sk_want_teacher")
        self.progress(n_teachers)
        fields = self._columns(STUDENT_FIELDS)
        birth = ""
        if ds.source.has("demographics.csv"):
            fields.append("date_of_birth")
            birth = f", {self.sql.as_date('u.birth')} AS date_of_birth"
        joins, xid, params = self._match(Student, "u.sid")
        ex("DROP TABLE IF EXISTS sk_want_student")
        ex(
            f"CREATE TEMP TABLE sk_want_student AS SELECT u.sid, {xid} AS xid, "
            "u.given AS first_name, u.family AS last_name, u.middle AS middle_name, "
            f"u.preferred AS preferred_first_name, u.email, {self._username(xid)} AS username, "
            f"u.identifier AS student_number, u.grade, h.school_id{birth} "
            f"FROM sk_u u {home} {joins}WHERE u.kind = 'student' AND u.deleted = 0",
            params,
        )
        made("sk_want_student", "sid")
        # A student de-dup merged into another account stays merged: never re-created.
        ((merged,),) = q(
            f"SELECT count(*) FROM {Student._meta.db_table} x "
            "JOIN sk_want_student w ON w.xid = x.id WHERE x.merged_into_id IS NOT NULL"
        )
        self.result.ignore("students: merged into another account by de-dup, left merged", merged)
        self._merge("students", Student, "sk_want_student", fields)
        self._soft_delete("students", Student, "SELECT sid FROM sk_u WHERE deleted = 1")
        ((n_students,),) = q("SELECT count(*) FROM sk_want_student")
        self.progress(n_students)
        self._invites()
        self._live("sk_live_teacher", Teacher)
        self._live("sk_live_student", Student)

    def _invites(self) -> None:
        counts = self.result.counts["invites"]
        have = {
            r["sourced_id"]: r
            for r in RosterInvite.objects.filter(district_id=self.d).values(
                "id",
                "sourced_id",
                "role",
                "first_name",
                "last_name",
                "email",
                "username",
                "school_ids",
            )
        }
        new, changed = [], []
        for sid, role, given, family, email, username, primary, orgs in q(
            "SELECT sid, role, given, family, email, username, primary_org, orgs FROM sk_u "
            "WHERE kind = 'admin' AND deleted = 0 ORDER BY n"
        ):
            schools = sorted(set(self._orgs(primary, orgs)))
            values = {
                "role": (
                    Role.DISTRICT_ADMIN
                    if role == "districtadministrator" or (role == "administrator" and not schools)
                    else Role.SCHOOL_ADMIN
                ),
                "first_name": given,
                "last_name": family,
                "email": email,
                "username": username,
                "school_ids": schools,
            }
            row = have.get(sid)
            if row is None:
                new.append(
                    RosterInvite(
                        district_id=self.d, sourced_id=sid, roster_source=self.source, **values
                    )
                )
            elif any(row[k] != v for k, v in values.items()):
                changed.append(RosterInvite(id=row["id"], **values))
            else:
                counts.unchanged += 1
        floor = Journal.floor(RosterInvite)
        RosterInvite.objects.bulk_create(new)
        self.journal.created(RosterInvite, floor)
        self.journal.before_pks(RosterInvite, [c.pk for c in changed])
        RosterInvite.objects.bulk_update(changed, INVITE_FIELDS)
        counts.created += len(new)
        counts.updated += len(changed)

    # --- classrooms ---------------------------------------------------------------------------

    def classrooms(self) -> None:
        ds, d = self.ds, self.d
        # With a bulk enrollments file, the file alone says who teaches each class.
        bulk = "1" if ds.mode("enrollments.csv") != "delta" and ds.has("enrollments.csv") else "0"
        ((orphans,),) = q(
            "SELECT count(*) FROM sk_k WHERE deleted = 0 "
            "AND NOT EXISTS (SELECT 1 FROM sk_school_id s WHERE s.sid = sk_k.school)"
        )
        self.result.ignore("classrooms: their school is deleted in Seatkeeper", orphans)
        joins, xid, params = self._match(Classroom, "k.sid")
        cur = (
            "CASE WHEN x.id IS NOT NULL THEN x.primary_teacher_id ELSE g.primary_teacher_id END"
            if ds.made_up_ids
            else "x.primary_teacher_id"
        )
        live = "EXISTS (SELECT 1 FROM sk_live_teacher lt WHERE lt.id = {})"
        listed = self._listed_teachers()
        # The primary teacher: one marked primary; else, for a new class, the first listed; a
        # class already here keeps its primary teacher when it is still listed, deleted in
        # Seatkeeper, or (none marked, none before) when it had none. A bulk file naming no
        # teacher for a class clears a live primary teacher (a deleted one stays, for restore).
        primary = (
            "CASE WHEN p.class_sid IS NOT NULL THEN CASE "
            f"WHEN p.explicit = 1 OR {xid} IS NULL THEN pt.id "
            f"WHEN {cur} IS NULL THEN NULL "
            f"WHEN NOT {live.format(cur)} THEN {cur} "
            f"WHEN {listed.format(cls='k.sid', tpk=cur)} THEN {cur} "
            f"WHEN {bulk} = 1 THEN pt.id ELSE {cur} END "
            f"WHEN {bulk} = 1 AND {live.format(cur)} THEN NULL ELSE {cur} END"
        )
        ex("DROP TABLE IF EXISTS sk_want_class")
        ex(
            f"CREATE TEMP TABLE sk_want_class AS SELECT k.sid, {xid} AS xid, k.n, k.line, "
            "k.terms, k.title AS name, k.code AS course_code, co.id AS course_id, "
            f"s.id AS school_id, tm.id AS term_id, {primary} AS primary_teacher_id, "
            f"CASE WHEN p.class_sid IS NOT NULL AND p.explicit = 0 AND {xid} IS NOT NULL "
            f"AND {cur} IS NULL THEN 1 ELSE 0 END AS kept_none "
            "FROM sk_k k JOIN sk_school_id s ON s.sid = k.school "
            f"LEFT JOIN {Term._meta.db_table} tm ON tm.district_id = %s "
            "AND tm.sourced_id = k.term AND k.term <> '' "
            "LEFT JOIN sk_course_id co ON co.sid = k.course "
            f"{joins}"
            "LEFT JOIN sk_primary p ON p.class_sid = k.sid "
            "LEFT JOIN sk_live_teacher pt ON pt.sid = p.user_sid "
            "WHERE k.deleted = 0",
            [d, *params],
        )
        made("sk_want_class", "sid")
        self._merge("classrooms", Classroom, "sk_want_class", CLASS_FIELDS)
        self._soft_delete("classrooms", Classroom, "SELECT sid FROM sk_k WHERE deleted = 1")
        self._live("sk_live_class", Classroom)
        self._further_terms()
        fname = ds.staged["classes.csv"].file
        warn_where(
            ds,
            "class-no-teacher",
            f"{fname}: classes with no teacher give no seats (only a primary teacher's access "
            "licenses a class, R8)",
            fname,
            "sk_want_class",
            "primary_teacher_id IS NULL AND kept_none = 0",
        )
        warn_where(
            ds,
            "class-kept-no-primary",
            f"{fname}: classes already in Seatkeeper with no primary teacher, whose teachers in "
            "these files are none marked primary, were left with no primary teacher (mark one "
            "primary to license the class, R8)",
            fname,
            "sk_want_class",
            "kept_none = 1",
        )

    def _listed_teachers(self) -> str:
        """SQL template: teacher `tpk` is listed as teaching class `cls` in the files."""
        ((implicit,),) = q("SELECT count(*) FROM sk_primary WHERE explicit = 0")
        if not implicit:  # only a class with no teacher marked primary asks
            return "1 = 0"
        t = self.ds.staged["enrollments.csv"].table
        ex("DROP TABLE IF EXISTS sk_class_teacher")
        ex(
            "CREATE TEMP TABLE sk_class_teacher AS SELECT DISTINCT e.class_sid, lt.id AS tpk "
            f"FROM {t} e JOIN sk_live_teacher lt ON lt.sid = e.user_sid "
            "WHERE lower(e.role) = 'teacher' AND lower(e.status) <> 'tobedeleted' "
            f"AND NOT EXISTS (SELECT 1 FROM {t}_bad b WHERE b.n = e.n)"
        )
        made("sk_class_teacher", "class_sid, tpk")
        return (
            "EXISTS (SELECT 1 FROM sk_class_teacher ct WHERE ct.class_sid = {cls} "
            "AND ct.tpk = {tpk})"
        )

    def _further_terms(self) -> None:
        """Every term of a class after its first (ClassroomTerm), as classes.csv lists them."""
        d, ctt = self.d, ClassroomTerm._meta.db_table
        ex("DROP TABLE IF EXISTS sk_want_terms")
        ex(
            "CREATE TEMP TABLE sk_want_terms AS SELECT c.id AS cid, tm.id AS tid, "
            "CAST(f.position AS integer) AS position "
            "FROM sk_want_class w JOIN sk_live_class c ON c.sid = w.sid "
            "JOIN sk_class_further_terms f ON f.raw = w.terms "
            f"JOIN {Term._meta.db_table} tm ON tm.district_id = %s AND tm.sourced_id = f.term "
            "AND f.term <> ''",
            [d],
        )
        made("sk_want_terms", "cid, tid")
        mine = "classroom_id IN (SELECT c.id FROM sk_want_class w JOIN sk_live_class c ON c.sid = w.sid)"
        changed: set[int] = set()
        for (cid,) in q(
            f"SELECT DISTINCT classroom_id FROM {ctt} y WHERE district_id = %s AND {mine} "
            "AND NOT EXISTS (SELECT 1 FROM sk_want_terms w WHERE w.cid = y.classroom_id "
            "AND w.tid = y.term_id AND w.position = y.position)",
            [d],
        ):
            changed.add(cid)
        self.journal.removed(
            ClassroomTerm,
            f"x.district_id = %s AND x.{mine} AND NOT EXISTS (SELECT 1 FROM sk_want_terms w "
            "WHERE w.cid = x.classroom_id AND w.tid = x.term_id AND w.position = x.position)",
            [d],
        )
        ex(
            f"DELETE FROM {ctt} WHERE district_id = %s AND {mine} AND NOT EXISTS (SELECT 1 "
            f"FROM sk_want_terms w WHERE w.cid = {ctt}.classroom_id AND w.tid = {ctt}.term_id "
            f"AND w.position = {ctt}.position)",
            [d],
        )
        for (cid,) in q(
            f"SELECT DISTINCT cid FROM sk_want_terms w WHERE NOT EXISTS (SELECT 1 FROM {ctt} y "
            "WHERE y.classroom_id = w.cid AND y.term_id = w.tid)"
        ):
            changed.add(cid)
        floor = Journal.floor(ClassroomTerm)
        ex(
            f"INSERT INTO {ctt} (district_id, classroom_id, term_id, position) "
            "SELECT %s, cid, tid, position FROM sk_want_terms w WHERE NOT EXISTS "
            f"(SELECT 1 FROM {ctt} y WHERE y.classroom_id = w.cid AND y.term_id = w.tid) "
            "ORDER BY cid, position",
            [d],
        )
        self.journal.created(ClassroomTerm, floor)
        if changed:  # a class whose terms changed and nothing else is an updated class
            part = sorted(changed)
            counts = self.result.counts["classrooms"]
            for i in range(0, len(part), BATCH):
                chunk = part[i : i + BATCH]
                self.journal.before(
                    Classroom,
                    f"x.district_id = %s AND x.id IN ({marks(chunk)}) AND NOT (x.updated_at = %s)",
                    [d, *chunk, self.stamp],
                )
                n = ex(
                    f"UPDATE {Classroom._meta.db_table} SET updated_at = %s WHERE district_id "
                    f"= %s AND id IN ({marks(chunk)}) AND NOT (updated_at = %s)",
                    [self.stamp, d, *chunk, self.stamp],
                )
                counts.updated += n
                counts.unchanged -= n

    # --- enrollments --------------------------------------------------------------------------

    def enrollments(self) -> None:
        """Each enrollment row classified once, in SQL; then counted, removed, inserted."""
        ds, d, res = self.ds, self.d, self.result
        if not ds.has("enrollments.csv"):
            return
        t = ds.staged["enrollments.csv"].table
        kind = (
            "coalesce(u.kind, CASE WHEN te.id IS NOT NULL AND st.id IS NULL "
            "THEN 'teacher' ELSE 'student' END)"
        )
        role = "lower(e.role)"
        ex("DROP TABLE IF EXISTS sk_e")
        ex(
            "CREATE TEMP TABLE sk_e AS SELECT e.n, e.sid, "
            f"{role} AS role, CASE WHEN lower(e.status) = 'tobedeleted' THEN 1 ELSE 0 END "
            "AS del, c.id AS cid, st.id AS spk, te.id AS tpk, "
            f"CASE WHEN {role} NOT IN ('teacher', 'student') THEN 'role' "
            "WHEN k.deleted = 1 OR c.id IS NULL THEN 'class' "
            "WHEN u.deleted = 1 THEN 'gone' "
            f"WHEN {role} = 'student' AND {kind} = 'teacher' THEN 'wrong' "
            f"WHEN {role} = 'teacher' AND {kind} = 'student' THEN 'wrong' "
            f"WHEN {role} = 'student' AND st.id IS NULL THEN 'user' "
            f"WHEN {role} = 'teacher' AND te.id IS NULL THEN 'user' "
            f"WHEN {role} = 'teacher' AND p.user_sid = e.user_sid THEN 'primary' "
            f"ELSE {role} END AS cat "
            f"FROM {t} e LEFT JOIN sk_k k ON k.sid = e.class_sid "
            "LEFT JOIN sk_live_class c ON c.sid = e.class_sid "
            "LEFT JOIN sk_u u ON u.sid = e.user_sid "
            "LEFT JOIN sk_live_student st ON st.sid = e.user_sid "
            "LEFT JOIN sk_live_teacher te ON te.sid = e.user_sid "
            "LEFT JOIN sk_primary p ON p.class_sid = e.class_sid "
            f"WHERE NOT EXISTS (SELECT 1 FROM {t}_bad b WHERE b.n = e.n)"
        )
        made("sk_e", "n", "cid, spk", "cid, tpk")
        for cat, role_v, n in q(
            "SELECT cat, role, count(*) FROM sk_e WHERE del = 0 "
            "AND cat IN ('role', 'class', 'wrong', 'user') GROUP BY cat, role ORDER BY cat, role"
        ):
            wrong = "teacher" if role_v == "student" else "student"
            res.ignore(
                {
                    "role": f"enrollments: role {role_v!r} (not a teacher or student)",
                    "class": "enrollments: in a class deleted (tobedeleted) or not imported",
                    "wrong": f"enrollments: as {role_v}, of a user imported as a {wrong}",
                    "user": "enrollments: of a user deleted in Seatkeeper or not imported",
                }[cat],
                n,
            )
        et = Enrollment._meta.db_table
        # The student pairs the files want (a pair listed twice is one enrollment, R1), with
        # the enrollment that already holds each, if any.
        ex("DROP TABLE IF EXISTS sk_pairs")
        ex(
            "CREATE TEMP TABLE sk_pairs AS SELECT p.cid, p.spk, e.sid, y.id AS eid FROM ("
            "SELECT cid, spk, min(n) AS n FROM sk_e WHERE cat = 'student' AND del = 0 "
            "GROUP BY cid, spk) p JOIN sk_e e ON e.n = p.n "
            f"LEFT JOIN {et} y ON y.classroom_id = p.cid AND y.student_id = p.spk "
            "AND y.district_id = %s",
            [d],
        )
        made("sk_pairs", "eid")
        counts = res.counts["enrollments"]
        ((counts.unchanged,),) = q("SELECT count(*) FROM sk_pairs WHERE eid IS NOT NULL")
        # Un-enrolled by the files (tobedeleted rows).
        self._remove_where(
            f"y.id IN (SELECT y2.id FROM {et} y2 JOIN sk_e e ON e.cid = y2.classroom_id "
            "AND e.spk = y2.student_id WHERE y2.district_id = %s AND e.cat = 'student' "
            "AND e.del = 1)",
            [d],
        )
        rest, values = defaults(
            Enrollment, ["district_id", "classroom_id", "student_id", "sourced_id", "roster_source"]
        )
        floor = Journal.floor(Enrollment)
        counts.created += ex(
            f"INSERT INTO {et} (district_id, classroom_id, student_id, sourced_id, "
            f"roster_source{''.join(f', {c}' for c in rest)}) "
            f"SELECT %s, cid, spk, sid, %s{''.join(', %s' for _ in rest)} FROM sk_pairs "
            "WHERE eid IS NULL ORDER BY cid, spk",
            [d, self.source, *values],
        )
        self.journal.created(Enrollment, floor)
        self.progress(ds.enrollment_rows)
        self._co_teachers()

    def _remove_where(self, where: str, params: list[Any], join: str = "") -> None:
        """Delete the district's enrollments matching `where` (alias y), keeping them for undo."""
        et = Enrollment._meta.db_table
        ids = [
            pk
            for (pk,) in stream(
                f"SELECT y.id FROM {et} y {join} WHERE y.district_id = %s AND ({where}) "
                "ORDER BY y.id",
                [self.d, *params],
            )
        ]
        for i in range(0, len(ids), BATCH):
            self._remove_enrollments(ids[i : i + BATCH])

    def _co_teachers(self) -> None:
        d, counts = self.d, self.result.counts["co_teachers"]
        ctt = ClassroomTeacher._meta.db_table
        ex("DROP TABLE IF EXISTS sk_co")
        ex(
            "CREATE TEMP TABLE sk_co AS SELECT p.cid, p.tpk, e.sid, y.id AS yid FROM ("
            "SELECT cid, tpk, max(n) AS n FROM sk_e WHERE cat = 'teacher' AND del = 0 "
            "GROUP BY cid, tpk) p JOIN sk_e e ON e.n = p.n "
            f"LEFT JOIN {ctt} y ON y.classroom_id = p.cid AND y.teacher_id = p.tpk "
            "AND y.district_id = %s",
            [d],
        )
        made("sk_co", "yid")
        ((counts.unchanged,),) = q("SELECT count(*) FROM sk_co WHERE yid IS NOT NULL")
        dropped = "SELECT cid, tpk FROM sk_e WHERE del = 1 AND cat IN ('teacher', 'primary')"
        drop_ids = [
            pk
            for (pk,) in q(
                f"SELECT y.id FROM {ctt} y JOIN ({dropped}) g ON g.cid = y.classroom_id "
                "AND g.tpk = y.teacher_id WHERE y.district_id = %s",
                [d],
            )
        ]
        rest, values = defaults(
            ClassroomTeacher, ["district_id", "classroom_id", "teacher_id", "sourced_id"]
        )
        floor = Journal.floor(ClassroomTeacher)
        counts.created += ex(
            f"INSERT INTO {ctt} (district_id, classroom_id, teacher_id, sourced_id"
            f"{''.join(f', {c}' for c in rest)}) SELECT %s, cid, tpk, sid"
            f"{''.join(', %s' for _ in rest)} FROM sk_co WHERE yid IS NULL ORDER BY cid, tpk",
            [d, *values],
        )
        self.journal.created(ClassroomTeacher, floor)
        for i in range(0, len(drop_ids), BATCH):
            part = drop_ids[i : i + BATCH]
            self.journal.removed_pks(ClassroomTeacher, part)
            counts.deleted += ex(
                f"DELETE FROM {ctt} WHERE district_id = %s AND id IN ({marks(part)})",
                [d, *part],
            )
        # A primary teacher un-enrolled by a delta file stops licensing the class (R8).
        ex("DROP TABLE IF EXISTS sk_drop_t")
        ex(
            "CREATE TEMP TABLE sk_drop_t AS SELECT DISTINCT cid, tpk FROM sk_e "
            "WHERE del = 1 AND cat IN ('teacher', 'primary')"
        )
        made("sk_drop_t", "cid, tpk")
        ct = Classroom._meta.db_table
        self.journal.before(
            Classroom,
            "x.district_id = %s AND x.id IN (SELECT cid FROM sk_drop_t) AND EXISTS "
            "(SELECT 1 FROM sk_drop_t g WHERE g.cid = x.id AND g.tpk = x.primary_teacher_id)",
            [d],
        )
        self.result.counts["classrooms"].updated += ex(
            f"UPDATE {ct} SET primary_teacher_id = NULL, updated_at = %s "
            "WHERE district_id = %s AND id IN (SELECT cid FROM sk_drop_t) AND EXISTS "
            f"(SELECT 1 FROM sk_drop_t g WHERE g.cid = {ct}.id AND g.tpk = {ct}.primary_teacher_id)",
            [self.now, d],
        )

    def absent_from_bulk(self) -> None:
        """Bulk files are complete: OneRoster enrollments missing from them are un-enrolled.

        Students, teachers and classes missing from a bulk file are only counted: deleting
        accounts is an admin's call (send them as tobedeleted, or delete them in Seatkeeper).
        """
        ds, d = self.ds, self.d
        if ds.has("enrollments.csv") and ds.mode("enrollments.csv") != "delta":
            # Rows of deleted students, or of archived or deleted classes, count for nothing
            # (R5): left for restore (an export leaves them out, so its re-import keeps them).
            ct = Classroom._meta.db_table
            self._remove_where(
                "y.id <= %s AND y.roster_source = %s "
                "AND NOT EXISTS (SELECT 1 FROM sk_pairs p WHERE p.eid = y.id)",
                [self.result.enrollment_id_floor, self.source],
                join="JOIN sk_live_student ls ON ls.id = y.student_id "
                "JOIN sk_live_class lc ON lc.id = y.classroom_id "
                f"JOIN {ct} rc ON rc.id = y.classroom_id AND rc.status = 'active'",
            )
            ctt = ClassroomTeacher._meta.db_table
            # Co-teachers deleted in Seatkeeper, and those of archived classes, likewise.
            self.journal.removed(
                ClassroomTeacher,
                "x.district_id = %s "
                f"AND x.classroom_id IN (SELECT lc.id FROM sk_live_class lc JOIN {ct} rc "
                "ON rc.id = lc.id AND rc.status = 'active') "
                "AND x.teacher_id IN (SELECT id FROM sk_live_teacher) "
                "AND NOT EXISTS (SELECT 1 FROM sk_e e WHERE e.del = 0 "
                "AND e.cat IN ('teacher', 'primary') AND e.cid = x.classroom_id "
                "AND e.tpk = x.teacher_id)",
                [d],
            )
            self.result.counts["co_teachers"].deleted += ex(
                f"DELETE FROM {ctt} WHERE district_id = %s "
                f"AND classroom_id IN (SELECT lc.id FROM sk_live_class lc JOIN {ct} rc "
                "ON rc.id = lc.id AND rc.status = 'active') "
                "AND teacher_id IN (SELECT id FROM sk_live_teacher) "
                "AND NOT EXISTS (SELECT 1 FROM sk_e e WHERE e.del = 0 "
                f"AND e.cat IN ('teacher', 'primary') AND e.cid = {ctt}.classroom_id "
                f"AND e.tpk = {ctt}.teacher_id)",
                [d],
            )
        checks: list[tuple[str, type[Model], str, str]] = [
            ("students", Student, "sk_u", "users.csv"),
            ("teachers", Teacher, "sk_u", "users.csv"),
            ("classrooms", Classroom, "sk_k", "classes.csv"),
        ]
        for entity, model, in_files, fname in checks:
            if not ds.has(fname) or ds.mode(fname) == "delta":
                continue
            ((n,),) = q(
                f"SELECT count(*) FROM {model._meta.db_table} x WHERE district_id = %s "
                "AND roster_source = %s AND deleted_at IS NULL AND NOT (sourced_id = '') "
                f"AND NOT EXISTS (SELECT 1 FROM {in_files} f WHERE f.sid = x.sourced_id)",
                [d, self.source],
            )
            self.result.ignore(
                f"{entity}: from an earlier import, not in these bulk files; left as they are", n
            )
