"""Plan, apply, undo on random rosters built through the services (hypothesis).

Proofs: applying yields exactly the counts the preview showed (for any selection of steps);
apply then undo gives back the original state; every audit row of one apply shares its batch.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seatkeeper.audit.models import AuditEntry
from seatkeeper.errors import Forbidden, NotFound
from seatkeeper.fixes import services
from seatkeeper.fixes.models import FixPlan, PlanStatus
from seatkeeper.fixes.selectors import get_fix_plan_for
from seatkeeper.orgs.models import Product, School
from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Classroom, Enrollment, Student
from seatkeeper.seats import services as lic
from seatkeeper.seats.selectors import usage_for_district
from tests.factories import DistrictWorld, make_district, sys_scope, today
from tests.fixes.snapshots import state


def build(seed: int, slug: str = "r") -> tuple[object, Product]:
    rng = random.Random(seed)
    district = make_district(slug, schools=rng.randint(2, 3), pool=200, allocate=0)
    scope = sys_scope(district)
    product = Product.objects.get(district=district, code="core")
    schools = list(School.objects.filter(district=district).order_by("id"))
    now = timezone.now()
    term = roster.term_create(
        scope=scope,
        district=district,
        name="Now",
        starts_on=today() - dt.timedelta(days=60),
        ends_on=today() + dt.timedelta(days=200),
    )
    old = roster.term_create(
        scope=scope,
        district=district,
        name="Last year",
        starts_on=dt.date(2025, 8, 18),
        ends_on=dt.date(2026, 6, 12),
    )
    rooms = []
    for si, school in enumerate(schools):
        for k in range(rng.randint(1, 3)):
            t = roster.teacher_create(
                scope=scope,
                district=district,
                school=school,
                first_name=f"T{si}{k}",
                last_name="Teacher",
            )
            stale = rng.random() < 0.4
            c = roster.classroom_create(
                scope=scope,
                school=school,
                name=f"C{si}{k}",
                term=old if stale else term,
                primary_teacher=t,
            )
            Classroom.objects.filter(pk=c.pk).update(
                last_activity_at=now - dt.timedelta(days=150 if stale else 1)
            )
            rooms.append(c)
    for n in range(rng.randint(2, 12)):
        mine = rng.sample(rooms, rng.randint(1, min(3, len(rooms))))
        s = roster.student_create(
            scope=scope,
            district=district,
            school=mine[0].school,
            first_name=f"Kid{n}",
            last_name=f"Family{n}",
            classroom=mine[0],
        )
        for c in mine[1:]:
            roster.enrollment_create(scope=scope, student=s, classroom=c)
        days = 200 if rng.random() < 0.3 else 1
        Student.objects.filter(pk=s.pk).update(last_sign_in_at=now - dt.timedelta(days=days))
        if rng.random() < 0.2:  # a second account of the same student (R3)
            d2 = roster.student_create(
                scope=scope,
                district=district,
                school=mine[0].school,
                first_name=f"Kid{n}",
                last_name=f"Family{n}",
                classroom=rng.choice(rooms),
            )
            Student.objects.filter(pk=d2.pk).update(last_sign_in_at=now - dt.timedelta(days=2))
    usage = usage_for_district(scope=scope, district=district, product=product)
    total = 0
    for s in usage.schools:
        seats = max(0, s.used + rng.randint(-5, 3))
        lic.allocation_set(
            scope=scope, school=School.objects.get(pk=s.id), product=product, seats=seats
        )
        total += seats
    return district, product


def counts(district: object, product: Product) -> dict[int, tuple[int, int]]:
    u = usage_for_district(scope=sys_scope(district), district=district, product=product)  # type: ignore[arg-type]
    return {s.id: (s.capacity, s.used) for s in u.schools}


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(0, 10**6), st.data())
def test_apply_yields_the_previewed_counts_and_undo_restores_state(
    seed: int, data: st.DataObject
) -> None:
    with transaction.atomic():
        district, product = build(seed)
        scope = sys_scope(district)
        fix = services.plan_create(scope=scope, district=district, product=product)
        n = len(fix.actions)
        chosen = sorted(data.draw(st.sets(st.integers(0, n - 1))) if n else set())
        preview = services.plan_preview(scope=scope, fix=fix, steps=chosen)
        assert preview["stale"] is False
        snap = state(district.pk)
        mark = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
        applied = services.plan_apply(scope=scope, fix=fix, steps=chosen)
        got = counts(district, product)
        for row in preview["schools"]:
            assert got[row["id"]] == (row["after"]["capacity"], row["after"]["used"])
        assert applied["schools"] == preview["schools"]
        fix.refresh_from_db()
        rows = AuditEntry.objects.filter(id__gt=mark)
        assert {r.batch for r in rows} == {fix.batch}
        if not chosen or n == len(chosen):
            before = {s["id"]: s["after"]["remaining"] for s in fix.plan["schools"]}
            assert {u["school"] for u in fix.plan["unresolved"]} == {
                s for s, r in before.items() if r < 0
            }
        services.plan_undo(scope=scope, fix=fix)
        assert state(district.pk) == snap
        transaction.set_rollback(True)


def test_apply_refuses_when_the_roster_changed_and_changes_nothing(world_a: DistrictWorld) -> None:
    w = world_a
    scope = sys_scope(w.district)
    lic.allocation_set(scope=scope, school=w.schools[0], product=w.product, seats=4)
    fix = services.plan_create(scope=scope, district=w.district, product=w.product)
    assert fix.plan["steps"]
    assert fix.plan["unresolved"] == []
    roster.student_create(
        scope=scope,
        district=w.district,
        school=w.schools[0],
        first_name="New",
        last_name="Kid",
        classroom=w.classrooms[0],
    )
    snap = state(w.district.pk)
    with pytest.raises(services.PlanStale, match="make a fresh plan"):
        services.plan_apply(scope=scope, fix=fix)
    assert state(w.district.pk) == snap
    fix.refresh_from_db()
    assert fix.status == PlanStatus.DRAFT


def test_apply_twice_and_undo_before_apply_are_refused(world_a: DistrictWorld) -> None:
    w = world_a
    scope = sys_scope(w.district)
    lic.allocation_set(scope=scope, school=w.schools[0], product=w.product, seats=4)
    fix = services.plan_create(scope=scope, district=w.district, product=w.product)
    with pytest.raises(services.PlanState):
        services.plan_undo(scope=scope, fix=fix)
    services.plan_apply(scope=scope, fix=fix)
    with pytest.raises(services.PlanState):
        services.plan_apply(scope=scope, fix=fix)


def test_school_admin_plans_only_their_school_and_cannot_move_seats(world_a: DistrictWorld) -> None:
    w = world_a
    lic.allocation_set(scope=sys_scope(w.district), school=w.schools[0], product=w.product, seats=4)
    scope = w.scope("school_admin")
    fix = services.plan_create(scope=scope, district=w.district)
    assert fix.school_ids == [w.schools[0].pk]
    assert [s["kind"] for s in fix.plan["steps"]] == ["teacher_access_off"]
    assert fix.plan["unresolved"] == []
    fix = services.plan_create(scope=scope, district=w.district, kinds=["move_allocation"])
    assert fix.plan["steps"] == []
    assert fix.plan["unresolved"][0]["school"] == w.schools[0].pk
    assert fix.plan["unresolved"][0]["short_by"] == 2
    assert "district admin" in fix.plan["unresolved"][0]["why"]
    with pytest.raises(NotFound):
        services.plan_create(scope=scope, district=w.district, school_ids=[w.schools[1].pk])
    da_fix = services.plan_create(scope=w.scope("district_admin"), district=w.district)
    with pytest.raises(NotFound):
        get_fix_plan_for(scope, da_fix.pk)


def test_teacher_may_not_plan(world_a: DistrictWorld) -> None:
    with pytest.raises(Forbidden):
        services.plan_create(scope=world_a.scope("teacher"), district=world_a.district)
    assert FixPlan.objects.count() == 0


def test_other_district_plan_is_not_found(world_a: DistrictWorld, world_b: DistrictWorld) -> None:
    fix = services.plan_create(scope=sys_scope(world_a.district), district=world_a.district)
    with pytest.raises(NotFound):
        get_fix_plan_for(world_b.scope("district_admin"), fix.pk)


def test_undo_puts_enrollments_back_with_the_same_ids(world_a: DistrictWorld) -> None:
    w = world_a
    scope = sys_scope(w.district)
    Classroom.objects.filter(pk=w.classrooms[0].pk).update(
        last_activity_at=timezone.now() - dt.timedelta(days=200)
    )
    lic.allocation_set(scope=scope, school=w.schools[0], product=w.product, seats=4)
    lic.allocation_set(scope=scope, school=w.schools[1], product=w.product, seats=6)
    before = sorted(
        Enrollment.objects.filter(classroom=w.classrooms[0]).values_list("id", "student_id")
    )
    fix = services.plan_create(scope=scope, district=w.district, kinds=["unenroll_stale_classroom"])
    assert [s["kind"] for s in fix.plan["steps"]] == ["unenroll_stale_classroom"]
    assert fix.plan["steps"][0]["seats_freed"] == 3
    services.plan_apply(scope=scope, fix=fix)
    assert not Enrollment.objects.filter(classroom=w.classrooms[0]).exists()
    services.plan_undo(scope=scope, fix=fix)
    assert (
        sorted(Enrollment.objects.filter(classroom=w.classrooms[0]).values_list("id", "student_id"))
        == before
    )


def test_hard_mode_apply_works_and_undo_that_would_overallocate_is_refused(
    world_a: DistrictWorld,
) -> None:
    from seatkeeper.seats.errors import CapacityExceeded

    w = world_a
    scope = sys_scope(w.district)
    lic.allocation_set(scope=scope, school=w.schools[0], product=w.product, seats=4)
    lic.enforcement_set(scope=scope, district=w.district, product=w.product, mode="hard")
    fix = services.plan_create(scope=scope, district=w.district, kinds=["teacher_access_off"])
    services.plan_apply(scope=scope, fix=fix)
    assert counts(w.district, w.product)[w.schools[0].pk] == (4, 3)
    snap = state(w.district.pk)
    with pytest.raises(CapacityExceeded):
        services.plan_undo(scope=scope, fix=fix)
    assert state(w.district.pk) == snap
    fix.refresh_from_db()
    assert fix.status == PlanStatus.APPLIED
