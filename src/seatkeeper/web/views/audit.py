"""Audit log: filters (actor, action, object, dates), pagination and CSV export."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from seatkeeper.audit import actions
from seatkeeper.audit.selectors import (
    AuditFilters,
    entry_changes,
    object_history,
    undone_entry_ids,
)
from seatkeeper.errors import NotFound
from seatkeeper.orgs.scoping import can_manage_district
from seatkeeper.orgs.selectors import audit_log as audit_entries
from seatkeeper.orgs.selectors import audit_log_codes as audit_action_codes
from seatkeeper.roster import services as roster
from seatkeeper.roster.oneroster.runs import applied_import_ids
from seatkeeper.roster.scoping import get_classroom_for, get_student_for, get_teacher_for
from seatkeeper.web import context, spreadsheet
from seatkeeper.web.policies import district_admin, school_admin


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
            "rows": _rows(scope, page.object_list, undo=True),
            "filters": filters,
            # issue 17.11: one entry per action kind, in plain language
            "codes": sorted(
                ((c, actions.label_for(c)) for c in audit_action_codes(scope=scope)),
                key=lambda c: c[1],
            ),
            "query": request.GET.urlencode(),
            "page_title": "Audit log",
        },
    )


@dataclass(frozen=True)
class Row:
    entry: Any
    label: str
    changes: list[Any]
    undoable: bool
    undone: bool
    import_run: int | None = None


def _rows(scope: Any, entries: Any, *, undo: bool) -> list[Row]:
    entries = list(entries)
    undone = undone_entry_ids(district_id=scope.require_district(), ids=[e.pk for e in entries])
    may_undo = undo and can_manage_district(scope) and scope.launched_by is None
    # issue 17.10: an applied import is undone whole, from its own confirmation page.
    imports = {e.target_id for e in entries if e.action == actions.ROSTER_IMPORTED and e.target_id}
    applied = (
        applied_import_ids(district_id=scope.require_district(), ids=imports) if may_undo else set()
    )
    return [
        Row(
            entry=e,
            label=actions.label_for(e.action),
            changes=entry_changes(e),
            undoable=may_undo and e.action in roster.UNDOABLE and e.pk not in undone,
            undone=e.pk in undone,
            import_run=e.target_id
            if e.action == actions.ROSTER_IMPORTED and e.target_id in applied
            else None,
        )
        for e in entries
    ]


HISTORY_KINDS = {"student": "student", "teacher": "teacher", "classroom": "classroom"}


@school_admin
def audit_object(request: HttpRequest, kind: str, object_id: int) -> HttpResponse:
    """issue 17.11: the history of one student, teacher or classroom (in the viewer's scope)."""
    scope = request.scope  # type: ignore[attr-defined]
    if kind not in HISTORY_KINDS:
        raise NotFound(f"No history of {kind!r}.")
    getter = {
        "student": get_student_for,
        "teacher": get_teacher_for,
        "classroom": get_classroom_for,
    }
    obj = getter[kind](scope, object_id)
    extra = None
    if kind == "teacher":
        extra = Q(target_type="teacheraccess", data__teacher=obj.pk)
    entries = object_history(
        district_id=obj.district_id, target_type=kind, target_id=obj.pk, extra=extra
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page", 1))
    return TemplateResponse(
        request,
        "audit/object.html",
        {
            "obj": obj,
            "kind": kind,
            "page": page,
            "rows": _rows(scope, page.object_list, undo=True),
            "page_title": f"History of {obj}",
        },
    )


@district_admin
@require_POST
def audit_undo(request: HttpRequest, entry_id: int) -> HttpResponse:
    """issue 17.11: undo one seat move, access switch or un-enroll from the log."""
    scope = request.scope  # type: ignore[attr-defined]
    entry = roster.get_entry_for(scope, entry_id)
    done = roster.audit_entry_undo(scope=scope, entry=entry)
    messages.success(request, f"Undone: {done}.")
    back = context.safe_back(request, request.POST.get("back"), reverse("web:audit"))
    return context.seats_changed(redirect(back))


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
