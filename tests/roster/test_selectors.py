"""roster.selectors: per-teacher, per-classroom and per-student seat figures, in bulk."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from seatkeeper.roster import services as roster
from seatkeeper.roster.selectors import classroom_rows, student_page, teacher_seats
from seatkeeper.roster.services import access_set
from seatkeeper.seats.selectors import usage_for_school
from tests.factories import sys_scope


def test_r4_freed_if_off_counts_students_in_no_other_licensed_classroom(world_a) -> None:  # type: ignore[no-untyped-def]
    scope = sys_scope(world_a.district)
    school, product = world_a.schools[0], world_a.product
    t0 = world_a.teachers[0]
    roster.enrollment_create(
        scope=scope, student=world_a.students[0], classroom=world_a.classrooms[1]
    )
    rows = {r.teacher.pk: r for r in teacher_seats(scope=scope, school=school, product=product)}
    assert (rows[t0.pk].seats_held, rows[t0.pk].freed_if_off, rows[t0.pk].classrooms) == (3, 2, 1)
    before = usage_for_school(scope=scope, school=school, product=product).used
    access_set(scope=scope, teacher=t0, product=product, on=False)
    after = usage_for_school(scope=scope, school=school, product=product).used
    assert before - after == 2
    rows = {r.teacher.pk: r for r in teacher_seats(scope=scope, school=school, product=product)}
    assert (rows[t0.pk].access_on, rows[t0.pk].seats_held) == (False, 0)


def test_classroom_rows_seats_held_and_only_here(world_a) -> None:  # type: ignore[no-untyped-def]
    scope = sys_scope(world_a.district)
    school, product = world_a.schools[0], world_a.product
    roster.enrollment_create(
        scope=scope, student=world_a.students[0], classroom=world_a.classrooms[1]
    )
    rows = classroom_rows(scope=scope, school=school, product=product)
    assert [(r.classroom.name, r.enrolled, r.seats_held, r.seats_only_here) for r in rows] == [
        ("Class 00", 3, 3, 2),
        ("Class 01", 4, 4, 3),
    ]


def test_r5_deleted_student_holds_no_seat_and_is_listed_as_deleted(world_a) -> None:  # type: ignore[no-untyped-def]
    scope = sys_scope(world_a.district)
    school, product = world_a.schools[0], world_a.product
    st = world_a.students[0]
    roster.student_delete(scope=scope, student=st)
    page = student_page(scope=scope, school=school, product=product)
    assert st.pk not in [r.student.pk for r in page.rows]
    deleted = student_page(scope=scope, school=school, product=product, deleted=True)
    assert [(r.student.pk, r.seat_held, r.classrooms) for r in deleted.rows] == [
        (st.pk, False, ["Class 00"])
    ]


def test_student_page_query_count_does_not_grow_with_rows(world_a) -> None:  # type: ignore[no-untyped-def]
    scope = sys_scope(world_a.district)
    school, product = world_a.schools[0], world_a.product
    with CaptureQueriesContext(connection) as small:
        student_page(scope=scope, school=school, product=product, per_page=2)
    with CaptureQueriesContext(connection) as large:
        student_page(scope=scope, school=school, product=product, per_page=50)
    assert len(small) == len(large) == 4
