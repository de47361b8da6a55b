"""Enforcement per district and product: soft, hard, grace; and "teachers may create students".

World A, school 1: capacity 20, 6 used. Each test squeezes the allocation to what it needs.
"""

from __future__ import annotations

import datetime as dt

import pytest

from seatkeeper.errors import Forbidden, NotFound
from seatkeeper.orgs import services as orgs
from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Student
from seatkeeper.roster.services import access_set
from seatkeeper.seats import services as lic
from seatkeeper.seats.errors import CapacityExceeded
from seatkeeper.seats.selectors import effective_mode, usage_for_school
from tests.audit.dbstate import db_state
from tests.factories import DistrictWorld, sys_scope, today


def squeeze(w: DistrictWorld, seats: int, mode: str, grace: dt.date | None = None) -> None:
    """Set school 1's allocation to `seats`, then the enforcement mode."""
    scope = sys_scope(w.district)
    lic.allocation_set(scope=scope, school=w.schools[0], product=w.product, seats=seats)
    lic.enforcement_set(
        scope=scope, district=w.district, product=w.product, mode=mode, grace_until=grace
    )


def usage0(w: DistrictWorld) -> tuple[int, int, bool]:
    u = usage_for_school(scope=sys_scope(w.district), school=w.schools[0], product=w.product)
    return u.capacity, u.used, u.overallocated


def new_student(w: DistrictWorld, name: str = "New") -> Student:
    return roster.student_create(
        scope=sys_scope(w.district),
        district=w.district,
        school=w.schools[0],
        first_name=name,
        last_name="Student",
    )


def test_soft_lets_the_change_through_and_flags_the_school(world_a: DistrictWorld) -> None:
    w = world_a
    squeeze(w, 6, "soft")
    s = new_student(w)
    roster.enrollment_create(scope=w.scope("school_admin"), student=s, classroom=w.classrooms[0])
    assert usage0(w) == (6, 7, True)


def test_hard_refuses_naming_school_product_capacity_and_used(world_a: DistrictWorld) -> None:
    w = world_a
    squeeze(w, 6, "hard")
    s = new_student(w)
    before = db_state()
    with pytest.raises(CapacityExceeded) as exc:
        roster.enrollment_create(
            scope=w.scope("school_admin"), student=s, classroom=w.classrooms[0]
        )
    err = exc.value
    assert err.extra == {
        "school": "A School 1",
        "school_id": w.schools[0].pk,
        "product": "core",
        "capacity": 6,
        "used": 6,
    }
    assert "A School 1" in err.message
    assert "Core" in err.message
    assert "6" in err.message
    assert "Nothing was changed" in err.message
    assert db_state() == before


def test_hard_refuses_creating_a_student_into_a_full_classroom_and_writes_nothing(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    squeeze(w, 6, "hard")
    before = db_state()
    with pytest.raises(CapacityExceeded):
        roster.student_create(
            scope=w.scope("school_admin"),
            district=w.district,
            first_name="No",
            last_name="Room",
            classroom=w.classrooms[0],
        )
    assert db_state() == before


def test_hard_allows_the_last_seat_then_refuses(world_a: DistrictWorld) -> None:
    w = world_a
    squeeze(w, 7, "hard")
    sa = w.scope("school_admin")
    roster.enrollment_create(scope=sa, student=new_student(w, "A"), classroom=w.classrooms[0])
    assert usage0(w) == (7, 7, False)
    with pytest.raises(CapacityExceeded):
        roster.enrollment_create(scope=sa, student=new_student(w, "B"), classroom=w.classrooms[0])


def test_hard_always_allows_changes_that_lower_or_keep_usage(world_a: DistrictWorld) -> None:
    w = world_a
    squeeze(w, 3, "soft")  # already over capacity when hard mode starts
    lic.enforcement_set(
        scope=sys_scope(w.district), district=w.district, product=w.product, mode="hard"
    )
    sa = w.scope("school_admin")
    assert usage0(w) == (3, 6, True)
    # A student who already holds a seat here may join another licensed classroom (R1).
    roster.enrollment_create(scope=sa, student=w.students[0], classroom=w.classrooms[1])
    assert usage0(w) == (3, 6, True)
    roster.student_unenroll(scope=sa, student=w.students[1])
    roster.classroom_archive(scope=sa, classroom=w.classrooms[1])
    access_set(scope=sa, teacher=w.teachers[0], product=w.product, on=False)
    assert usage0(w) == (3, 0, False)


@pytest.mark.parametrize("change", ["access_on", "classroom_restore", "student_restore"])
def test_hard_refuses_every_kind_of_change_that_raises_usage(
    world_a: DistrictWorld, change: str
) -> None:
    w = world_a
    sa = w.scope("school_admin")
    if change == "access_on":
        access_set(scope=sa, teacher=w.teachers[0], product=w.product, on=False)
    elif change == "classroom_restore":
        roster.classroom_archive(scope=sa, classroom=w.classrooms[0])
    else:
        roster.student_delete(scope=sa, student=w.students[0])
    squeeze(w, usage0(w)[1], "hard")  # full
    undo = {
        "access_on": lambda: access_set(
            scope=sa, teacher=w.teachers[0], product=w.product, on=True
        ),
        "classroom_restore": lambda: roster.classroom_restore(scope=sa, classroom=w.classrooms[0]),
        "student_restore": lambda: roster.student_restore(scope=sa, student=w.students[0]),
    }[change]
    before = db_state()
    with pytest.raises(CapacityExceeded):
        undo()
    assert db_state() == before


def test_grace_is_soft_until_its_date_inclusive(world_a: DistrictWorld) -> None:
    w = world_a
    squeeze(w, 6, "grace", grace=today())
    assert effective_mode(district_id=w.district.pk, product_id=w.product.pk) == "soft"
    roster.enrollment_create(
        scope=w.scope("school_admin"), student=new_student(w), classroom=w.classrooms[0]
    )
    assert usage0(w) == (6, 7, True)
    tomorrow = today() + dt.timedelta(days=1)
    assert effective_mode(district_id=w.district.pk, product_id=w.product.pk, on=tomorrow) == "hard"


def test_grace_is_hard_after_its_date(world_a: DistrictWorld) -> None:
    w = world_a
    squeeze(w, 6, "grace", grace=today() - dt.timedelta(days=1))
    s = new_student(w)
    before = db_state()
    with pytest.raises(CapacityExceeded):
        roster.enrollment_create(
            scope=w.scope("school_admin"), student=s, classroom=w.classrooms[0]
        )
    assert db_state() == before


def test_hard_refuses_an_allocation_decrease_below_used(world_a: DistrictWorld) -> None:
    w = world_a
    squeeze(w, 20, "hard")
    da = w.scope("district_admin")
    lic.allocation_set(scope=da, school=w.schools[0], product=w.product, seats=6)  # == used: fine
    before = db_state()
    with pytest.raises(CapacityExceeded) as exc:
        lic.allocation_set(scope=da, school=w.schools[0], product=w.product, seats=5)
    assert (exc.value.extra["capacity"], exc.value.extra["used"]) == (6, 6)
    assert db_state() == before
    with pytest.raises(CapacityExceeded):
        lic.allocation_move(
            scope=da, product=w.product, from_school=w.schools[0], to_school=w.schools[1], seats=1
        )
    assert db_state() == before


def test_soft_allows_an_allocation_decrease_below_used(world_a: DistrictWorld) -> None:
    w = world_a
    squeeze(w, 2, "soft")
    assert usage0(w) == (2, 6, True)


# --- "teachers may create students": district setting, a school may only tighten --------------------


def teacher_creates(w: DistrictWorld) -> Student:
    return roster.student_create(
        scope=w.scope("teacher"),
        district=w.district,
        first_name="By",
        last_name="Teacher",
        classroom=w.classrooms[0],
    )


def test_teacher_creates_a_student_into_own_classroom_when_allowed(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    s = teacher_creates(w)
    assert s.created_by == w.users["teacher"]
    assert list(s.enrollments.values_list("classroom_id", flat=True)) == [w.classrooms[0].pk]


def test_teacher_may_not_create_into_another_teachers_classroom(world_a: DistrictWorld) -> None:
    w = world_a
    before = db_state()
    with pytest.raises(NotFound):  # not one of the teacher's classrooms: not even visible
        roster.student_create(
            scope=w.scope("teacher"),
            district=w.district,
            first_name="X",
            last_name="Y",
            classroom=w.classrooms[1],
        )
    assert db_state() == before


def test_district_setting_off_stops_teachers_creating_students(world_a: DistrictWorld) -> None:
    w = world_a
    orgs.district_settings_update(
        scope=w.scope("district_admin"), district=w.district, teachers_may_create_students=False
    )
    w.district.refresh_from_db()
    before = db_state()
    with pytest.raises(Forbidden) as exc:
        teacher_creates(w)
    assert "A School 1" in exc.value.message
    assert db_state() == before


def test_school_may_tighten_the_district_setting(world_a: DistrictWorld) -> None:
    w = world_a
    orgs.school_update(
        scope=w.scope("district_admin"), school=w.schools[0], teachers_may_create_students=False
    )
    before = db_state()
    with pytest.raises(Forbidden):
        teacher_creates(w)
    assert db_state() == before


def test_school_cannot_loosen_the_district_setting(world_a: DistrictWorld) -> None:
    w = world_a
    da = w.scope("district_admin")
    orgs.district_settings_update(scope=da, district=w.district, teachers_may_create_students=False)
    school = orgs.school_update(scope=da, school=w.schools[0], teachers_may_create_students=True)
    assert school.teachers_may_create_students is None  # follows the district
    w.district.refresh_from_db()
    with pytest.raises(Forbidden):
        teacher_creates(w)
