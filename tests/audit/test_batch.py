"""Audit batches: every entry written inside `audit_batch()` shares one uuid, whichever service
writes it, so a fix plan or a merge reads as one event in the log."""

from __future__ import annotations

from seatkeeper.audit.models import AuditEntry
from seatkeeper.audit.services import audit_batch
from seatkeeper.seats.services import allocation_set
from tests.factories import DistrictWorld


def _last(n: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.order_by("-id")[:n])


def test_entries_inside_a_batch_share_its_uuid(world_a: DistrictWorld) -> None:
    scope = world_a.scope("district_admin")
    s1, s2 = world_a.schools[:2]
    with audit_batch() as batch:
        allocation_set(scope=scope, school=s1, product=world_a.product, seats=10)
        allocation_set(scope=scope, school=s2, product=world_a.product, seats=10)
    assert [e.batch for e in _last(2)] == [batch, batch]
    allocation_set(scope=scope, school=s1, product=world_a.product, seats=11)
    assert _last(1)[0].batch is None


def test_a_nested_batch_keeps_the_outer_uuid(world_a: DistrictWorld) -> None:
    scope = world_a.scope("district_admin")
    with audit_batch() as outer, audit_batch() as inner:
        allocation_set(scope=scope, school=world_a.schools[0], product=world_a.product, seats=9)
    assert inner == outer
    assert _last(1)[0].batch == outer
