"""POST /districts/{slug}/activity: sign-ins and work reported by the learning platform
(integration-role tokens may call only this)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from seatkeeper.api.common import ERRORS, DateTime, In, StrictId, scope_from_request
from seatkeeper.roster.services.activity import ActivityItem, activity_record

router = Router(tags=["activity"])


class ActivityIn(In):
    student: StrictId | str = Field(..., description="Student id, or its OneRoster sourcedId.")
    kind: Literal["sign_in", "work"]
    at: DateTime
    classroom: StrictId | None = None


class ActivityBatchIn(In):
    items: list[ActivityIn] = Field(..., max_length=10_000)
    source: str = Field("", max_length=100)


class ActivityOut(Schema):
    recorded: int


@router.post("/districts/{slug}/activity", response={201: ActivityOut, **ERRORS})
def activity_post(request: HttpRequest, slug: str, payload: ActivityBatchIn) -> Any:
    scope, district = scope_from_request(request, slug, integration=True)
    items = [
        ActivityItem(student=i.student, kind=i.kind, at=i.at, classroom=i.classroom)
        for i in payload.items
    ]
    n = activity_record(scope=scope, district=district, items=items, source=payload.source)
    return Status(201, {"recorded": n})
