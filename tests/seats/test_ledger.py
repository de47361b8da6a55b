"""The seat ledger (issue 13): exact after any sequence of changes, by any write path.

The state machine drives services, imports, merges, plan applies and every undo in random
orders and checks after each step that the ledger (Seat rows and SeatCount counters) equals a
brute-force recount written plainly here from domain.md (R1-R8), not from the ledger's SQL.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from seatkeeper.audit.models import AuditEntry
from seatkeeper.dedup import services as dedup
from seatkeeper.dedup.models import Merge
from seatkeeper.errors import SeatkeeperError
from seatkeeper.fixes import services as fixes
from seatkeeper.orgs.models import District, School
from seatkeeper.roster import services as roster
from seatkeeper.roster.csv_upload import TEMPLATE, csv_import
from seatkeeper.roster.models import Classroom, ClassroomStatus, Enrollment, Student, Teacher
from seatkeeper.roster.oneroster.importer import oneroster_import
from seatkeeper.seats import ledger
from seatkeeper.seats import services as seats
from seatkeeper.seats.models import Seat, SeatCount, SeatJournal, TeacherAccess
from seatkeeper.seats.verify import verify
from tests.factories import DistrictWorld, make_world, sys_scope, today
from tests.roster.oneroster.helpers import FILES, write_set

# --- the brute-force recount, from domain.md ----------------------------------------------


def brute_seats(district: District) -> set[tuple[int, int, int]]:
    """(school, product, student) of every seat, by the rules in plain Python (R1-R8)."""
    on = {
        (t, p)
        for t, p in TeacherAccess.objects.filter(district=district, on=True).values_list(
            "teacher_id", "product_id"
        )
    }
    teachers_alive = set(
        Teacher.objects.filter(district=district, deleted_at__isnull=True).values_list(
            "id", flat=True
        )
    )
    students_alive = set(
        Student.objects.filter(district=district, deleted_at__isnull=True).values_list(
            "id", flat=True
        )
    )
    schools_alive = set(
        School.objects.filter(district=district, deleted_at__isnull=True).values_list(
            "id", flat=True
        )
    )
    products = {p for _, p in on}
    classrooms = {
        c.pk: c
        for c in Classroom.objects.filter(district=district).only(
            "id", "school_id", "status", "deleted_at", "primary_teacher_id"
        )
    }
    out: set[tuple[int, int, int]] = set()
    for student, classroom in Enrollment.objects.filter(district=district).values_list(
        "student_id", "classroom_id"
    ):
        c = classrooms[classroom]
        if c.status != ClassroomStatus.ACTIVE or c.deleted_at is not None:  # R5
            continue
        if c.school_id not in schools_alive or student not in students_alive:  # R5
            continue
        t = c.primary_teacher_id  # R8: only the primary teacher licenses a classroom
        if t is None or t not in teachers_alive:
            continue
        for p in products:
            if (t, p) in on:  # R4
                out.add((c.school_id, p, student))  # R1: a set, so counted once
    return out


def assert_ledger_exact(district: District) -> None:
    want = brute_seats(district)
    rows = set(
        Seat.objects.filter(district=district).values_list("school_id", "product_id", "student_id")
    )
    assert rows == want
    counters = {
        (s, p): n
        for s, p, n in SeatCount.objects.filter(district=district).values_list(
            "school_id", "product_id", "used"
        )
        if n
    }
    assert counters == dict(Counter((s, p) for s, p, _ in want))
    assert not SeatJournal.objects.filter(district_id=district.pk).exists()


# --- the state machine -----------------------------------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    """Random sequences of every kind of seat-moving change on one district (rolled back)."""

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.w: DistrictWorld = make_world("lm", students_per_class=3)
        self.scope = sys_scope(self.w.district)
        self.merges: list[int] = []
        self.plans: list[int] = []
        self.removed: list[list[dict[str, Any]]] = []
        self.imports = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _try(self, fn: Any, **kw: Any) -> Any:
        try:
            with transaction.atomic():
                return fn(**kw)
        except SeatkeeperError:
            return None  # refused (hard mode, conflict, ...): nothing written

    def _student(self, i: int) -> Student:
        ids = list(
            Student.objects.filter(district=self.w.district)
            .order_by("id")
            .values_list("id", flat=True)
        )
        return Student.objects.get(pk=ids[i % len(ids)])

    def _classroom(self, i: int) -> Classroom:
        ids = list(
            Classroom.objects.filter(district=self.w.district)
            .order_by("id")
            .values_list("id", flat=True)
        )
        return Classroom.objects.get(pk=ids[i % len(ids)])

    def _teacher(self, i: int) -> Teacher:
        ids = list(
            Teacher.objects.filter(district=self.w.district)
            .order_by("id")
            .values_list("id", flat=True)
        )
        return Teacher.objects.get(pk=ids[i % len(ids)])

    @rule(i=st.integers(0, 50), j=st.integers(0, 50))
    def enroll(self, i: int, j: int) -> None:
        self._try(
            roster.enrollment_create,
            scope=self.scope,
            student=self._student(i),
            classroom=self._classroom(j),
        )

    @rule(i=st.integers(0, 50))
    def unenroll(self, i: int) -> None:
        ids = list(
            Enrollment.objects.filter(district=self.w.district)
            .order_by("id")
            .values_list("id", flat=True)
        )
        if ids:
            e = Enrollment.objects.get(pk=ids[i % len(ids)])
            rows = list(
                Enrollment.objects.filter(pk=e.pk).values(
                    "id", "student_id", "classroom_id", "sourced_id", "roster_source", "created_at"
                )
            )
            for r in rows:
                r["created_at"] = r["created_at"].isoformat()
            if self._try(roster.enrollment_delete, scope=self.scope, enrollment=e) is None:
                self.removed.append(rows)

    @rule()
    def undo_unenroll(self) -> None:
        if self.removed:
            self._try(roster.enrollments_restore, scope=self.scope, rows=self.removed.pop())

    @rule(
        j=st.integers(0, 50), op=st.sampled_from(["archive", "delete", "restore", "unenroll_all"])
    )
    def classroom(self, j: int, op: str) -> None:
        fn = {
            "archive": roster.classroom_archive,
            "delete": roster.classroom_delete,
            "restore": roster.classroom_restore,
            "unenroll_all": roster.classroom_unenroll_all,
        }[op]
        self._try(fn, scope=self.scope, classroom=self._classroom(j))

    @rule(j=st.integers(0, 50), t=st.integers(-1, 50))
    def change_teacher(self, j: int, t: int) -> None:
        teacher = None if t < 0 else self._teacher(t)
        self._try(
            roster.classroom_update,
            scope=self.scope,
            classroom=self._classroom(j),
            primary_teacher=teacher,
        )

    @rule(t=st.integers(0, 50), on=st.booleans())
    def access(self, t: int, on: bool) -> None:
        self._try(
            roster.access_set,
            scope=self.scope,
            teacher=self._teacher(t),
            product=self.w.product,
            on=on,
        )

    @rule(i=st.integers(0, 50), restore=st.booleans())
    def student(self, i: int, restore: bool) -> None:
        fn = roster.student_restore if restore else roster.student_delete
        self._try(fn, scope=self.scope, student=self._student(i))

    @rule(t=st.integers(0, 50), restore=st.booleans())
    def teacher(self, t: int, restore: bool) -> None:
        fn = roster.teacher_restore if restore else roster.teacher_delete
        self._try(fn, scope=self.scope, teacher=self._teacher(t))

    @rule(s=st.integers(0, 1), restore=st.booleans())
    def school(self, s: int, restore: bool) -> None:
        fn = seats.school_restore if restore else seats.school_delete
        self._try(fn, scope=self.scope, school=self.w.schools[s])

    @rule(i=st.integers(0, 50), j=st.integers(0, 50))
    def merge(self, i: int, j: int) -> None:
        a, b = self._student(i), self._student(j)
        if a.pk != b.pk:
            result = self._try(dedup.students_merge, scope=self.scope, keeper=a, others=[b])
            if result is not None:
                self.merges.append(result.merge.pk)

    @rule()
    def undo_merge(self) -> None:
        if self.merges:
            self._try(
                dedup.students_merge_undo,
                scope=self.scope,
                merge=Merge.objects.get(pk=self.merges.pop()),
            )

    @rule(mode=st.sampled_from(["soft", "hard"]))
    def enforcement(self, mode: str) -> None:
        self._try(
            seats.enforcement_set,
            scope=self.scope,
            district=self.w.district,
            product=self.w.product,
            mode=mode,
        )

    @rule(s=st.integers(0, 1), n=st.integers(0, 12))
    def allocate(self, s: int, n: int) -> None:
        self._try(
            seats.allocation_set,
            scope=self.scope,
            school=self.w.schools[s],
            product=self.w.product,
            seats=n,
        )

    @rule(variant=st.integers(0, 2), dry=st.booleans())
    def import_csv(self, variant: int, dry: bool) -> None:
        school, klass = self.w.schools[variant % 2], self.w.classrooms[variant]
        lines = [TEMPLATE.splitlines()[0]]
        for k in range(variant + 1):
            lines.append(f"LM-{k},New{k},Kid,,,5,9{k},,,{school.name},{klass.name},")
        path = Path(self._tmp) / f"students-{self.imports}.csv"
        self.imports += 1
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self._try(
            csv_import, scope=self.scope, path=path, district_slug=self.w.district.slug, dry_run=dry
        )

    @rule(variant=st.integers(0, 2))
    def import_oneroster(self, variant: int) -> None:
        enrollments = FILES["enrollments.csv"].splitlines()
        if variant == 1:  # a bulk file without one student row: un-enrolled
            enrollments = enrollments[:-1]
        if variant == 2:  # Ben Lee becomes the primary teacher of Algebra 1
            enrollments = [
                line.replace("e1,active,,c1,s1,u1", "e1,active,,c1,s1,u2") for line in enrollments
            ]
        folder = write_set(
            Path(self._tmp) / f"or-{self.imports}",
            **{"enrollments.csv": "\n".join(enrollments) + "\n"},
        )
        self.imports += 1
        self._try(
            oneroster_import, scope=self.scope, path=folder, district_slug=self.w.district.slug
        )

    @rule()
    def plan_apply(self) -> None:
        plan = self._try(fixes.plan_create, scope=self.scope, district=self.w.district)
        if plan is not None and self._try(fixes.plan_apply, scope=self.scope, fix=plan) is not None:
            self.plans.append(plan.pk)

    @rule()
    def plan_undo(self) -> None:
        if self.plans:
            from seatkeeper.fixes.models import FixPlan

            self._try(
                fixes.plan_undo, scope=self.scope, fix=FixPlan.objects.get(pk=self.plans.pop())
            )

    @invariant()
    def ledger_equals_recount(self) -> None:
        assert_ledger_exact(self.w.district)


@pytest.mark.django_db
def test_ledger_equals_a_brute_force_recount_after_any_sequence_of_changes(tmp_path: Path) -> None:
    """R1-R8 under services, CSV and OneRoster imports (dry runs too), merges and their undo,
    un-enroll and its undo, classroom and teacher changes, access switches, deletes and
    restores of students, teachers and schools, enforcement modes, allocations, fix-plan apply
    and undo: after every step the ledger equals the recount."""
    LedgerMachine._tmp = str(tmp_path)  # type: ignore[attr-defined]
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


# --- the journal: every write path reaches the ledger ----------------------------------------


def _raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)


@pytest.mark.parametrize(
    ("change", "freed"),
    [
        ("UPDATE roster_classroom SET status = 'archived' WHERE id = %s", 3),  # R5
        ("UPDATE roster_classroom SET deleted_at = CURRENT_TIMESTAMP WHERE id = %s", 3),  # R5
        ("UPDATE roster_classroom SET primary_teacher_id = NULL WHERE id = %s", 3),  # R8
        ("DELETE FROM roster_enrollment WHERE classroom_id = %s", 3),  # R2
    ],
)
def test_a_raw_sql_change_is_journaled_and_synced(
    world_a: DistrictWorld, change: str, freed: int
) -> None:
    """Whatever writes to a counted table (here plain SQL, as the importer does), the database
    journals it and the next sync moves the ledger exactly."""
    w = world_a
    classroom = w.classrooms[0]
    with transaction.atomic():
        _raw(change, [classroom.pk])
        assert SeatJournal.objects.filter(district_id=w.district.pk).exists()
        delta = ledger.sync(w.district.pk)
    assert delta.freed() == {w.product.pk: freed}
    assert_ledger_exact(w.district)


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE roster_teacher SET deleted_at = CURRENT_TIMESTAMP WHERE id = %s",  # R5, R8
        'UPDATE seats_teacheraccess SET "on" = %s WHERE teacher_id = %s',  # R4
    ],
)
def test_teacher_and_access_changes_are_journaled(world_a: DistrictWorld, change: str) -> None:
    w = world_a
    t = w.teachers[0]
    with transaction.atomic():
        _raw(change, [False, t.pk] if "%s WHERE teacher_id" in change else [t.pk])
        delta = ledger.sync(w.district.pk)
    assert delta.freed() == {w.product.pk: 3}
    assert_ledger_exact(w.district)


def test_student_and_school_deletes_are_journaled(world_a: DistrictWorld) -> None:
    w = world_a
    with transaction.atomic():
        _raw(
            "UPDATE roster_student SET deleted_at = CURRENT_TIMESTAMP WHERE id = %s",
            [w.students[0].pk],
        )
        assert ledger.sync(w.district.pk).freed() == {w.product.pk: 1}
        _raw(
            "UPDATE orgs_school SET deleted_at = CURRENT_TIMESTAMP WHERE id = %s", [w.schools[1].pk]
        )
        assert ledger.sync(w.district.pk).freed() == {w.product.pk: 6}
    assert_ledger_exact(w.district)


def test_a_sync_folds_in_changes_another_district_left_unsynced(
    world_a: DistrictWorld, world_b: DistrictWorld
) -> None:
    """A forgotten sync elsewhere heals at the next sync instead of drifting."""
    with transaction.atomic():
        _raw("DELETE FROM roster_enrollment WHERE classroom_id = %s", [world_b.classrooms[0].pk])
        roster.enrollment_delete(
            scope=sys_scope(world_a.district),
            enrollment=Enrollment.objects.filter(classroom=world_a.classrooms[0]).first(),
        )
    assert_ledger_exact(world_a.district)
    assert_ledger_exact(world_b.district)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.ledger_unchecked
def test_postgres_refuses_to_commit_a_change_that_skipped_the_sync() -> None:
    """The safety net: a write path that forgets `sync()` cannot commit (no silent drift)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's deferred constraint trigger")
    w = make_world("net")
    before = Enrollment.objects.filter(district=w.district).count()
    with pytest.raises(IntegrityError, match="seat ledger not synced"), transaction.atomic():
        _raw("DELETE FROM roster_enrollment WHERE classroom_id = %s", [w.classrooms[0].pk])
    assert Enrollment.objects.filter(district=w.district).count() == before
    assert verify(w.district).ok


# --- hard enforcement on the counter ---------------------------------------------------------


def test_hard_mode_refuses_growth_with_the_same_error_and_writes_nothing(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    school = w.schools[0]
    seats.enforcement_set(
        scope=sys_scope(w.district), district=w.district, product=w.product, mode="hard"
    )
    seats.allocation_set(scope=sys_scope(w.district), school=school, product=w.product, seats=6)
    newcomer = roster.student_create(
        scope=sys_scope(w.district),
        district=w.district,
        first_name="New",
        last_name="Kid",
        school=school,
    )
    before = set(Seat.objects.values_list("id", flat=True))
    with pytest.raises(SeatkeeperError) as err:
        roster.enrollment_create(
            scope=w.scope("school_admin"), student=newcomer, classroom=w.classrooms[0]
        )
    assert err.value.code == "capacity_exceeded"
    assert err.value.status == 409
    assert err.value.message == (
        f"Hard enforcement: {school.name} has 6 Core seats and 6 are used; this change would use 7. "
        "Nothing was changed."
    )
    assert set(Seat.objects.values_list("id", flat=True)) == before
    assert not Enrollment.objects.filter(student=newcomer).exists()


# --- verify and repair -----------------------------------------------------------------------


def test_seats_verify_reports_a_difference_per_school_and_repair_fixes_it_audited(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    SeatCount.objects.filter(district=w.district, school=w.schools[0]).update(used=99)
    Seat.objects.filter(district=w.district, school=w.schools[1]).order_by("id").first().delete()
    out = io.StringIO()
    with pytest.raises(CommandError, match="differs from a recount") as err:
        call_command("seats", "verify", "--district", w.district.slug, stdout=out)
    assert err.value.returncode == 1
    text = out.getvalue()
    assert f"{w.schools[0].name} · core: recount 6, counter 99, rows 6" in text
    assert f"{w.schools[1].name} · core: recount 6, counter 6, rows 5, missing students" in text
    out = io.StringIO()
    call_command("seats", "verify", "--district", w.district.slug, "--repair", stdout=out)
    assert "repaired" in out.getvalue()
    entry = AuditEntry.objects.filter(action="seats.ledger.repaired").get()
    assert entry.data["old"]["ok"] is False
    assert entry.data["new"]["ok"] is True
    assert verify(w.district).ok
    out = io.StringIO()
    call_command("seats", "verify", stdout=out)
    assert "ledger equals the recount" in out.getvalue()


def test_rebuild_of_an_exact_ledger_changes_nothing(world_a: DistrictWorld) -> None:
    assert ledger.rebuild(world_a.district.pk).moved == {}
    assert_ledger_exact(world_a.district)


def test_capacity_by_date_stays_computed_from_purchases(world_a: DistrictWorld) -> None:
    """R7: the ledger holds used; capacity on a past or future day comes from purchases."""
    from seatkeeper.seats.selectors import usage_for_district

    w = world_a
    later = usage_for_district(
        scope=sys_scope(w.district), district=w.district, on=today() + dt.timedelta(days=400)
    )
    now = usage_for_district(scope=sys_scope(w.district), district=w.district)
    assert later.pool == 0
    assert now.pool == 100
    assert [s.used for s in later.schools] == [s.used for s in now.schools] == [6, 6]


# --- a first import: the whole district counted in one statement ---------------------------------


def _big_set(folder: Path, students: int) -> Path:
    """Two schools, four classes (one inactive: R5; one taught by a teacher whose access the
    test switches off: R4), `students` students in two classes each (R1: counted once)."""
    users = [FILES["users.csv"].splitlines()[0]]
    users += [
        "u1,active,,true,s1,teacher,tkim,,Tara,Kim,,T1,,,,,,",
        "u2,active,,true,s2,teacher,blee,,Ben,Lee,,T2,,,,,,",
    ]
    enr = [FILES["enrollments.csv"].splitlines()[0]]
    enr += [
        "e1,active,,c1,s1,u1,teacher,true,,",
        "e2,active,,c2,s1,u1,teacher,true,,",
        "e3,active,,c3,s2,u2,teacher,true,,",
        "e4,active,,c4,s2,u2,teacher,true,,",
    ]
    for k in range(students):
        school, pair = ("s1", ("c1", "c2")) if k % 3 else ("s2", ("c3", "c4"))
        users.append(f"p{k},active,,true,{school},student,st{k},,Kid{k},Park,,{5000 + k},,,,,07,")
        enr += [f"x{k}{c},active,,{c},{school},p{k},student,false,," for c in pair]
    classes = FILES["classes.csv"].splitlines()[:3] + [
        "c3,tobedeleted,,Math 7,07,co3,M7,scheduled,,s2,t1,,,",
        "c4,active,,Art 7,07,co4,A7,scheduled,,s2,t1,,,",
    ]
    return write_set(
        folder,
        **{
            "users.csv": "\n".join(users) + "\n",
            "enrollments.csv": "\n".join(enr) + "\n",
            "classes.csv": "\n".join(classes) + "\n",
        },
    )


def test_a_first_import_counts_the_district_in_one_statement_and_exactly(
    db: None, tmp_path: Path
) -> None:
    """R1, R4, R5: a district with no seat yet and a journal of >= BULK students is filled by one
    statement over its enrollments (no journal expansion), and the ledger equals the recount;
    the next big change goes through the journal again and stays exact."""
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    from seatkeeper.orgs.models import Product
    from seatkeeper.orgs.scoping import system_scope

    folder = _big_set(tmp_path / "set", ledger.BULK + 100)
    with CaptureQueriesContext(conn) as first:
        oneroster_import(scope=system_scope(), path=folder, district_slug="big")
    district = District.objects.get(slug="big")
    expand = [q["sql"] for q in first.captured_queries if "j.ref AS classroom_id" in q["sql"]]
    assert expand == []  # the first fill, not the journal expansion
    assert_ledger_exact(district)
    core = Product.objects.get(district=district, code="core")
    s1, s2 = (School.objects.get(district=district, sourced_id=s) for s in ("s1", "s2"))
    used = dict(
        SeatCount.objects.filter(district=district, product=core).values_list("school_id", "used")
    )
    n = ledger.BULK + 100
    assert used == {
        s1.pk: sum(1 for k in range(n) if k % 3),
        s2.pk: sum(1 for k in range(n) if not k % 3),
    }

    # R4: access off for the second school's teacher, then a re-import: through the journal
    blee = Teacher.objects.get(district=district, sourced_id="u2")
    roster.access_set(scope=system_scope(district), teacher=blee, product=core, on=False)
    assert_ledger_exact(district)
    assert SeatCount.objects.get(district=district, school=s2, product=core).used == 0
    oneroster_import(
        scope=system_scope(), path=_big_set(tmp_path / "set2", n + 100), district_slug="big"
    )
    assert_ledger_exact(district)
    assert SeatCount.objects.get(district=district, school=s1, product=core).used == sum(
        1 for k in range(n + 100) if k % 3
    )
