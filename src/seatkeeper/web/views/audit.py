"""Audit log: filters (actor, action, object, dates), pagination and CSV export."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse

from seatkeeper.audit.selectors import AuditFilters
from seatkeeper.orgs.selectors import audit_log as audit_entries
from seatkeeper.orgs.selectors import audit_log_codes as audit_action_codes
from seatkeeper.web import spreadsheet
from seatkeeper.web.policies import district_admin


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _filters(request: HttpRequest) -> AuditFilters:
    g = request.GET
    return AuditFilters(
        actor=g.get("actor", "").strip(),
        action=g.get("action", "").strip(),
        target=g.get("target", "").strip(),
        since=_date(g.get("since")),
        until=_date(g.get("until")),
    )


@district_admin
def audit_log(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    filters = _filters(request)
    page = Paginator(audit_entries(scope=scope, filters=filters), 50).get_page(
        request.GET.get("page", 1)
    )
    return TemplateResponse(
        request,
        "audit/log.html",
        {
            "page": page,
            "filters": filters,
            "codes": audit_action_codes(scope=scope),
            "query": request.GET.urlencode(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@district_admin
def audit_csv(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    entries = audit_entries(scope=scope, filters=_filters(request))
    writer = spreadsheet.writer(_Echo())  # no cell runs as a formula (issue 19)

    def rows() -> Iterator[str]:
        yield writer.writerow(
            [
                "at",
                "actor",
                "launched_by",
                "role",
                "via",
                "action",
                "object_type",
                "object_id",
                "object",
                "data",
            ]
        )
        for e in entries.iterator(chunk_size=500):
            yield writer.writerow(
                [
                    e.at.isoformat(),
                    e.actor_label,
                    e.launched_by.get_username() if e.launched_by else "",
                    e.acting_role,
                    e.via,
                    e.action,
                    e.target_type,
                    e.target_id or "",
                    e.target_label,
                    json.dumps(e.data, sort_keys=True, default=str),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response
