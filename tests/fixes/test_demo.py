"""The demo district: both overallocated schools are fixed by the plan; apply, then undo."""

from __future__ import annotations

import pytest

from seatkeeper.demo import maple_valley
from seatkeeper.fixes import services
from seatkeeper.orgs.models import Product
from seatkeeper.orgs.scoping import system_scope
from seatkeeper.seats.selectors import usage_for_district
from tests.fixes.snapshots import state


@pytest.mark.django_db
def test_demo_plan_fixes_both_overallocated_schools_and_undo_restores() -> None:
    district = maple_valley.load()
    scope = system_scope(district, via="test")
    core = Product.objects.get(district=district, code="core")
    before = usage_for_district(scope=scope, district=district, product=core)
    over = {s.id for s in before.overallocated_schools}
    assert len(over) == 2
    fix = services.plan_create(scope=scope, district=district, product=core)
    body = services.plan_as_dict(fix)
    assert body["unresolved"] == []
    after = {s["id"]: s["after"] for s in body["schools"]}
    assert all(after[s]["remaining"] >= 0 for s in over)
    snap = state(district.pk)
    applied = services.plan_apply(scope=scope, fix=fix)
    now = usage_for_district(scope=scope, district=district, product=core)
    got = {s.id: (s.capacity, s.used) for s in now.schools}
    for row in applied["schools"]:
        assert got[row["id"]] == (row["after"]["capacity"], row["after"]["used"])
    assert not now.overallocated_schools
    services.plan_undo(scope=scope, fix=fix)
    assert state(district.pk) == snap


@pytest.mark.django_db
def test_demo_roster_only_plan_merges_and_unenrolls_then_undo_restores() -> None:
    district = maple_valley.load()
    scope = system_scope(district, via="test")
    core = Product.objects.get(district=district, code="core")
    kinds = [
        "merge_duplicates",
        "unenroll_stale_classroom",
        "unenroll_inactive_student",
        "unenroll_second_school",
        "teacher_access_off",
    ]
    fix = services.plan_create(scope=scope, district=district, product=core, kinds=kinds)
    body = services.plan_as_dict(fix)
    assert body["unresolved"] == []
    got_kinds = {s["kind"] for s in body["steps"]}
    assert "merge_duplicates" in got_kinds
    assert "teacher_access_off" not in got_kinds  # cheaper steps suffice
    snap = state(district.pk)
    applied = services.plan_apply(scope=scope, fix=fix)
    now = usage_for_district(scope=scope, district=district, product=core)
    got = {s.id: (s.capacity, s.used) for s in now.schools}
    for row in applied["schools"]:
        assert got[row["id"]] == (row["after"]["capacity"], row["after"]["used"])
    assert not now.overallocated_schools
    services.plan_undo(scope=scope, fix=fix)
    assert state(district.pk) == snap
