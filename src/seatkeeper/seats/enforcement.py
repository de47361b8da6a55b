"""Enforcement (domain.md "Enforcement"): soft, hard, grace per district and product.

`seat_guard` wraps any write that could raise used(S,P) or lower capacity(S,P). In hard mode it
locks the (school, product) allocation rows first (SELECT ... FOR UPDATE on PostgreSQL; SQLite
serialises writers with BEGIN IMMEDIATE), so concurrent enrollments cannot overshoot, then
refuses the change if afterwards used > capacity and the change made it worse. Changes that
lower usage always go through.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import transaction

from seatkeeper.orgs.models import Product, School
from seatkeeper.seats.errors import CapacityExceeded
from seatkeeper.seats.models import Allocation, EnforcementMode
from seatkeeper.seats.selectors import (
    active_purchases,
    effective_mode,
    today,
    used_by_school,
)


def _capacity(district_id: int, school_id: int, product_id: int, on: dt.date) -> int:
    alloc = (
        Allocation.objects.filter(
            district_id=district_id, school_id=school_id, product_id=product_id
        )
        .values_list("seats", flat=True)
        .first()
        or 0
    )
    bought = sum(
        active_purchases(district_id=district_id, product_id=product_id, on=on)
        .filter(school_id=school_id)
        .values_list("seats", flat=True)
    )
    return alloc + bought


def _used(district_id: int, school_id: int, product_id: int) -> int:
    return used_by_school(
        district_id=district_id, product_id=product_id, school_ids=[school_id]
    ).get(school_id, 0)


@contextmanager
def seat_guard(
    *,
    district_id: int,
    school_ids: Iterable[int | None],
    product_ids: Iterable[int] | None = None,
    on: dt.date | None = None,
) -> Iterator[None]:
    """Refuse (CapacityExceeded) a change that pushes a hard-mode school over capacity.

    Must run inside `transaction.atomic()`; the caller's writes happen in the `with` body.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("seat_guard must run inside transaction.atomic()")
    on = on or today()
    schools = sorted({s for s in school_ids if s is not None})
    products = (
        sorted(set(product_ids))
        if product_ids is not None
        else list(
            Product.objects.filter(district_id=district_id)
            .order_by("id")
            .values_list("id", flat=True)
        )
    )
    hard_products = [
        p
        for p in products
        if effective_mode(district_id=district_id, product_id=p, on=on) == EnforcementMode.HARD
    ]
    pairs = [(s, p) for s in schools for p in hard_products]
    if not pairs:
        yield
        return
    for s, p in pairs:
        Allocation.objects.get_or_create(district_id=district_id, school_id=s, product_id=p)
    # Lock in a fixed order (by id) so two guards never deadlock.
    list(
        Allocation.objects.select_for_update()
        .filter(district_id=district_id, school_id__in=schools, product_id__in=hard_products)
        .order_by("id")
        .values_list("id", flat=True)
    )
    before = {
        (s, p): (_used(district_id, s, p), _capacity(district_id, s, p, on)) for s, p in pairs
    }
    yield
    for (s, p), (used_before, cap_before) in before.items():
        used_after = _used(district_id, s, p)
        cap_after = _capacity(district_id, s, p, on)
        if used_after > cap_after and (used_after > used_before or cap_after < cap_before):
            school = School.objects.get(pk=s)
            product = Product.objects.get(pk=p)
            if used_after > used_before:
                what = f"this change would use {used_after}"
            else:
                what = f"this change would leave {cap_after} seats for {used_after} in use"
            raise CapacityExceeded(
                f"Hard enforcement: {school.name} has {cap_before} {product.name} seats and "
                f"{used_before} are used; {what}. Nothing was changed.",
                school=school.name,
                school_id=school.pk,
                product=product.code,
                capacity=cap_before,
                used=used_before,
            )
