"""GET /districts/{slug}/alerts (issue 16.3): the district's seat alerts, newest first.

Scoped like the other district routes: admins of the district (a school admin sees their
schools' alerts), out of scope answers 404. Each alert names its school and links to the
school's fix plan page (`fix_url`); `read` and `dismissed` are the caller's own marks."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from seatkeeper.api.common import ERRORS, scope_from_request
from seatkeeper.seats.selectors import alerts_for

router = Router(tags=["alerts"])


class AlertSchoolOut(Schema):
    id: int
    name: str


class AlertOut(Schema):
    id: int
    kind: Literal["near_limit", "overallocated", "purchase_ending"]
    school: AlertSchoolOut | None = None
    product: str
    purchase: int | None = None
    message: str
    open: bool
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    ended_message: str
    fix_url: str
    read: bool
    dismissed: bool


class AlertsOut(Schema):
    district: str
    alerts: list[AlertOut]


@router.get("/districts/{slug}/alerts", response={200: AlertsOut, **ERRORS})
def alerts_list(request: HttpRequest, slug: str, open: bool = False) -> Any:
    """Seat alerts: near the limit, overallocated, purchases ending soon (open=true: only
    those still holding). Every alert links to its school's fix plan (`fix_url`)."""
    scope, district = scope_from_request(request, slug)
    rows = alerts_for(scope=scope, district=district, open_only=open)
    return {"district": district.slug, "alerts": [a.as_dict() for a in rows]}
