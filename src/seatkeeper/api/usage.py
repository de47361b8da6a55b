"""GET /districts/{slug}/usage: the same JSON as `seatkeeper usage --json`
(seats.selectors.usage_for_district(...).as_dict(), the contract keys; a test compares the
two byte for byte)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router
from pydantic import BaseModel

from seatkeeper.api.common import ERRORS, Date, scope_from_request
from seatkeeper.orgs.scoping import get_product_for
from seatkeeper.seats.selectors import usage_for_district

router = Router(tags=["usage"])


class SchoolUsageOut(BaseModel):
    """Plain pydantic models: the answer is a dict (no ORM getter), and at 1M students a district
    has ~570 schools, which ninja's ORM-aware Schema validates ~2x slower."""

    id: int
    name: str
    sourced_id: str
    capacity: int
    allocated: int
    school_purchased: int
    used: int
    remaining: int
    overallocated: bool


class UsageOut(BaseModel):
    district: str
    product: str
    on: dt.date
    purchased: int
    allocated: int
    unallocated: int
    used: int
    schools: list[SchoolUsageOut]


@router.get("/districts/{slug}/usage", response={200: UsageOut, **ERRORS})
def usage_get(
    request: HttpRequest, slug: str, product: str | None = None, on: Date | None = None
) -> Any:
    """Seat usage per school for one product on one day (default: default product, today)."""
    scope, district = scope_from_request(request, slug)
    prod = get_product_for(scope, product) if product else None
    return usage_for_district(scope=scope, district=district, product=prod, on=on).as_dict()
