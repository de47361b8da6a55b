"""Hard enforcement under concurrency: many enrollments race for the last seat, one wins.

Runs on PostgreSQL (row locks on the allocation) and on SQLite (BEGIN IMMEDIATE serialises
writers). Each thread uses its own connection and closes it.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Enrollment
from seatkeeper.seats import services as lic
from seatkeeper.seats.errors import CapacityExceeded
from seatkeeper.seats.selectors import usage_for_school
from tests.factories import make_world, sys_scope

THREADS = 10


@pytest.mark.django_db(transaction=True)
def test_hard_mode_concurrent_enrollments_exactly_one_takes_the_last_seat() -> None:
    w = make_world("race")
    scope = sys_scope(w.district)
    school, room = w.schools[0], w.classrooms[0]
    lic.allocation_set(scope=scope, school=school, product=w.product, seats=7)  # 6 used
    lic.enforcement_set(scope=scope, district=w.district, product=w.product, mode="hard")
    racers = [
        roster.student_create(
            scope=scope, district=w.district, school=school, first_name=f"R{i}", last_name="Race"
        )
        for i in range(THREADS)
    ]
    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    lock = threading.Lock()

    def enroll(student_id: int) -> None:
        try:
            student = type(racers[0]).objects.get(pk=student_id)
            barrier.wait(timeout=30)
            try:
                roster.enrollment_create(scope=scope, student=student, classroom=room)
                outcome = "ok"
            except CapacityExceeded:
                outcome = "refused"
            except Exception as exc:  # reported, so a lock error fails the test clearly
                outcome = f"error: {exc!r}"
            with lock:
                results.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=enroll, args=(s.pk,)) for s in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert sorted(results) == ["ok"] + ["refused"] * (THREADS - 1)
    usage = usage_for_school(scope=scope, school=school, product=w.product)
    assert (usage.used, usage.capacity) == (7, 7)
    assert Enrollment.objects.filter(classroom=room, student__in=racers).count() == 1
