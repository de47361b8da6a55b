"""Writing the audit log. Called by every service inside its own transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from django.db import models

from seatkeeper.audit.models import AuditEntry


class Actor(Protocol):
    """Who acts: what the log records of a caller (orgs.scoping.Scope is one). `audit` is the
    lowest layer, so it names only the attributes it reads, never the Scope class."""

    @property
    def user(self) -> Any: ...
    @property
    def label(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def launched_by(self) -> Any: ...
    @property
    def via(self) -> str: ...
    @property
    def district_id(self) -> int | None: ...


_batch: ContextVar[uuid.UUID | None] = ContextVar("audit_batch", default=None)


@contextmanager
def audit_batch(batch: uuid.UUID | None = None) -> Iterator[uuid.UUID]:
    """Every audit entry written inside the block shares one batch uuid (one plan, one merge...),
    whichever service writes it. Nested blocks keep the outer batch."""
    outer = _batch.get()
    if outer is not None:
        yield outer
        return
    current = batch or uuid.uuid4()
    token = _batch.set(current)
    try:
        yield current
    finally:
        _batch.reset(token)


def audit_record(
    *,
    scope: Actor,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: int | None = None,
    label: str = "",
    data: dict[str, Any] | None = None,
    district_id: int | None = None,
    batch: uuid.UUID | None = None,
) -> AuditEntry:
    """Append one audit entry for `action` on `target` by the scope's actor."""
    if target is not None:
        target_type = target_type or target._meta.model_name or ""
        target_id = target.pk
        label = label or str(target)
        district_id = district_id or getattr(target, "district_id", None)
    user = scope.user if scope.user is not None and scope.user.pk else None
    return AuditEntry.objects.create(
        district_id=district_id or scope.district_id,
        actor=user,
        actor_label=scope.label,
        acting_role=str(scope.role),
        launched_by=scope.launched_by,
        via=scope.via,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=label[:300],
        data=data or {},
        batch=batch or _batch.get(),
    )


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """JSON-safe values of `fields` of `obj`, for before/after records."""
    out: dict[str, Any] = {}
    for f in fields:
        v = getattr(obj, f)
        if hasattr(v, "isoformat"):
            v = v.isoformat()
        out[f] = v
    return out
