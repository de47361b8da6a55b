"""Reads of district-level records for a scope: the audit log (who may read it is a role rule,
which `audit`, the lowest layer, does not know)."""

from __future__ import annotations

from django.db.models import QuerySet

from seatkeeper.audit.models import AuditEntry
from seatkeeper.audit.selectors import AuditFilters, audit_action_codes, audit_entries
from seatkeeper.orgs.scoping import Scope, require_district_admin


def audit_log(*, scope: Scope, filters: AuditFilters | None = None) -> QuerySet[AuditEntry]:
    """The scope's district's audit entries, newest first (district admins and operators)."""
    require_district_admin(scope, doing="read the audit log")
    return audit_entries(district_id=scope.require_district(), filters=filters)


def audit_log_codes(*, scope: Scope) -> list[str]:
    """The action codes in the scope's district's log (for the filter menu)."""
    require_district_admin(scope, doing="read the audit log")
    return audit_action_codes(district_id=scope.require_district())
