"""GET /districts/{slug}/usage: the same JSON as `seatkeeper usage --json`
(seats.selectors.usage_for_district(...).as_dict(), the contract keys; a test compares the
two byte for byte)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router
from pydantic import BaseModel

from seatkeeper.api.common import ERRORS, Date, scope_from_request
from seatkeeper.orgs.scoping import get_product_for
from seatkeeper.seats.selectors import usage_for_district

router = Router(tags=["usage"])


class SchoolUsageOut(BaseModel):
    """The documented shape (OpenAPI); the handler renders the selector's figures into it."""

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
    usage = usage_for_district(scope=scope, district=district, product=prod, on=on)
    # Typed figures (seats.counting) rendered straight to the documented shape: no second
    # validation of ~570 school rows at 1M students.
    return HttpResponse(json.dumps(usage.contract()), content_type="application/json")
