"""Audit log reads: the district's entries, filtered by actor, action, object and date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

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
    return sorted(
        AuditEntry.objects.filter(district_id=district_id)
        .values_list("action", flat=True)
        .distinct()
    )
