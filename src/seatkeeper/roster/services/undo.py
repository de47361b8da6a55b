"""issue 17.11: undo from the audit log, for seat moves, access switches and un-enrolls.

Each undo goes through the service that made the change (so it is audited and the seat ledger
follows exactly), refuses when the state changed since the entry (nothing is written then),
and writes one `audit.entry.undone` entry naming the entry it undid (an entry is undone once).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from seatkeeper.audit import actions
from seatkeeper.audit.models import AuditEntry
from seatkeeper.audit.selectors import undone_entry_ids
from seatkeeper.audit.services import audit_batch, audit_record
from seatkeeper.errors import Conflict, InvalidInput, NotFound
from seatkeeper.orgs.models import Product, School
from seatkeeper.orgs.scoping import Scope, require_district_admin
from seatkeeper.roster.models import Enrollment
from seatkeeper.roster.services.access import access_switch
from seatkeeper.roster.services.enrollments import enrollments_restore
from seatkeeper.seats.models import Allocation, TeacherAccess
from seatkeeper.seats.services import allocation_move

UNDOABLE = frozenset(
    {
        actions.ALLOCATION_MOVED,
        actions.ACCESS_CHANGED,
        actions.STUDENT_UNENROLLED,
        actions.CLASSROOM_UNENROLLED_ALL,
        actions.ENROLLMENT_DELETED,
    }
)


def get_entry_for(scope: Scope, pk: Any) -> AuditEntry:
    try:
        return AuditEntry.objects.get(pk=int(pk), district_id=scope.require_district())
    except (AuditEntry.DoesNotExist, TypeError, ValueError):
        raise NotFound(f"No audit entry {pk!r}.") from None


def _changed(what: str) -> Conflict:
    return Conflict(f"{what} changed since this entry, so it cannot be undone from the log.")


def _undo_move(scope: Scope, e: AuditEntry) -> str:
    d = e.data
    product = Product.objects.filter(district_id=e.district_id, code=d["product"]).first()
    if product is None:
        raise _changed("The product")
    src = School.objects.get(district_id=e.district_id, pk=d["from_school"])
    dst = School.objects.get(district_id=e.district_id, pk=d["to_school"])
    now = {
        a.school_id: a.seats
        for a in Allocation.objects.select_for_update().filter(
            district_id=e.district_id, product=product, school_id__in=[src.pk, dst.pk]
        )
    }
    if (now.get(src.pk), now.get(dst.pk)) != (d["new"]["from"], d["new"]["to"]):
        raise _changed(f"The {product.name} seats of {src.name} or {dst.name}")
    allocation_move(scope=scope, product=product, from_school=dst, to_school=src, seats=d["seats"])
    return f"{d['seats']} {product.name} seats moved back from {dst.name} to {src.name}"


def _undo_access(scope: Scope, e: AuditEntry) -> str:
    access = (
        TeacherAccess.objects.select_for_update()
        .select_related("teacher", "product")
        .filter(district_id=e.district_id, pk=e.target_id)
        .first()
    )
    if access is None or access.on != bool(e.data["new"]["on"]):
        raise _changed("This teacher's access")
    old = bool(e.data["old"]["on"])
    _, effect = access_switch(scope=scope, teacher=access.teacher, product=access.product, on=old)
    seats = abs(effect.total_freed)
    return (
        f"{access.teacher}'s {access.product.name} access is {'ON' if old else 'OFF'} again; "
        f"{seats} seat{'s' if seats != 1 else ''} {'used' if old else 'freed'}"
    )


def _undo_unenroll(scope: Scope, e: AuditEntry) -> str:
    rows = (e.data.get("old") or {}).get("enrollments") or []
    if not rows:
        raise InvalidInput("This entry records no enrollment to put back.")
    taken = Enrollment.objects.filter(district_id=e.district_id, pk__in=[r["id"] for r in rows])
    pairs = {(r["classroom_id"], r["student_id"]) for r in rows}
    again = Enrollment.objects.filter(
        district_id=e.district_id,
        classroom_id__in={c for c, _ in pairs},
        student_id__in={s for _, s in pairs},
    ).values_list("classroom_id", "student_id")
    if taken.exists() or pairs & set(again):
        raise _changed("These enrollments")
    n = enrollments_restore(scope=scope, rows=rows)
    return f"{n} enrollment{'s' if n != 1 else ''} put back"


@transaction.atomic
def audit_entry_undo(*, scope: Scope, entry: AuditEntry) -> str:
    """Undo one entry of the log (UNDOABLE kinds); returns what was done, in words."""
    require_district_admin(scope, doing="undo changes from the audit log")
    entry = AuditEntry.objects.select_for_update().get(pk=get_entry_for(scope, entry.pk).pk)
    if entry.action not in UNDOABLE:
        raise InvalidInput(f"“{actions.label_for(entry.action)}” cannot be undone from the log.")
    if undone_entry_ids(district_id=entry.district_id or 0, ids=[entry.pk]):
        raise Conflict("This change was already undone.")
    with audit_batch():
        if entry.action == actions.ALLOCATION_MOVED:
            done = _undo_move(scope, entry)
        elif entry.action == actions.ACCESS_CHANGED:
            done = _undo_access(scope, entry)
        else:
            done = _undo_unenroll(scope, entry)
        audit_record(
            scope=scope,
            action=actions.AUDIT_ENTRY_UNDONE,
            target_type="auditentry",
            target_id=entry.pk,
            label=f"Undo: {actions.label_for(entry.action)} · {entry.target_label}",
            district_id=entry.district_id,
            data={"undoes": entry.pk, "action": entry.action, "done": done},
        )
    return done
