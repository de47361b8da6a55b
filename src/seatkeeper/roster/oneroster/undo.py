"""Undo of a whole applied import (issue 17.10), for OneRoster and CSV imports alike.

The import journaled what it changed as it wrote (`journal.py`): the runs of ids it created,
the image of each row before its first change (soft deletes included) and each row it deleted.
Undo replays that backwards in one transaction: images back, deleted rows back with their ids,
created rows deleted (with what points to them: access, allocations, history of a new school),
then the seat ledger follows and today's history row is retaken.

Exact by construction, because undo runs only on the state the import left: it is refused
while anything in the district changed since the import began (every change to data is
audited, so the audit log says; sign-ins, tokens, plans made but not applied, purchases,
enforcement and alert settings do not touch what an import writes). A later import must be
undone first. In hard mode undo may not push a school over capacity (the ledger's own rule).
`dry_run` computes everything (counts and the seat effect per school) and rolls it back:
the confirmation page shows exactly what undo will do.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from seatkeeper.audit import actions
from seatkeeper.audit.models import AuditEntry
from seatkeeper.audit.services import audit_record
from seatkeeper.errors import Conflict, NotFound
from seatkeeper.orgs.models import District
from seatkeeper.orgs.scoping import Scope, district_for, require_district_admin
from seatkeeper.roster.models import ImportRun, ImportStatus
from seatkeeper.roster.oneroster import journal
from seatkeeper.roster.oneroster.lock import district_import_lock
from seatkeeper.roster.oneroster.runs import get_import_run_for
from seatkeeper.roster.oneroster.summary import seat_effect, seat_snapshot
from seatkeeper.seats import ledger
from seatkeeper.seats.services import usage_snapshot_take

# Audited actions that never touch what an import wrote (nor rows that point to it).
HARMLESS = (
    "auth.",
    "api.token.",
    "orgs.user.",
    "orgs.product.",
    "orgs.district.settings_changed",
    "orgs.district.created",
    "licensing.enforcement.",
    "licensing.purchase.",
    "seats.alert_settings.",
    actions.FIX_PLAN_CREATED,
)
# What the journal's tables are called on the pages (plural, as the import summary says).
NAMES = {
    "orgs_district": "district",
    "orgs_school": "schools",
    "seats_allocation": "school allocations",
    "roster_term": "terms",
    "roster_course": "courses",
    "roster_teacher": "teachers",
    "seats_teacheraccess": "teacher access rows",
    "roster_student": "students",
    "roster_rosterinvite": "administrator invites",
    "roster_classroom": "classrooms",
    "roster_classroomterm": "classroom terms",
    "roster_classroomteacher": "co-teachers",
    "roster_enrollment": "enrollments",
}


class _DryRun(Exception):
    pass


def _run_label(run: ImportRun) -> str:
    return f"import #{run.pk} ({run.file_name or run.kind})"


def blockers(run: ImportRun) -> list[AuditEntry]:
    """Audited changes in the district since the import began that undo would overwrite
    (a later import applied and undone since, with its undo, cancels out)."""
    assert run.district_id is not None
    assert run.started_at is not None
    later = AuditEntry.objects.filter(district_id=run.district_id, at__gte=run.started_at)
    for prefix in HARMLESS:
        later = later.exclude(action__startswith=prefix)
    later = later.exclude(action=actions.ROSTER_IMPORTED, target_id=run.pk)
    undone = list(
        ImportRun.objects.filter(
            district_id=run.district_id, status=ImportStatus.UNDONE, started_at__gte=run.started_at
        )
        .exclude(pk=run.pk)
        .values_list("pk", flat=True)
    )
    if undone:
        later = later.exclude(
            Q(action__in=[actions.ROSTER_IMPORTED, actions.ROSTER_IMPORT_UNDONE])
            & Q(target_type="import_run", target_id__in=undone)
        )
    return list(later.order_by("at", "id")[:6])


def _check(run: ImportRun) -> None:
    if run.status == ImportStatus.UNDONE:
        raise Conflict(f"{_run_label(run).capitalize()} was already undone.")
    if run.status != ImportStatus.APPLIED:
        raise Conflict(f"{_run_label(run).capitalize()} was not applied: there is nothing to undo.")
    if not run.journal or run.started_at is None:
        raise Conflict(
            f"{_run_label(run).capitalize()} was applied before Seatkeeper kept what undo needs; "
            "it cannot be undone. Fix the roster by hand or import corrected files."
        )
    found = blockers(run)
    if not found:
        return
    later = next((e for e in found if e.action == actions.ROSTER_IMPORTED), None)
    if later is not None:
        raise Conflict(
            f"A later import (#{later.target_id}, {later.target_label}) was applied after "
            f"{_run_label(run)}: undo that one first. Nothing was changed."
        )
    shown = "; ".join(
        f"{actions.label_for(e.action)}: {e.target_label or e.target_type} "
        f"({timezone.localtime(e.at):%Y-%m-%d %H:%M}, {e.actor_label or 'system'})"
        for e in found[:5]
    )
    more = " and more" if len(found) > 5 else ""
    raise Conflict(
        f"The district changed since {_run_label(run)} ({shown}{more}). Undo those changes "
        "first, or fix the roster by hand; nothing was changed.",
        changes=[e.pk for e in found[:5]],
    )


def import_undo(*, scope: Scope, run: ImportRun, dry_run: bool = False) -> dict[str, Any]:
    """Undo the whole applied import `run` (see the module docstring); returns a summary:
    per table what was created, updated and removed by the import (and is now put back), the
    seat effect per school and product, and whether it was applied (`undone`)."""
    require_district_admin(scope, doing="undo an import")
    if run.district_id is None:
        raise Conflict(f"{_run_label(run).capitalize()} was not applied: there is nothing to undo.")
    district = District.objects.get(pk=run.district_id)
    scope, district = district_for(scope, district.slug)
    summary: dict[str, Any] = {"import_run": run.pk, "file": run.file_name, "dry_run": dry_run}
    with district_import_lock(district.slug):  # no import of the district meanwhile
        # Statistics first, in their own short statements, so the deletes plan on real row
        # counts (the import's rows may be too new for autovacuum to have seen them).
        journal.refresh_statistics(journal.tables_undo_reads())
        try:
            with transaction.atomic():
                run = ImportRun.objects.select_for_update().get(pk=run.pk)
                _check(run)
                before = seat_snapshot(scope, district)
                changed = journal.counts(district.pk, run.journal)
                try:
                    # The ledger follows once the enrollments are back (hard mode: refuses
                    # growth over capacity, 409), while the seats' schools still exist.
                    journal.restore(district.pk, run.journal, lambda: ledger.sync(district.pk))
                except ProtectedError as exc:
                    names = ", ".join(sorted({str(o) for o in exc.protected_objects})[:3])
                    raise Conflict(
                        f"Rows this import created are used since ({names}): undo or remove "
                        "those first. Nothing was changed."
                    ) from None
                ledger.sync(district.pk)
                after = seat_snapshot(scope, district)
                summary.update(
                    {
                        "undone": not dry_run,
                        "changes": [
                            {"what": NAMES.get(t, t), "table": t, **c}
                            for t, c in sorted(changed.items(), key=lambda kv: _order(kv[0]))
                        ],
                        "seats": seat_effect(before, after),
                    }
                )
                if dry_run:
                    raise _DryRun
                run.status, run.undone_at = ImportStatus.UNDONE, timezone.now()
                run.save(update_fields=["status", "undone_at"])
                usage_snapshot_take(district=district)
                audit_record(
                    scope=scope,
                    action=actions.ROSTER_IMPORT_UNDONE,
                    target_type="import_run",
                    target_id=run.pk,
                    label=f"{run.kind} import of {run.file_name}",
                    district_id=district.pk,
                    data={"undoes": run.pk, "changes": summary["changes"]},
                )
        except _DryRun:
            pass
    return summary


def import_undo_by_id(*, scope: Scope, run_id: Any, dry_run: bool = False) -> dict[str, Any]:
    """`seatkeeper import undo RUN`: the run named by id, in the district the scope may see
    (the system scope: the run's own district)."""
    try:
        pk = int(run_id)
    except (TypeError, ValueError):
        raise NotFound(f"No import {run_id!r}: give the run's number.") from None
    if scope.district_id is None:
        slug = (
            ImportRun.objects.filter(pk=pk, district__isnull=False)
            .values_list("district__slug", flat=True)
            .first()
        )
        if slug is None:
            raise NotFound(f"No applied import {pk}.")
        scope, _ = district_for(scope, slug)
    return import_undo(scope=scope, run=get_import_run_for(scope, pk), dry_run=dry_run)


def render_undo_text(summary: dict[str, Any]) -> str:
    """The CLI's plain summary of an undo (or of its dry run)."""
    head = "Dry run: would put back" if summary.get("dry_run") else "Undone: put back"
    lines = [f"{head} import #{summary['import_run']} ({summary['file']})."]
    for c in summary.get("changes", []):
        parts = [
            f"{c[k]} {label}"
            for k, label in (
                ("created", "created by the import, removed"),
                ("updated", "changed, put back"),
                ("removed", "removed by the import, restored"),
            )
            if c.get(k)
        ]
        lines.append(f"  {c['what']}: {'; '.join(parts)}")
    for s in summary.get("seats", []):
        if s.get("used_before") != s.get("used_after"):
            lines.append(
                f"  seats {s['school']} · {s['product']}: {s['used_before']} -> "
                f"{s['used_after']} used of {s['capacity_after']}"
            )
    return "\n".join(lines) + "\n"


def _order(table: str) -> int:
    order = list(NAMES)
    return order.index(table) if table in order else len(order)
