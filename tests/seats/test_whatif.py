"""The what-if model predicts exactly what the services do to the ledger (issue 13, item 4).

For random changes on a world with overlapping enrollments (R1), R6 students and duplicates
(R3), the seats the model says a change frees per school equal the ledger's counters moved by
the service that makes it.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatkeeper.dedup import services as dedup
from seatkeeper.errors import NotFound
from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Classroom, Enrollment
from seatkeeper.seats import whatif
from seatkeeper.seats.selectors import (
    seat_facts,
    seats_of_students,
    used_by_school,
)
from seatkeeper.seats.whatif import Change, SeatModel, freed_by_merge
from tests.factories import make_world, sys_scope


def _crosslink(w) -> None:  # type: ignore[no-untyped-def]
    """Overlaps: students in two classrooms of a school (R1) and at both schools (R6)."""
    scope = sys_scope(w.district)
    for student, classroom in (
        (w.students[0], w.classrooms[1]),
        (w.students[1], w.classrooms[2]),
        (w.students[4], w.classrooms[3]),
        (w.students[7], w.classrooms[0]),
    ):
        roster.enrollment_create(scope=scope, student=student, classroom=classroom)


def _used(w) -> dict[int, int]:  # type: ignore[no-untyped-def]
    return used_by_school(district_id=w.district.pk, product_id=w.product.pk)


CHANGES = st.one_of(
    st.tuples(st.just(whatif.ACCESS_OFF), st.integers(0, 3)),
    st.tuples(st.just(whatif.UNENROLL_CLASSROOM), st.integers(0, 3)),
    st.tuples(st.just(whatif.UNENROLL_AT), st.integers(0, 11), st.integers(0, 1)),
    st.tuples(st.just(whatif.DELETE_STUDENT), st.integers(0, 11)),
    st.tuples(st.just(whatif.MERGE), st.integers(0, 11), st.integers(0, 11)),
)


@pytest.mark.django_db
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=st.lists(CHANGES, min_size=1, max_size=6))
def test_model_predicts_the_ledger_after_the_services(changes: list[tuple]) -> None:  # type: ignore[type-arg]
    with transaction.atomic():
        w = make_world("wi")
        _crosslink(w)
        scope = sys_scope(w.district)
        schools = [s.pk for s in w.schools]
        model = SeatModel(
            seat_facts(district_id=w.district.pk, product_id=w.product.pk, school_ids=schools)
        )
        for change in changes:
            before = _used(w)
            kind = change[0]
            if kind == whatif.ACCESS_OFF:
                t = w.teachers[change[1]]
                ch = Change(kind, (t.pk,))
                roster.access_set(scope=scope, teacher=t, product=w.product, on=False)
            elif kind == whatif.UNENROLL_CLASSROOM:
                c = Classroom.objects.get(pk=w.classrooms[change[1]].pk)
                ch = Change(kind, (c.pk,))
                roster.classroom_unenroll_all(scope=scope, classroom=c)
                roster.classroom_archive(scope=scope, classroom=c)
            elif kind == whatif.UNENROLL_AT:
                s, school = w.students[change[1]], w.schools[change[2]]
                ch = Change(kind, (s.pk, school.pk))
                narrow = replace(scope, school_ids=frozenset([school.pk]))
                with contextlib.suppress(NotFound):  # not a student there: nothing to un-enroll
                    roster.student_unenroll(scope=narrow, student=s)
            elif kind == whatif.DELETE_STUDENT:
                s = w.students[change[1]]
                ch = Change(kind, (s.pk,))
                roster.student_delete(scope=scope, student=s)
            else:
                keeper, other = w.students[change[1]], w.students[change[2]]
                alive = {
                    pk
                    for pk in (keeper.pk, other.pk)
                    if not type(keeper).objects.get(pk=pk).deleted_at
                }
                if keeper.pk == other.pk or alive != {keeper.pk, other.pk}:
                    continue
                ch = Change(kind, (keeper.pk, (other.pk,)))
                seats = seats_of_students(
                    district_id=w.district.pk, student_ids=[keeper.pk, other.pk]
                )
                expected = freed_by_merge(seats, [keeper.pk, other.pk])
                result = dedup.students_merge(scope=scope, keeper=keeper, others=[other])
                assert result.seats_freed == expected  # R3: the selectors' figure is the merge's
            predicted = model.apply(ch)
            after = _used(w)
            moved = {s: before.get(s, 0) - after.get(s, 0) for s in schools}
            assert {s: predicted.get(s, 0) for s in schools} == moved
            assert {s: model.used.get(s, 0) for s in schools} == {
                s: after.get(s, 0) for s in schools
            }
        transaction.set_rollback(True)


def test_school_page_figures_come_from_the_model(world_a) -> None:  # type: ignore[no-untyped-def]
    """Freed-if-off (R4) and only-here (R1) figures, checked by doing the change."""
    from seatkeeper.roster.selectors import classroom_rows, teacher_seats

    w = world_a
    _crosslink(w)
    scope = sys_scope(w.district)
    school = w.schools[0]
    by_teacher = {
        r.teacher.pk: r for r in teacher_seats(scope=scope, school=school, product=w.product)
    }
    by_room = {
        r.classroom.pk: r for r in classroom_rows(scope=scope, school=school, product=w.product)
    }
    t0, c0 = w.teachers[0], w.classrooms[0]
    assert (by_teacher[t0.pk].seats_held, by_teacher[t0.pk].freed_if_off) == (4, 3)
    assert (by_room[c0.pk].seats_held, by_room[c0.pk].seats_only_here) == (4, 3)
    with transaction.atomic():
        _, effect = roster.access_switch(scope=scope, teacher=t0, product=w.product, on=False)
        assert effect.seats_freed == {"core": 3}
        transaction.set_rollback(True)
    effect = roster.classroom_unenroll_all(scope=scope, classroom=c0)
    assert effect.seats_freed == {"core": 3}
    assert Enrollment.objects.filter(classroom=c0).count() == 0
