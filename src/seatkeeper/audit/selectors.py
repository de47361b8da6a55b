"""Audit log reads: the district's entries, filtered by actor, action, object and date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from seatkeeper.audit.actions import AUDIT_ENTRY_UNDONE
from seatkeeper.audit.models import AuditEntry


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # username (either identity of a launched admin), substring
    action: str = ""  # exact code, or a prefix ending in "." (e.g. "roster.")
    target: str = ""  # object label or type, substring
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive


def audit_entries(*, district_id: int, filters: AuditFilters | None = None) -> QuerySet[AuditEntry]:
    """Entries of one district, newest first. Who may read them (district admins and operators)
    is checked by the caller with `orgs.scoping.require_district_admin`: `audit` is the lowest
    layer and knows no roles."""
    f = filters or AuditFilters()
    qs = AuditEntry.objects.filter(district_id=district_id).select_related("launched_by")
    if f.actor:
        qs = qs.filter(
            Q(actor_label__icontains=f.actor) | Q(launched_by__username__icontains=f.actor)
        )
    if f.action:
        qs = (
            qs.filter(action__startswith=f.action)
            if f.action.endswith(".")
            else qs.filter(action=f.action)
        )
    if f.target:
        qs = qs.filter(Q(target_label__icontains=f.target) | Q(target_type__iexact=f.target))
    if f.since:
        qs = qs.filter(at__date__gte=f.since)
    if f.until:
        qs = qs.filter(at__date__lte=f.until)
    return qs.order_by("-at", "-id")


def audit_action_codes(*, district_id: int) -> list[str]:
    """The action codes that occur in the district's log (for the filter menu)."""
    # order_by(): the model's default ordering (at, id) would make DISTINCT per row (issue 17.11)
    return sorted(
        AuditEntry.objects.filter(district_id=district_id)
        .order_by()
        .values_list("action", flat=True)
        .distinct()
    )


# --- issue 17.11: a readable log --------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "ON" if value else "OFF"
    if isinstance(value, list):
        return (
            f"{len(value)} row{'s' if len(value) != 1 else ''}"
            if value and isinstance(value[0], dict)
            else ", ".join(str(v) for v in value) or "—"
        )
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) or "—"
    return str(value)


def entry_changes(entry: AuditEntry) -> list[FieldChange]:
    """Before → after per field, from the entry's `old` / `new` records."""
    data = entry.data or {}
    old = data.get("old") if isinstance(data.get("old"), dict) else {}
    new = data.get("new") if isinstance(data.get("new"), dict) else {}
    fields = list(dict.fromkeys([*old, *new]))
    out = []
    for f in fields:
        if f in old and f in new and old[f] == new[f]:
            continue
        out.append(
            FieldChange(
                field=f.replace("_id", "").replace("_", " "),
                before=_show(old.get(f)) if f in old else "—",
                after=_show(new.get(f)) if f in new else "—",
            )
        )
    return out


def undone_entry_ids(*, district_id: int, ids: Iterable[int]) -> set[int]:
    """Which of these entries were undone from the log (an `audit.entry.undone` names them)."""
    wanted = list(ids)
    if not wanted:
        return set()
    return {
        int(pk)
        for pk in AuditEntry.objects.filter(
            district_id=district_id, action=AUDIT_ENTRY_UNDONE, target_id__in=wanted
        ).values_list("target_id", flat=True)
    }


def object_history(
    *, district_id: int, target_type: str, target_id: int, extra: Q | None = None
) -> QuerySet[AuditEntry]:
    """Every entry about one object (and `extra` matches, e.g. a teacher's access switches)."""
    q = Q(target_type=target_type, target_id=target_id)
    if extra is not None:
        q |= extra
    return (
        AuditEntry.objects.filter(district_id=district_id)
        .filter(q)
        .select_related("launched_by")
        .order_by("-at", "-id")
    )
