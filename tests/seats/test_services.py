"""Licensing writes: allocations (R7), moves, purchases, access (R4), enforcement mode.

Each: the exact outcome, exactly one audit entry with the actor and before/after, and a refused
call leaves the whole database unchanged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from seatkeeper.audit import actions
from seatkeeper.errors import Forbidden, InvalidInput
from seatkeeper.roster import services as roster
from seatkeeper.roster.services import access_set
from seatkeeper.seats import services as lic
from seatkeeper.seats.errors import PoolExceeded
from seatkeeper.seats.models import Allocation, Enforcement, Purchase, TeacherAccess
from seatkeeper.seats.selectors import usage_for_district, used_by_school
from tests.audit.dbstate import audit_since, db_state, last_audit_id
from tests.factories import DistrictWorld, today


def one_audit(since: int, action: str, user: Any) -> Any:
    entries = audit_since(since)
    assert [e.action for e in entries] == [action]
    entry = entries[0]
    assert entry.actor == user
    assert entry.actor_label == user.get_username()
    return entry


def seats(w: DistrictWorld, i: int) -> int:
    return Allocation.objects.get(school=w.schools[i], product=w.product).seats


def used0(w: DistrictWorld) -> int:
    return used_by_school(district_id=w.district.pk, product_id=w.product.pk).get(
        w.schools[0].pk, 0
    )


# --- allocations ----------------------------------------------------------------------------------


def test_r7_allocation_set_within_the_pool(world_a: DistrictWorld) -> None:
    w = world_a
    since = last_audit_id()
    alloc = lic.allocation_set(
        scope=w.scope("district_admin"), school=w.schools[0], product=w.product, seats=80
    )
    assert (alloc.seats, seats(w, 0), seats(w, 1)) == (80, 80, 20)
    entry = one_audit(since, actions.ALLOCATION_CHANGED, w.users["district_admin"])
    assert entry.data["old"] == {"seats": 20}
    assert entry.data["new"] == {"seats": 80}
    assert entry.district_id == w.district.pk
    usage = usage_for_district(scope=w.scope("district_admin"), district=w.district)
    assert usage.unallocated == 0


def test_r7_allocation_set_beyond_the_pool_is_refused_clearly_and_writes_nothing(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    before = db_state()
    with pytest.raises(PoolExceeded) as exc:
        lic.allocation_set(
            scope=w.scope("district_admin"), school=w.schools[0], product=w.product, seats=81
        )
    assert "100" in exc.value.message
    assert "101" in exc.value.message
    assert exc.value.extra == {"product": "core", "pool": 100, "allocated": 101}
    assert db_state() == before


@pytest.mark.parametrize("bad", [-1, 2.5, "10"])
def test_allocation_set_refuses_bad_seat_numbers(world_a: DistrictWorld, bad: Any) -> None:
    before = db_state()
    with pytest.raises(InvalidInput) as exc:
        lic.allocation_set(
            scope=world_a.scope("district_admin"),
            school=world_a.schools[0],
            product=world_a.product,
            seats=bad,
        )
    assert exc.value.problems[0].field == "seats"
    assert db_state() == before


@pytest.mark.parametrize("role", ["school_admin", "teacher", "integration"])
def test_only_district_admins_allocate(world_a: DistrictWorld, role: str) -> None:
    before = db_state()
    with pytest.raises(Forbidden):
        lic.allocation_set(
            scope=world_a.scope(role), school=world_a.schools[0], product=world_a.product, seats=1
        )
    assert db_state() == before


def test_allocation_set_to_the_same_value_writes_no_audit(world_a: DistrictWorld) -> None:
    since = last_audit_id()
    lic.allocation_set(
        scope=world_a.scope("district_admin"),
        school=world_a.schools[0],
        product=world_a.product,
        seats=20,
    )
    assert audit_since(since) == []


def test_allocation_move_moves_exact_seats(world_a: DistrictWorld) -> None:
    w = world_a
    since = last_audit_id()
    src, dst = lic.allocation_move(
        scope=w.scope("district_admin"),
        product=w.product,
        from_school=w.schools[0],
        to_school=w.schools[1],
        seats=5,
    )
    assert (src.seats, dst.seats, seats(w, 0), seats(w, 1)) == (15, 25, 15, 25)
    entry = one_audit(since, actions.ALLOCATION_MOVED, w.users["district_admin"])
    assert entry.data["old"] == {"from": 20, "to": 20}
    assert entry.data["new"] == {"from": 15, "to": 25}
    assert (entry.data["from_school"], entry.data["to_school"], entry.data["seats"]) == (
        w.schools[0].pk,
        w.schools[1].pk,
        5,
    )


@pytest.mark.parametrize(("n", "field"), [(21, "seats"), (0, "seats"), (-3, "seats")])
def test_allocation_move_refuses_more_than_held_and_non_positive(
    world_a: DistrictWorld, n: int, field: str
) -> None:
    w = world_a
    before = db_state()
    with pytest.raises(InvalidInput) as exc:
        lic.allocation_move(
            scope=w.scope("district_admin"),
            product=w.product,
            from_school=w.schools[0],
            to_school=w.schools[1],
            seats=n,
        )
    assert exc.value.problems[0].field == field
    assert db_state() == before


def test_allocation_move_to_the_same_school_is_refused(world_a: DistrictWorld) -> None:
    w = world_a
    before = db_state()
    with pytest.raises(InvalidInput):
        lic.allocation_move(
            scope=w.scope("district_admin"),
            product=w.product,
            from_school=w.schools[0],
            to_school=w.schools[0],
            seats=1,
        )
    assert db_state() == before


# --- purchases --------------------------------------------------------------------------------------


def test_purchase_create_school_owned_adds_capacity_and_is_audited(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    since = last_audit_id()
    p = lic.purchase_create(
        scope=w.scope("district_admin"),
        district=w.district,
        product=w.product,
        school=w.schools[0],
        seats=12,
        starts_on=today(),
        ends_on=today() + dt.timedelta(days=10),
        reference="PO-1",
    )
    entry = one_audit(since, actions.PURCHASE_CREATED, w.users["district_admin"])
    assert entry.data["new"] == {
        "product_id": w.product.pk,
        "school_id": w.schools[0].pk,
        "seats": 12,
        "starts_on": today().isoformat(),
        "ends_on": (today() + dt.timedelta(days=10)).isoformat(),
        "reference": "PO-1",
    }
    assert entry.target_id == p.pk
    usage = usage_for_district(scope=w.scope("district_admin"), district=w.district)
    assert (usage.schools[0].capacity, usage.purchased, usage.unallocated) == (32, 112, 60)


def test_purchase_create_refuses_bad_input_listing_every_problem(
    world_a: DistrictWorld, world_b: DistrictWorld
) -> None:
    w = world_a
    before = db_state()
    with pytest.raises(InvalidInput) as exc:
        lic.purchase_create(
            scope=w.scope("district_admin"),
            district=w.district,
            product=world_b.product,
            school=world_b.schools[0],
            seats=-1,
            starts_on=today(),
            ends_on=today() - dt.timedelta(days=1),
        )
    assert {p.field for p in exc.value.problems} == {"product", "school", "seats", "ends_on"}
    assert db_state() == before


@pytest.mark.parametrize("role", ["school_admin", "teacher"])
def test_only_district_admins_record_purchases(world_a: DistrictWorld, role: str) -> None:
    before = db_state()
    with pytest.raises(Forbidden):
        lic.purchase_create(
            scope=world_a.scope(role),
            district=world_a.district,
            product=world_a.product,
            seats=1,
            starts_on=today(),
            ends_on=today(),
        )
    assert db_state() == before


def pool_purchase(w: DistrictWorld) -> Purchase:
    return Purchase.objects.get(district=w.district, school__isnull=True)


def test_purchase_update_changes_seats_and_records_old_and_new(world_a: DistrictWorld) -> None:
    w = world_a
    since = last_audit_id()
    lic.purchase_update(scope=w.scope("district_admin"), purchase=pool_purchase(w), seats=150)
    entry = one_audit(since, actions.PURCHASE_CHANGED, w.users["district_admin"])
    assert (entry.data["old"]["seats"], entry.data["new"]["seats"]) == (100, 150)
    assert pool_purchase(w).seats == 150


def test_r7_purchase_update_below_allocated_is_refused(world_a: DistrictWorld) -> None:
    w = world_a
    before = db_state()
    with pytest.raises(PoolExceeded):
        lic.purchase_update(scope=w.scope("district_admin"), purchase=pool_purchase(w), seats=39)
    assert db_state() == before


def test_r7_purchase_update_moving_the_term_out_of_today_is_refused(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    before = db_state()
    with pytest.raises(PoolExceeded):
        lic.purchase_update(
            scope=w.scope("district_admin"),
            purchase=pool_purchase(w),
            ends_on=today() - dt.timedelta(days=1),
        )
    assert db_state() == before


def test_r7_deleting_the_pool_purchase_under_allocations_is_refused(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    before = db_state()
    with pytest.raises(PoolExceeded):
        lic.purchase_delete(scope=w.scope("district_admin"), purchase=pool_purchase(w))
    assert db_state() == before


def test_purchase_delete_and_restore_round_trip(world_a: DistrictWorld) -> None:
    w = world_a
    da = w.scope("district_admin")
    p = lic.purchase_create(
        scope=da,
        district=w.district,
        product=w.product,
        school=w.schools[1],
        seats=9,
        starts_on=today(),
        ends_on=today(),
    )
    since = last_audit_id()
    lic.purchase_delete(scope=da, purchase=p)
    entry = one_audit(since, actions.PURCHASE_DELETED, w.users["district_admin"])
    assert entry.data["old"]["deleted_at"] is None
    assert entry.data["new"]["deleted_at"] is not None
    assert usage_for_district(scope=da, district=w.district).schools[1].capacity == 20
    since = last_audit_id()
    lic.purchase_restore(scope=da, purchase=Purchase.objects.get(pk=p.pk))
    entry = one_audit(since, actions.PURCHASE_RESTORED, w.users["district_admin"])
    assert entry.data["new"]["deleted_at"] is None
    assert usage_for_district(scope=da, district=w.district).schools[1].capacity == 29


# --- access (R4) -----------------------------------------------------------------------------------


def test_r4_access_off_drops_exactly_the_students_in_no_other_licensed_classroom(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    sa = w.scope("school_admin")
    roster.enrollment_create(scope=sa, student=w.students[0], classroom=w.classrooms[1])
    assert used0(w) == 6
    since = last_audit_id()
    access = access_set(scope=sa, teacher=w.teachers[0], product=w.product, on=False)
    assert access.on is False
    assert used0(w) == 4
    entry = one_audit(since, actions.ACCESS_CHANGED, w.users["school_admin"])
    assert (entry.data["old"], entry.data["new"]) == ({"on": True}, {"on": False})
    assert entry.data["teacher"] == w.teachers[0].pk
    access_set(scope=sa, teacher=w.teachers[0], product=w.product, on=True)
    assert used0(w) == 6


def test_teachers_never_change_their_own_access(world_a: DistrictWorld) -> None:
    w = world_a
    before = db_state()
    with pytest.raises(Forbidden):
        access_set(scope=w.scope("teacher"), teacher=w.teachers[0], product=w.product, on=False)
    assert db_state() == before


def test_access_set_unchanged_value_writes_no_audit(world_a: DistrictWorld) -> None:
    w = world_a
    since = last_audit_id()
    access_set(scope=w.scope("school_admin"), teacher=w.teachers[0], product=w.product, on=True)
    assert audit_since(since) == []
    assert TeacherAccess.objects.get(teacher=w.teachers[0], product=w.product).on is True


# --- enforcement mode ---------------------------------------------------------------------------------


def test_enforcement_set_records_mode_change(world_a: DistrictWorld) -> None:
    w = world_a
    since = last_audit_id()
    grace = today() + dt.timedelta(days=14)
    lic.enforcement_set(
        scope=w.scope("district_admin"),
        district=w.district,
        product=w.product,
        mode="grace",
        grace_until=grace,
    )
    entry = one_audit(since, actions.ENFORCEMENT_CHANGED, w.users["district_admin"])
    assert entry.data["new"] == {"mode": "grace", "grace_until": grace.isoformat()}
    assert Enforcement.objects.get(district=w.district, product=w.product).mode == "grace"


@pytest.mark.parametrize(
    ("mode", "grace", "field"), [("strict", None, "mode"), ("grace", None, "grace_until")]
)
def test_enforcement_set_refuses_bad_input(
    world_a: DistrictWorld, mode: str, grace: dt.date | None, field: str
) -> None:
    before = db_state()
    with pytest.raises(InvalidInput) as exc:
        lic.enforcement_set(
            scope=world_a.scope("district_admin"),
            district=world_a.district,
            product=world_a.product,
            mode=mode,
            grace_until=grace,
        )
    assert exc.value.problems[0].field == field
    assert db_state() == before


def test_school_admin_may_not_change_enforcement(world_a: DistrictWorld) -> None:
    before = db_state()
    with pytest.raises(Forbidden):
        lic.enforcement_set(
            scope=world_a.scope("school_admin"),
            district=world_a.district,
            product=world_a.product,
            mode="hard",
        )
    assert db_state() == before
