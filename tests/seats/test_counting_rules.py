"""Seat counting R1-R8: the selectors against a brute-force recount of the raw rows.

The hypothesis test draws random rosters (schools, two products, teachers with access ON/OFF or
no access row, archived/deleted classrooms, deleted students and teachers, duplicate accounts,
students enrolled at two schools, co-teachers with and without access, purchases in and out of
their term) and checks every figure the selectors give against a plain loop over the rows.
Named examples per rule follow, built through the services.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatkeeper.orgs.models import District, Product, Role, School
from seatkeeper.orgs.scoping import Scope
from seatkeeper.roster import services as roster
from seatkeeper.roster.models import (
    Classroom,
    ClassroomStatus,
    ClassroomTeacher,
    Enrollment,
    Student,
    Teacher,
)
from seatkeeper.roster.services import access_set
from seatkeeper.seats import ledger
from seatkeeper.seats import services as lic
from seatkeeper.seats.models import Allocation, Purchase, TeacherAccess
from seatkeeper.seats.selectors import (
    licensed_enrollments,
    seat_holders,
    usage_for_district,
    usage_for_school,
    used_by_school,
)
from seatkeeper.seats.services import product_create
from tests.factories import DistrictWorld, make_district, sys_scope, today

# --- the random roster ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TeacherSpec:
    school: int
    deleted: bool
    access: tuple[bool | None, bool | None]  # per product: ON, OFF, or no access row


@dataclass(frozen=True)
class ClassroomSpec:
    school: int
    primary: int | None
    co_teachers: frozenset[int]
    archived: bool
    deleted: bool


@dataclass(frozen=True)
class StudentSpec:
    school: int
    deleted: bool
    duplicate_of: int | None  # a second account of an earlier student (same name, R3)


@dataclass(frozen=True)
class PurchaseSpec:
    product: int
    school: int | None  # None: district pool
    seats: int
    starts: int  # days from today
    length: int
    deleted: bool


@dataclass(frozen=True)
class Roster:
    schools: int
    teachers: list[TeacherSpec]
    classrooms: list[ClassroomSpec]
    students: list[StudentSpec]
    enrollments: frozenset[tuple[int, int]]  # (student, classroom)
    purchases: list[PurchaseSpec]
    allocations: dict[tuple[int, int], int]  # (school, product) -> seats
    on: int  # the day asked about, in days from today


@st.composite
def rosters(draw: Any) -> Roster:
    n_schools = draw(st.integers(1, 3))
    school = st.integers(0, n_schools - 1)
    access = st.sampled_from([True, True, False, None])
    teachers = draw(
        st.lists(
            st.builds(
                TeacherSpec,
                school=school,
                deleted=st.sampled_from([False, False, False, True]),
                access=st.tuples(access, access),
            ),
            min_size=1,
            max_size=6,
        )
    )
    t_idx = st.integers(0, len(teachers) - 1)
    classrooms = draw(
        st.lists(
            st.builds(
                ClassroomSpec,
                school=school,
                primary=st.none() | t_idx,
                co_teachers=st.frozensets(t_idx, max_size=2),
                archived=st.sampled_from([False, False, False, True]),
                deleted=st.sampled_from([False, False, False, True]),
            ),
            min_size=1,
            max_size=8,
        )
    )
    n_students = draw(st.integers(1, 14))
    students = []
    for i in range(n_students):
        dup = draw(st.none() | st.integers(0, i - 1)) if i else None
        students.append(
            StudentSpec(
                school=draw(school),
                deleted=draw(st.sampled_from([False, False, False, True])),
                duplicate_of=dup,
            )
        )
    enrollments = draw(
        st.frozensets(
            st.tuples(st.integers(0, n_students - 1), st.integers(0, len(classrooms) - 1)),
            max_size=40,
        )
    )
    purchases = draw(
        st.lists(
            st.builds(
                PurchaseSpec,
                product=st.integers(0, 1),
                school=st.none() | school,
                seats=st.integers(0, 30),
                starts=st.integers(-400, 60),
                length=st.integers(0, 400),
                deleted=st.sampled_from([False, False, False, True]),
            ),
            max_size=5,
        )
    )
    allocations = draw(
        st.dictionaries(
            st.tuples(school, st.integers(0, 1)), st.integers(0, 25), max_size=2 * n_schools
        )
    )
    on = draw(st.sampled_from([0, 0, 0, -200, 100]))
    return Roster(
        n_schools, teachers, classrooms, students, enrollments, purchases, allocations, on
    )


@dataclass
class Built:
    district: District
    products: list[Product]
    schools: list[School]
    teachers: list[Teacher]
    classrooms: list[Classroom]
    students: list[Student]


def build(r: Roster, district: District, products: list[Product]) -> Built:
    """Write the roster as plain rows (leaf rows: no service logic is under test here)."""
    now = timezone.now()
    schools = School.objects.bulk_create(
        [School(district=district, name=f"School {i}") for i in range(r.schools)]
    )
    teachers = Teacher.objects.bulk_create(
        [
            Teacher(
                district=district,
                school=schools[t.school],
                first_name="T",
                last_name=str(i),
                deleted_at=now if t.deleted else None,
            )
            for i, t in enumerate(r.teachers)
        ]
    )
    TeacherAccess.objects.bulk_create(
        [
            TeacherAccess(district=district, teacher=teachers[i], product=products[p], on=on)
            for i, t in enumerate(r.teachers)
            for p, on in enumerate(t.access)
            if on is not None
        ]
    )
    classrooms = Classroom.objects.bulk_create(
        [
            Classroom(
                district=district,
                school=schools[c.school],
                name=f"C{i}",
                primary_teacher=teachers[c.primary] if c.primary is not None else None,
                status=ClassroomStatus.ARCHIVED if c.archived else ClassroomStatus.ACTIVE,
                archived_at=now if c.archived else None,
                deleted_at=now if c.deleted else None,
            )
            for i, c in enumerate(r.classrooms)
        ]
    )
    ClassroomTeacher.objects.bulk_create(
        [
            ClassroomTeacher(district=district, classroom=classrooms[i], teacher=teachers[t])
            for i, c in enumerate(r.classrooms)
            for t in c.co_teachers
            if t != c.primary
        ]
    )
    students = Student.objects.bulk_create(
        [
            Student(
                district=district,
                school=schools[s.school],
                first_name="S",
                last_name=str(s.duplicate_of if s.duplicate_of is not None else i),
                deleted_at=now if s.deleted else None,
            )
            for i, s in enumerate(r.students)
        ]
    )
    Enrollment.objects.bulk_create(
        [
            Enrollment(district=district, student=students[s], classroom=classrooms[c])
            for s, c in sorted(r.enrollments)
        ]
    )
    Purchase.objects.bulk_create(
        [
            Purchase(
                district=district,
                product=products[p.product],
                school=schools[p.school] if p.school is not None else None,
                seats=p.seats,
                starts_on=today() + dt.timedelta(days=p.starts),
                ends_on=today() + dt.timedelta(days=p.starts + p.length),
                deleted_at=now if p.deleted else None,
            )
            for p in r.purchases
        ]
    )
    Allocation.objects.bulk_create(
        [
            Allocation(district=district, school=schools[s], product=products[p], seats=n)
            for (s, p), n in r.allocations.items()
        ]
    )
    # Rows written straight to the tables, as a bulk loader would: the database journaled
    # them; the ledger sync folds them in (what every write path ends with).
    ledger.sync(district.pk)
    return Built(district, products, schools, teachers, classrooms, students)


# --- the brute-force recount, written from domain.md ---------------------------------------------


def recount_holders(r: Roster, school: int, product: int) -> dict[int, list[int]]:
    """student index -> licensed classroom indexes of `school` that give the student a seat."""
    holders: dict[int, list[int]] = defaultdict(list)
    for s, c in sorted(r.enrollments):
        room = r.classrooms[c]
        student = r.students[s]
        if room.school != school:
            continue
        if room.archived or room.deleted:  # R5
            continue
        if student.deleted:  # R5
            continue
        if room.primary is None:  # R8: only the primary teacher licenses a classroom
            continue
        teacher = r.teachers[room.primary]
        if teacher.deleted or teacher.access[product] is not True:  # R4
            continue
        holders[s].append(c)  # R1: counted once per student, however many classrooms
    return holders


def recount_used(r: Roster, school: int, product: int) -> int:
    return len(recount_holders(r, school, product))


def active(p: PurchaseSpec, on: int) -> bool:
    """R7: only purchases whose term contains the day add seats."""
    return not p.deleted and p.starts <= on <= p.starts + p.length


def recount_school_purchased(r: Roster, school: int, product: int) -> int:
    return sum(
        p.seats
        for p in r.purchases
        if p.product == product and p.school == school and active(p, r.on)
    )


def recount_pool(r: Roster, product: int) -> int:
    return sum(
        p.seats
        for p in r.purchases
        if p.product == product and p.school is None and active(p, r.on)
    )


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@SETTINGS
@given(r=rosters())
def test_r1_to_r8_selectors_equal_a_brute_force_recount(r: Roster) -> None:
    with transaction.atomic():
        district = District.objects.create(slug="hyp", name="Hyp")
        products = [
            Product.objects.create(district=district, code="core", name="Core"),
            Product.objects.create(district=district, code="ela", name="ELA"),
        ]
        b = build(r, district, products)
        # Noise in another district: must never leak into these figures.
        other = District.objects.create(slug="other", name="Other")
        build(r, other, [Product.objects.create(district=other, code=c, name=c) for c in "xy"])
        scope = sys_scope(district)
        on = today() + dt.timedelta(days=r.on)
        sid = {s.pk: i for i, s in enumerate(b.schools)}
        cid = {c.pk: i for i, c in enumerate(b.classrooms)}
        stid = {s.pk: i for i, s in enumerate(b.students)}

        for p, product in enumerate(products):
            expected_used = {i: recount_used(r, i, p) for i in range(r.schools)}
            got = used_by_school(district_id=district.pk, product_id=product.pk)
            assert {sid[k]: v for k, v in got.items()} == {
                i: n for i, n in expected_used.items() if n
            }
            assert licensed_enrollments(
                district_id=district.pk, product_id=product.pk
            ).count() == sum(
                len(c) for i in range(r.schools) for c in recount_holders(r, i, p).values()
            )

            usage = usage_for_district(scope=scope, district=district, product=product, on=on)
            assert usage.on == on
            assert [s.id for s in usage.schools] == [s.pk for s in b.schools]
            for row in usage.schools:
                i = sid[row.id]
                allocated = r.allocations.get((i, p), 0)
                bought = recount_school_purchased(r, i, p)
                assert (row.allocated, row.school_purchased, row.used) == (
                    allocated,
                    bought,
                    expected_used[i],
                )
                assert row.capacity == allocated + bought
                assert row.remaining == allocated + bought - expected_used[i]
                assert row.overallocated == (expected_used[i] > allocated + bought)
                one = usage_for_school(scope=scope, school=b.schools[i], product=product, on=on)
                assert one == row

                holders = seat_holders(scope=scope, school=b.schools[i], product=product)
                assert {
                    stid[h.student_id]: [cid[c] for c in h.classroom_ids] for h in holders
                } == recount_holders(r, i, p)

            pool = recount_pool(r, p)
            allocated_total = sum(n for (s, q), n in r.allocations.items() if q == p)
            school_bought = sum(recount_school_purchased(r, i, p) for i in range(r.schools))
            d = usage.as_dict()
            assert d["purchased"] == pool + school_bought
            assert d["allocated"] == allocated_total
            assert d["unallocated"] == pool - allocated_total
            assert d["used"] == sum(expected_used.values())
            assert d["overallocated"] == (sum(expected_used.values()) > pool + school_bought)

            # A school admin of the first school sees that school only, with the same figures.
            sa = Scope(
                user=None,
                role=Role.SCHOOL_ADMIN,
                district_id=district.pk,
                school_ids=frozenset([b.schools[0].pk]),
            )
            mine = usage_for_district(scope=sa, district=district, product=product, on=on)
            assert mine.schools == [usage.schools[0]]
        transaction.set_rollback(True)


# --- named examples, built through the services --------------------------------------------------


def used(w: DistrictWorld, school: School | None = None, product: Product | None = None) -> int:
    school = school or w.schools[0]
    return used_by_school(
        district_id=w.district.pk, product_id=(product or w.product).pk, school_ids=[school.pk]
    ).get(school.pk, 0)


def add_classroom(w: DistrictWorld, school: School, teacher: Teacher, name: str) -> Classroom:
    return roster.classroom_create(
        scope=sys_scope(w.district), school=school, name=name, term=w.term, primary_teacher=teacher
    )


def add_student(w: DistrictWorld, name: str, classroom: Classroom | None = None) -> Student:
    return roster.student_create(
        scope=sys_scope(w.district),
        district=w.district,
        school=w.schools[0],
        first_name=name,
        last_name="Example",
        classroom=classroom,
    )


def enroll(w: DistrictWorld, student: Student, classroom: Classroom) -> None:
    roster.enrollment_create(scope=sys_scope(w.district), student=student, classroom=classroom)


def test_r1_student_in_several_licensed_classrooms_of_a_school_counts_once(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    student = w.students[0]  # in Class 00
    assert used(w) == 6
    enroll(w, student, w.classrooms[1])  # Class 01, same school, licensed
    assert used(w) == 6
    holders = seat_holders(scope=sys_scope(w.district), school=w.schools[0], product=w.product)
    mine = [h for h in holders if h.student_id == student.pk]
    assert mine[0].classroom_ids == (w.classrooms[0].pk, w.classrooms[1].pk)


def test_r2_student_in_no_licensed_classroom_takes_no_seat_and_unenroll_keeps_account(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    add_student(w, "Lonely")
    assert used(w) == 6
    student = w.students[0]
    roster.student_unenroll(scope=sys_scope(w.district), student=student)
    assert used(w) == 5
    assert Student.objects.filter(pk=student.pk, deleted_at__isnull=True).exists()
    enroll(w, student, w.classrooms[0])
    assert used(w) == 6


def test_r3_two_enrolled_duplicate_accounts_take_two_seats(world_a: DistrictWorld) -> None:
    w = world_a
    first = add_student(w, "Katherine", w.classrooms[0])
    add_student(w, "Katherine", w.classrooms[0])  # the same child, second account
    assert used(w) == 8
    roster.student_delete(scope=sys_scope(w.district), student=first)
    assert used(w) == 7


def test_r4_access_off_stops_counting_unless_in_another_licensed_classroom(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    both = w.students[0]  # Class 00 (teacher 0)
    enroll(w, both, w.classrooms[1])  # also Class 01 (teacher 1)
    assert used(w) == 6
    access_set(scope=sys_scope(w.district), teacher=w.teachers[0], product=w.product, on=False)
    # Class 00's three students: two drop at once, `both` stays through Class 01.
    assert used(w) == 4
    access_set(scope=sys_scope(w.district), teacher=w.teachers[0], product=w.product, on=True)
    assert used(w) == 6


def test_r5_archived_and_deleted_classrooms_and_deleted_students_count_nothing(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    scope = sys_scope(w.district)
    roster.classroom_archive(scope=scope, classroom=w.classrooms[0])
    assert used(w) == 3
    roster.classroom_delete(scope=scope, classroom=w.classrooms[1])
    assert used(w) == 0
    roster.classroom_restore(scope=scope, classroom=w.classrooms[1])
    assert used(w) == 3
    roster.student_delete(scope=scope, student=w.students[3])
    assert used(w) == 2
    roster.student_restore(scope=scope, student=w.students[3])
    roster.classroom_restore(scope=scope, classroom=w.classrooms[0])
    assert used(w) == 6  # soft delete lost nothing
    assert Enrollment.objects.filter(classroom__in=w.classrooms[:2]).count() == 6


def test_r6_student_in_licensed_classrooms_of_two_schools_takes_a_seat_at_each(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    mover = w.students[0]  # school 1
    enroll(w, mover, w.classrooms[2])  # a classroom of school 2
    assert (used(w, w.schools[0]), used(w, w.schools[1])) == (6, 7)
    usage = usage_for_district(scope=sys_scope(w.district), district=w.district)
    assert usage.used == 13


def test_r7_only_purchases_whose_term_contains_the_day_add_capacity(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    scope = sys_scope(w.district)
    t = today()
    lic.purchase_create(
        scope=scope,
        district=w.district,
        product=w.product,
        school=w.schools[0],
        seats=7,
        starts_on=t - dt.timedelta(days=400),
        ends_on=t - dt.timedelta(days=1),
    )
    lic.purchase_create(
        scope=scope,
        district=w.district,
        product=w.product,
        school=w.schools[0],
        seats=5,
        starts_on=t,
        ends_on=t,
    )
    lic.purchase_create(
        scope=scope,
        district=w.district,
        product=w.product,
        seats=1000,
        starts_on=t + dt.timedelta(days=1),
        ends_on=t + dt.timedelta(days=300),
    )
    usage = usage_for_district(scope=scope, district=w.district)
    assert (usage.schools[0].school_purchased, usage.schools[0].capacity) == (5, 25)
    assert (usage.pool, usage.purchased, usage.unallocated) == (100, 105, 60)
    tomorrow = usage_for_district(scope=scope, district=w.district, on=t + dt.timedelta(days=1))
    assert (tomorrow.schools[0].capacity, tomorrow.pool) == (20, 1100)


def test_r7_allocations_never_exceed_the_active_pool(world_a: DistrictWorld) -> None:
    w = world_a
    with pytest.raises(lic.PoolExceeded):
        lic.allocation_set(
            scope=sys_scope(w.district), school=w.schools[0], product=w.product, seats=81
        )
    assert Allocation.objects.get(school=w.schools[0], product=w.product).seats == 20
    lic.allocation_set(
        scope=sys_scope(w.district), school=w.schools[0], product=w.product, seats=80
    )
    usage = usage_for_district(scope=sys_scope(w.district), district=w.district)
    assert (usage.allocated, usage.unallocated) == (100, 0)


def test_r8_co_teachers_do_not_change_whether_a_classroom_is_licensed(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    scope = sys_scope(w.district)
    school = w.schools[0]
    off = roster.teacher_create(
        scope=scope, district=w.district, school=school, first_name="Off", last_name="Primary"
    )
    access_set(scope=scope, teacher=off, product=w.product, on=False)
    on_co = w.teachers[0]  # access ON
    room = roster.classroom_create(
        scope=scope, school=school, name="Co-taught", primary_teacher=off, co_teachers=[on_co]
    )
    newcomer = add_student(w, "Newcomer", room)
    assert used(w) == 6  # an ON co-teacher does not license it
    room2 = roster.classroom_create(
        scope=scope, school=school, name="Co-taught 2", primary_teacher=on_co, co_teachers=[off]
    )
    enroll(w, newcomer, room2)
    assert used(w) == 7  # an OFF co-teacher does not unlicense it


def test_second_product_is_counted_separately(world_a: DistrictWorld) -> None:
    w = world_a
    scope = sys_scope(w.district)
    ela = product_create(scope=scope, district=w.district, code="ela", name="ELA")
    assert used(w, product=ela) == 6  # new_teacher_access default ON for every teacher
    access_set(scope=scope, teacher=w.teachers[0], product=ela, on=False)
    assert (used(w, product=ela), used(w)) == (3, 6)


def test_other_districts_never_leak_into_usage(world_a: DistrictWorld) -> None:
    make_district("zz", schools=1)
    usage = usage_for_district(scope=sys_scope(world_a.district), district=world_a.district)
    assert [s.name for s in usage.schools] == ["A School 1", "A School 2"]
    assert (usage.purchased, usage.allocated, usage.used) == (100, 40, 12)
