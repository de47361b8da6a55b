"""GET /districts/{slug}/audit: the district's audit log, newest first, with filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from seatkeeper.api.common import ERRORS, Date, PageParams, page_of, paginate, scope_from_request
from seatkeeper.audit.selectors import AuditFilters
from seatkeeper.orgs.selectors import audit_log as audit_entries

router = Router(tags=["audit"])


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor: str | None = None
    actor_label: str
    acting_role: str
    launched_by: str | None = None
    via: str
    action: str
    target_type: str
    target_id: int | None = None
    target_label: str
    data: dict[str, Any]

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return obj.actor_label if obj.actor_id else None

    @staticmethod
    def resolve_launched_by(obj: Any) -> str | None:
        return obj.launched_by.get_username() if obj.launched_by_id else None


class AuditQuery(Schema):
    actor: str = ""
    action: str = ""
    target: str = ""
    since: Date | None = None
    until: Date | None = None


@router.get("/districts/{slug}/audit", response={200: page_of(AuditOut), **ERRORS})
def audit_list(
    request: HttpRequest, slug: str, filters: Query[AuditQuery], page: Query[PageParams]
) -> Any:
    scope, _ = scope_from_request(request, slug)
    qs = audit_entries(scope=scope, filters=AuditFilters(**filters.dict()))
    return paginate(request, qs, page)
