"""Enforcement (domain.md "Enforcement"): soft, hard, grace per district and product, on the
seat ledger's counters. There is no recount on the write path.

- A change that may raise used(S,P) (any roster write) is checked when its `seat_change` block
  syncs the ledger: under the district's ledger lock, for every (school, product) whose counter
  it raised, hard mode refuses it if used now exceeds capacity (`refuse_growth_over_capacity`).
- A change that lowers capacity(S,P) (allocations, purchases) runs in `seat_guard`: it takes the
  same lock, reads capacity before and after and the counter, and refuses a hard-mode school
  ending above capacity with less capacity than before.

Changes that lower usage always go through. The error (HTTP 409) names the school, product,
capacity and used, and nothing is written (the transaction rolls back).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Sum

from seatkeeper.orgs.models import Product, School
from seatkeeper.seats.counting import capacity_of
from seatkeeper.seats.errors import CapacityExceeded
from seatkeeper.seats.ledger import SeatDelta, lock
from seatkeeper.seats.models import Allocation, EnforcementMode, SeatCount
from seatkeeper.seats.selectors import active_purchases, effective_modes, today


def capacity(district_id: int, school_id: int, product_id: int, on: dt.date) -> int:
    """capacity(S,P) on a day: allocation + school-owned purchases whose term contains it (R7)."""
    alloc = (
        Allocation.objects.filter(
            district_id=district_id, school_id=school_id, product_id=product_id
        )
        .values_list("seats", flat=True)
        .first()
        or 0
    )
    bought = (
        active_purchases(district_id=district_id, product_id=product_id, on=on)
        .filter(school_id=school_id)
        .aggregate(n=Sum("seats"))["n"]
        or 0
    )
    return capacity_of(alloc, bought)


def used(district_id: int, school_id: int, product_id: int) -> int:
    """used(S,P) from the ledger's counter."""
    return (
        SeatCount.objects.filter(
            district_id=district_id, school_id=school_id, product_id=product_id
        )
        .values_list("used", flat=True)
        .first()
        or 0
    )


def _refuse(
    district_id: int, school_id: int, product_id: int, *, cap: int, before: int, what: str
) -> CapacityExceeded:
    school = School.objects.get(pk=school_id, district_id=district_id)
    product = Product.objects.get(pk=product_id, district_id=district_id)
    return CapacityExceeded(
        f"Hard enforcement: {school.name} has {cap} {product.name} seats and {before} are used; "
        f"{what}. Nothing was changed.",
        school=school.name,
        school_id=school.pk,
        product=product.code,
        capacity=cap,
        used=before,
    )


def _hard(district_id: int, product_id: int, on: dt.date, cache: dict[int, bool]) -> bool:
    """Hard mode (or grace after its date) for the product; the district's rows read once."""
    if not cache:
        cache.update(
            {p: m == EnforcementMode.HARD for p, m in effective_modes(district_id, on=on).items()}
        )
        cache[-1] = False  # read: do not read again
    return cache.get(product_id, False)


def refuse_growth_over_capacity(
    district_id: int, delta: SeatDelta, *, on: dt.date | None = None
) -> None:
    """Raise CapacityExceeded when the synced change raised a hard-mode used(S,P) above
    capacity(S,P). Runs under the ledger lock that the sync took (held to COMMIT)."""
    on = on or today()
    hard: dict[int, bool] = {}
    for (school_id, product_id), (before, after) in sorted(delta.moved.items()):
        if after <= before or not _hard(district_id, product_id, on, hard):
            continue
        cap = capacity(district_id, school_id, product_id, on)
        if after > cap:
            raise _refuse(
                district_id,
                school_id,
                product_id,
                cap=cap,
                before=before,
                what=f"this change would use {after}",
            )


@contextmanager
def seat_guard(
    *,
    district_id: int,
    school_ids: Iterable[int | None],
    product_ids: Iterable[int] | None = None,
    on: dt.date | None = None,
) -> Iterator[None]:
    """Refuse (CapacityExceeded) a change that lowers a hard-mode school's capacity below what
    it uses (allocations, purchases). Must run inside `transaction.atomic()`; the caller's
    writes happen in the `with` body. Roster writes use `seats.ledger.seat_change` instead.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("seat_guard must run inside transaction.atomic()")
    on = on or today()
    schools = sorted({s for s in school_ids if s is not None})
    from seatkeeper.seats.alerts import after_commit

    # issue 16.3: capacity moved (rare admin writes; a pool change reaches every school)
    after_commit(district_id, None)
    products = (
        sorted(set(product_ids))
        if product_ids is not None
        else list(
            Product.objects.filter(district_id=district_id)
            .order_by("id")
            .values_list("id", flat=True)
        )
    )
    hard: dict[int, bool] = {}
    pairs = [(s, p) for s in schools for p in products if _hard(district_id, p, on, hard)]
    if not pairs:
        yield
        return
    lock(district_id)  # no sync may move these counters until COMMIT
    before = {(s, p): capacity(district_id, s, p, on) for s, p in pairs}
    yield
    for (s, p), cap_before in before.items():
        cap_after = capacity(district_id, s, p, on)
        in_use = used(district_id, s, p)
        if in_use > cap_after and cap_after < cap_before:
            raise _refuse(
                district_id,
                s,
                p,
                cap=cap_before,
                before=in_use,
                what=f"this change would leave {cap_after} seats for {in_use} in use",
            )
