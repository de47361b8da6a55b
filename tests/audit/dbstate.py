"""The whole database state of Seatkeeper's tables, to assert that a refused call changed nothing."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection

APPS = ("orgs", "roster", "seats", "audit", "dedup", "fixes")


def _tables() -> list[tuple[str, str]]:
    models = [
        m
        for label in APPS
        if label in apps.app_configs
        for m in apps.get_app_config(label).get_models()
    ]
    models.append(get_user_model())
    return [(m._meta.db_table, m._meta.pk.column) for m in models]


def db_state() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every Seatkeeper table (and users), ordered by primary key.

    Plain SQL, one query per table: tests call this around every refused call.
    """
    qn = connection.ops.quote_name
    out = {}
    with connection.cursor() as cur:
        for table, pk in _tables():
            cur.execute(f"SELECT * FROM {qn(table)} ORDER BY {qn(pk)}")  # noqa: S608
            out[table] = cur.fetchall()
    return out


def audit_since(last_id: int) -> list[Any]:
    """Audit entries written after entry `last_id`, oldest first."""
    from seatkeeper.audit.models import AuditEntry

    return list(AuditEntry.objects.filter(pk__gt=last_id).order_by("pk"))


def last_audit_id() -> int:
    from seatkeeper.audit.models import AuditEntry

    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
