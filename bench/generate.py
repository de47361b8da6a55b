"""Deterministic synthetic districts for the benchmarks (usage, dedup, planner, API, import).

Importable (Django must be set up; `setup_django()` does it for scripts)::

    from bench.generate import generate_district, setup_django
    setup_django()                     # honours DATABASE_URL; migrates the database
    district = generate_district("bench-100k", students=100_000, seed=1)
    district.bench_stats               # dict: rows written per table, seconds, rows/s

Runnable::

    .venv/bin/python bench/generate.py --students 100000 --slug bench-100k \
        [--seed 1] [--schools N] [--database-url postgres://postgres@127.0.0.1:5432/db] [--replace]

`generate_district(slug, students=N, seed=1, schools=None, today=None, replace=False)` creates
district `slug` (refuses an existing slug unless `replace=True`, which deletes it first) with
products `core` and `ela`, and returns the District. Same seed and arguments give the same
rows (ids aside). The shape, chosen to resemble a real K-12 district:

- schools of ~500-3000 students (`schools=K` instead splits `students` over K schools; use it
  for small test districts), each with teachers (one per ~5 classrooms), a current and a last
  school-year term, and classrooms (~5.5 enrollments a student / ~25 a classroom);
- every student in 3-8 classrooms of their school; ~10% of classrooms archived (mostly last
  year's), ~3% of last year's left active (stale), ~1% soft-deleted, ~0.5% without a primary
  teacher, ~10% with a co-teacher (R8);
- ~15% of teachers with `core` access OFF (~60% OFF for `ela`), ~1% of teachers deleted;
- ~3% duplicate accounts (a second Student row: typo / nickname / other source, same date of
  birth, enrolled in 1-4 classrooms, rarely signed in), ~2% multi-school students (also enrolled
  at another school, R6), ~0.5% deleted students (R5);
- activity: `last_sign_in_at`/`last_activity_at` on students (85% within 30 days, 10% months
  ago, 5% never) and one StudentActivity sign-in row per student who signed in;
- purchases: a `core` district pool of ~92% of students for the current term, last year's
  expired pool, school-owned `core` purchases at ~10% of schools, an `ela` pool; allocations
  spread with noise (+/-15%) and capped by the pool, so some schools are overallocated and
  some have spare seats.

Rows are written with explicit ids in few statements (SQLite executemany, PostgreSQL COPY via
psycopg `cursor.copy()`), then PostgreSQL sequences are reset. One audit entry
(`system.demo.loaded`, via "bench") records the load. Services are bypassed for roster rows,
so the generator keeps their invariants itself (district on every row, an access row per
teacher and product, an allocation row per school and product).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

_FIRST = (
    "Liam Olivia Noah Emma Oliver Ava Elijah Sophia James Isabella William Mia Benjamin Amelia "
    "Lucas Harper Henry Evelyn Theodore Abigail Jack Emily Levi Elizabeth Alexander Sofia "
    "Jackson Avery Mateo Ella Daniel Scarlett Michael Grace Mason Chloe Sebastian Victoria Ethan "
    "Riley Logan Aria Owen Lily Samuel Aubrey Jacob Zoey Asher Penelope Aiden Lillian John Addison "
    "Joseph Layla Wyatt Natalie David Camila Leo Hannah Luke Brooklyn Julian Zoe Hudson Nora "
    "Grayson Leah Matthew Savannah Ezra Audrey Gabriel Claire Carter Eleanor Isaac Skylar Jayden "
    "Ellie Luca Samantha Anthony Stella Dylan Paisley Lincoln Violet Thomas Mila Maverick Allison "
    "Elias Alexa Josiah Anna Charles Hazel Caleb Aaliyah Christopher Ariana Ezekiel Lucy Miles "
    "Caroline Jaxon Sarah Isaiah Genesis Andrew Kennedy Joshua Sadie Nathan Gabriella Nolan "
    "Madelyn Adrian Adeline Cameron Maya Santiago Autumn Eli Aurora Aaron Piper Ryan Hailey"
)
_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
    "Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
    "Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
    "Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell "
    "Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson "
    "Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera"
)
FIRST, LAST = _FIRST.split(), _LAST.split()
NICK = {"William": "Will", "Elizabeth": "Liz", "Alexander": "Alex", "Benjamin": "Ben",
        "Samuel": "Sam", "Joseph": "Joe", "Matthew": "Matt", "Christopher": "Chris",
        "Nathan": "Nate", "Daniel": "Dan", "Michael": "Mike", "Abigail": "Abby",
        "Isabella": "Bella", "Victoria": "Tori", "Gabriella": "Gabby", "Samantha": "Sam",
        "Jacob": "Jake", "Anthony": "Tony", "Thomas": "Tom", "Charles": "Charlie"}  # fmt: skip
SUBJECTS = ("Math", "ELA", "Science", "Social Studies", "Homeroom", "Art", "Music", "PE")


def setup_django(database_url: str | None = None, *, migrate: bool = True) -> None:
    """Configure Django for a script (optionally on `database_url`) and migrate quietly."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seatkeeper.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


# --- writing rows fast ---------------------------------------------------------------------


class _Writer:
    """Explicit-id bulk inserts: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.pg = connection.vendor == "postgresql"
        self.counts: dict[str, int] = {}

    def skip_fk_checks(self) -> bool:
        """PostgreSQL: skip the deferred FK trigger per row for this transaction (superuser).

        Django's FKs are DEFERRABLE INITIALLY DEFERRED, so a million-row load otherwise queues
        millions of trigger events and checks them one by one at COMMIT (minutes at 1M
        students). The rows are consistent by construction; `tests/bench` checks them on a
        normal connection. Without superuser rights the checks simply run.
        """
        if not self.pg:
            return False
        with self.connection.cursor() as c:
            c.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = c.fetchone()
            if not (row and row[0]):
                return False
            c.execute("SET LOCAL session_replication_role = replica")
        return True

    def next_id(self, table: str) -> int:
        with self.connection.cursor() as c:
            c.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            return int(c.fetchone()[0]) + 1

    def ts(self, value: dt.datetime | None) -> Any:
        if value is None or self.pg:
            return value
        return self.connection.ops.adapt_datetimefield_value(value)

    def date(self, value: dt.date) -> Any:
        return value if self.pg else value.isoformat()

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        cols = ", ".join(f'"{c}"' for c in columns)
        n = 0
        with self.connection.cursor() as c:
            if self.pg:
                raw = c.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
            else:
                marks = ", ".join("?" * len(columns))
                sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
                batch: list[Sequence[Any]] = []
                raw = c.cursor
                for row in rows:
                    batch.append(row)
                    if len(batch) >= 20000:
                        raw.executemany(sql, batch)
                        n += len(batch)
                        batch = []
                if batch:
                    raw.executemany(sql, batch)
                    n += len(batch)
        self.counts[table] = self.counts.get(table, 0) + n

    def reset_sequences(self, models: Sequence[Any]) -> None:
        if not self.pg:
            return  # SQLite AUTOINCREMENT follows the largest id inserted
        from django.core.management.color import no_style

        with self.connection.cursor() as c:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), models):
                c.execute(sql)


# --- the district --------------------------------------------------------------------------


def _school_sizes(rng: random.Random, students: int, schools: int | None) -> list[int]:
    if schools is None:
        sizes: list[int] = []
        while sum(sizes) < students:
            sizes.append(rng.randint(500, 3000))
        schools = len(sizes)
    else:
        sizes = [rng.randint(500, 3000) for _ in range(schools)]
    total = sum(sizes)
    scaled = [max(1, s * students // total) for s in sizes]
    scaled[-1] += students - sum(scaled)
    return scaled


def _school_year(today: dt.date) -> int:
    return today.year if today.month >= 8 else today.year - 1


def _variant(rng: random.Random, first: str, last: str) -> tuple[str, str]:
    """A duplicate's name: nickname, typo, or the same name (second account)."""
    roll = rng.random()
    if roll < 0.3 and first in NICK:
        return NICK[first], last
    if roll < 0.6 and len(last) > 3:
        i = rng.randrange(1, len(last) - 1)
        return first, last[:i] + last[i + 1] + last[i] + last[i + 2 :]
    if roll < 0.7:
        return first.lower(), last.upper()
    return first, last


def generate_district(  # noqa: C901 - one linear recipe reads best in one place
    slug: str,
    students: int,
    seed: int = 1,
    schools: int | None = None,
    *,
    today: dt.date | None = None,
    replace: bool = False,
) -> Any:
    """Create district `slug` with about `students` students (see the module docstring)."""
    from django.db import transaction
    from django.utils import timezone

    from seatkeeper.audit import actions
    from seatkeeper.audit.services import audit_record
    from seatkeeper.orgs.models import District, Product, School
    from seatkeeper.orgs.scoping import system_scope
    from seatkeeper.orgs.services import district_create
    from seatkeeper.roster.models import (
        Classroom,
        ClassroomTeacher,
        Enrollment,
        Student,
        StudentActivity,
        Teacher,
        Term,
    )
    from seatkeeper.seats import ledger
    from seatkeeper.seats.models import Allocation, Purchase, TeacherAccess
    from seatkeeper.seats.services import product_create

    started = time.perf_counter()
    rng = random.Random(seed)
    today = today or timezone.localdate()
    now = timezone.now()
    y = _school_year(today)
    existing = District.objects.filter(slug=slug).first()
    if existing is not None:
        if not replace:
            raise ValueError(f"district {slug!r} exists (pass replace=True)")
        _delete_district(existing)

    w = _Writer()
    outer = w.connection.in_atomic_block  # inside a test's transaction: keep every check on
    with transaction.atomic():
        fk_checks = outer or not w.skip_fk_checks()
        scope = system_scope(via="bench")
        district = district_create(scope=scope, slug=slug, name=f"Bench district {slug}")
        scope = system_scope(district, via="bench")
        core = Product.objects.get(district=district, code="core")
        ela = product_create(scope=scope, district=district, code="ela", name="ELA")
        d = district.pk
        current = Term.objects.create(
            district=district,
            name=f"{y}-{y + 1} School Year",
            sourced_id=f"term-{y}",
            starts_on=dt.date(y, 8, 17),
            ends_on=dt.date(y + 1, 6, 11),
            roster_source="demo",
        )
        last = Term.objects.create(
            district=district,
            name=f"{y - 1}-{y} School Year",
            sourced_id=f"term-{y - 1}",
            starts_on=dt.date(y - 1, 8, 18),
            ends_on=dt.date(y, 6, 12),
            roster_source="demo",
        )
        sizes = _school_sizes(rng, students, schools)
        school_objs = School.objects.bulk_create(
            [
                School(
                    district=district,
                    name=f"School {i + 1:04d}",
                    sourced_id=f"sch-{i + 1}",
                    roster_source="demo",
                )
                for i in range(len(sizes))
            ]
        )
        school_ids = [s.pk for s in school_objs]

        now_s = w.ts(now)
        t_id = w.next_id("roster_teacher")
        c_id = w.next_id("roster_classroom")
        s_id = w.next_id("roster_student")

        teachers: list[tuple] = []
        access: list[tuple] = []
        classrooms: list[tuple] = []
        co_rows: list[tuple] = []
        # per school (same order as school_ids): its classroom ids
        school_classes: list[list[int]] = []
        for school_id, size in zip(school_ids, sizes, strict=True):
            n_classes = max(8, round(size * 5.5 / 25))
            n_teachers = max(2, n_classes // 5)
            tids = []
            for _ in range(n_teachers):
                f, ln = rng.choice(FIRST), rng.choice(LAST)
                deleted = w.ts(now - dt.timedelta(days=30)) if rng.random() < 0.01 else None
                teachers.append(
                    (t_id, d, f"tch-{t_id}", "demo", now_s, now_s, school_id, f, ln,
                     f"{f.lower()}.{ln.lower()}{t_id}@bench.example.org", f"t{t_id}",
                     None, deleted, None)
                )  # fmt: skip
                access.append((d, t_id, core.pk, rng.random() >= 0.15, now_s))
                access.append((d, t_id, ela.pk, rng.random() < 0.4, now_s))
                tids.append(t_id)
                t_id += 1
            cids = []
            for k in range(n_classes):
                roll = rng.random()
                if roll < 0.10:  # archived: last year's classrooms, mostly
                    term, status, archived = last.pk, "archived", w.ts(now - dt.timedelta(days=60))
                elif roll < 0.13:  # stale: last year's, never archived
                    term, status, archived = last.pk, "active", None
                else:
                    term, status, archived = current.pk, "active", None
                deleted = w.ts(now - dt.timedelta(days=10)) if rng.random() < 0.01 else None
                primary = None if rng.random() < 0.005 else tids[k % n_teachers]
                subject = rng.choice(SUBJECTS)
                classrooms.append(
                    (c_id, d, f"cls-{c_id}", "demo", now_s, now_s, school_id,
                     f"{subject} {k + 1}", subject[:4].upper(), term, primary, status, archived,
                     deleted, None, None)
                )  # fmt: skip
                if rng.random() < 0.10:
                    co = rng.choice(tids)
                    if co != primary:
                        co_rows.append((d, c_id, co, ""))
                cids.append(c_id)
                c_id += 1
            school_classes.append(cids)

        student_rows: list[tuple] = []
        enroll: list[tuple[int, int]] = []
        activity: list[tuple] = []
        n_dups = 0
        n_multi = 0
        for si, (school_id, size) in enumerate(zip(school_ids, sizes, strict=True)):
            cids = school_classes[si]
            for _ in range(size):
                f, ln = rng.choice(FIRST), rng.choice(LAST)
                dob = dt.date(y - rng.randint(6, 17), rng.randint(1, 12), rng.randint(1, 28))
                grade = str(max(0, min(12, y - dob.year - 5)))
                roll = rng.random()
                if roll < 0.85:
                    seen = now - dt.timedelta(days=rng.random() * 30)
                elif roll < 0.95:
                    seen = now - dt.timedelta(days=60 + rng.random() * 240)
                else:
                    seen = None
                deleted = w.ts(now - dt.timedelta(days=20)) if rng.random() < 0.005 else None
                sid = s_id
                s_id += 1
                student_rows.append(
                    (sid, d, f"stu-{sid}", "demo", now_s, now_s, school_id, f, "", ln, "",
                     w.date(dob), grade, f"{100000 + sid}", f"s{sid}", f"s{sid}@bench.example.org",
                     w.ts(seen), w.ts(seen), None, deleted, None)
                )  # fmt: skip
                if seen is not None:
                    activity.append((d, sid, "sign_in", w.ts(seen), None, "bench", now_s))
                for c in rng.sample(cids, rng.randint(3, 8)):
                    enroll.append((sid, c))
                if len(school_classes) > 1 and rng.random() < 0.02:  # R6: multi-school
                    n_multi += 1
                    other = school_classes[
                        (si + rng.randint(1, len(school_classes) - 1)) % len(school_classes)
                    ]
                    for c in rng.sample(other, rng.randint(1, 2)):
                        enroll.append((sid, c))
                if rng.random() < 0.03:  # R3: a duplicate account of the same child
                    n_dups += 1
                    df, dl = _variant(rng, f, ln)
                    dup = s_id
                    s_id += 1
                    dseen = (
                        now - dt.timedelta(days=rng.random() * 200) if rng.random() < 0.3 else None
                    )
                    student_rows.append(
                        (dup, d, "", rng.choice(("csv", "manual", "api")), now_s, now_s,
                         school_id, df, "", dl, "", w.date(dob), grade, "", "", "",
                         w.ts(dseen), w.ts(dseen), None, None, None)
                    )  # fmt: skip
                    if dseen is not None:
                        activity.append((d, dup, "sign_in", w.ts(dseen), None, "bench", now_s))
                    for c in rng.sample(cids, rng.randint(1, 4)):
                        enroll.append((dup, c))

        w.insert(
            "roster_teacher",
            ["id", "district_id", "sourced_id", "roster_source", "created_at", "updated_at",
             "school_id", "first_name", "last_name", "email", "username", "user_id",
             "deleted_at", "merged_into_id"],
            teachers,
        )  # fmt: skip
        w.insert(
            "seats_teacheraccess",
            ["district_id", "teacher_id", "product_id", "on", "changed_at"],
            access,
        )
        w.insert(
            "roster_classroom",
            ["id", "district_id", "sourced_id", "roster_source", "created_at", "updated_at",
             "school_id", "name", "course_code", "term_id", "primary_teacher_id", "status",
             "archived_at", "deleted_at", "last_activity_at", "created_by_id"],
            classrooms,
        )  # fmt: skip
        w.insert(
            "roster_classroomteacher", ["district_id", "classroom_id", "teacher_id", "sourced_id"],
            co_rows,
        )  # fmt: skip
        w.insert(
            "roster_student",
            ["id", "district_id", "sourced_id", "roster_source", "created_at", "updated_at",
             "school_id", "first_name", "middle_name", "last_name", "preferred_first_name",
             "date_of_birth", "grade", "student_number", "username", "email", "last_sign_in_at",
             "last_activity_at", "created_by_id", "deleted_at", "merged_into_id"],
            student_rows,
        )  # fmt: skip
        w.insert(
            "roster_enrollment",
            ["district_id", "student_id", "classroom_id", "sourced_id", "roster_source",
             "created_at"],
            ((d, s, c, "", "demo", now_s) for s, c in enroll),
        )  # fmt: skip
        w.insert(
            "roster_studentactivity",
            ["district_id", "student_id", "kind", "at", "classroom_id", "source", "created_at"],
            activity,
        )
        n_students = len(student_rows)
        del student_rows, enroll, activity, classrooms, teachers, access

        # Licences: pools, school-owned purchases, allocations with noise (R7-capped).
        pool_core = round(students * 0.92)
        purchases = [
            Purchase(district=district, product=core, seats=pool_core, reference="pool",
                     starts_on=current.starts_on, ends_on=current.ends_on),
            Purchase(district=district, product=core, seats=students, reference="pool last year",
                     starts_on=last.starts_on, ends_on=last.ends_on),
            Purchase(district=district, product=ela, seats=round(students * 0.4),
                     reference="ela pool", starts_on=current.starts_on, ends_on=current.ends_on),
        ]  # fmt: skip
        for sch, size in zip(school_objs, sizes, strict=True):
            if rng.random() < 0.10:
                purchases.append(
                    Purchase(district=district, product=core, school=sch,
                             seats=rng.randint(5, max(6, size // 10)), reference="school-owned",
                             starts_on=current.starts_on, ends_on=current.ends_on)
                )  # fmt: skip
        Purchase.objects.bulk_create(purchases)
        wanted = [size * 0.93 * rng.uniform(0.8, 1.15) for size in sizes]
        factor = min(1.0, pool_core / sum(wanted))
        allocs = [int(x * factor) for x in wanted]
        ela_allocs = [int(size * 0.4 * rng.uniform(0.6, 1.0)) for size in sizes]
        Allocation.objects.bulk_create(
            [Allocation(district=district, school=s, product=core, seats=a)
             for s, a in zip(school_objs, allocs, strict=True)]
            + [Allocation(district=district, school=s, product=ela, seats=a)
               for s, a in zip(school_objs, ela_allocs, strict=True)]
        )  # fmt: skip
        w.reset_sequences(
            [Teacher, TeacherAccess, Classroom, ClassroomTeacher, Student, Enrollment,
             StudentActivity]
        )  # fmt: skip
        # The rows went in as a bulk loader writes them (COPY with triggers off on PostgreSQL,
        # executemany on SQLite): the seat ledger is built from them in one pass.
        ledger_started = time.perf_counter()
        ledger.rebuild(district.pk)
        ledger_seconds = time.perf_counter() - ledger_started
        seconds = time.perf_counter() - started
        rows = sum(w.counts.values())
        stats = {
            "students": n_students,
            "duplicates": n_dups,
            "multi_school": n_multi,
            "schools": len(sizes),
            "rows": dict(w.counts),
            "total_rows": rows,
            "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds) if seconds else 0,
            "backend": w.connection.vendor,
            "fk_checks": fk_checks,
            "ledger_seconds": round(ledger_seconds, 2),
        }
        audit_record(
            scope=scope,
            action=actions.DEMO_LOADED,
            target=district,
            data={"generator": "bench/generate.py", "seed": seed, "students": students,
                  "rows": rows},
        )  # fmt: skip
    # Fresh statistics (and, outside a transaction, the visibility map that index-only scans
    # need), as autovacuum would have them on a live database.
    tables = ["roster_enrollment", "roster_classroom", "roster_student", "roster_teacher",
              "seats_teacheraccess", "roster_studentactivity", "seats_seat",
              "seats_seatcount"]  # fmt: skip
    with w.connection.cursor() as c:
        if not w.pg:
            c.execute("ANALYZE")
        elif w.connection.in_atomic_block:
            c.execute(f"ANALYZE {', '.join(tables)}")
        else:
            c.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
    district.bench_stats = stats
    return district


def _delete_district(district: Any) -> None:
    """Remove a generated district fast (raw deletes, children first)."""
    from django.db import connection, transaction

    tables = [
        "roster_studentactivity", "roster_enrollment", "roster_classroomteacher",
        "seats_teacheraccess", "roster_classroom", "roster_student", "roster_teacher",
        "seats_allocation", "seats_purchase", "seats_enforcement", "roster_term",
    ]  # fmt: skip
    from seatkeeper.seats import ledger

    with transaction.atomic():
        with connection.cursor() as c:
            for t in tables:
                c.execute(f"DELETE FROM {t} WHERE district_id = %s", [district.pk])
        district_id = district.pk
        district.delete()
        ledger.forget(district_id)  # the deletes were journaled; nothing is left to count


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--students", type=int, required=True)
    ap.add_argument("--slug", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--schools", type=int, default=None)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--replace", action="store_true", help="delete the district first if present")
    args = ap.parse_args(argv)
    setup_django(args.database_url)
    district = generate_district(
        args.slug, students=args.students, seed=args.seed, schools=args.schools,
        replace=args.replace,
    )  # fmt: skip
    s = district.bench_stats
    print(
        f"district {district.slug} (id {district.pk}) on {s['backend']}: {s['students']} students "
        f"({s['duplicates']} duplicates, {s['multi_school']} multi-school), {s['schools']} "
        f"schools, {s['total_rows']} rows in {s['seconds']} s ({s['rows_per_s']} rows/s)"
    )
    for table, n in s["rows"].items():
        print(f"  {table:28} {n:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
