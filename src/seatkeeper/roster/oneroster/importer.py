"""Roster imports, one code path for the CLI, the web page and the background task.

`oneroster_import` validates every file first (collecting every error with file, line, column
and value, up to a limit), then writes in ONE transaction: the district (created when the slug
is new), schools, terms, teachers, students, invites for administrators, classrooms and
enrollments, matched by sourcedId. Hard enforcement holds back seats beyond capacity
(`holdback.py`). The summary (per entity created/updated/deleted/unchanged, seat effect per
school and product) is computed inside the transaction; a dry run then rolls it back, so it
writes nothing and predicts exactly what applying does. One audit entry records the import
with what undo needs (removed enrollment rows, soft-deleted ids, the id floor of new rows).
The seat ledger follows the writes set-based (`seats.ledger.sync`), so the summary's seat
figures are the ledger's own, before and after, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from seatkeeper.audit import actions
from seatkeeper.audit.services import audit_record
from seatkeeper.errors import InvalidInput, NotFound, SeatkeeperError
from seatkeeper.orgs.models import District, Role, RosterSource
from seatkeeper.orgs.scoping import Scope, district_for, require_district_admin
from seatkeeper.orgs.services import district_create
from seatkeeper.roster.models import ImportRun, ImportStatus, Term
from seatkeeper.roster.oneroster import ids
from seatkeeper.roster.oneroster.holdback import hold_back
from seatkeeper.roster.oneroster.lock import district_import_lock
from seatkeeper.roster.oneroster.mapper import Writer, WriteResult
from seatkeeper.roster.oneroster.notes import Notes
from seatkeeper.roster.oneroster.reader import open_source
from seatkeeper.roster.oneroster.stage import drop_all
from seatkeeper.roster.oneroster.summary import seat_effect, seat_snapshot
from seatkeeper.roster.oneroster.validate import Dataset, Known, validate
from seatkeeper.seats import ledger
from seatkeeper.seats.services import usage_snapshot_take

ProgressFn = Callable[[str, int, int], None]


class ImportRefused(InvalidInput):
    """The files have errors: nothing was written. `extra["summary"]` has errors and notes."""

    code = "import_refused"


class _DryRun(Exception):
    """Raised to roll a dry run back after its summary is computed."""


def resolve_district(scope: Scope, slug: str) -> tuple[Scope, District | None]:
    """The district to import into, or None when the import will create it (operators only)."""
    district = District.objects.filter(slug=slug).first()
    if district is None:
        if scope.role != Role.OPERATOR:
            raise NotFound(f"No district {slug!r}.")
        return scope, None
    scope, district = district_for(scope, slug)
    require_district_admin(scope, doing="import rosters")
    return scope, district


def known_ids(district: District | None) -> Known:
    """What a delta set may refer to besides its own rows: the district's schools and terms
    (classes and users already in the district are looked up by the validator's queries)."""
    known = Known()
    if district is None:
        return known
    from seatkeeper.orgs.models import School

    live = {"district_id": district.pk}
    known.district_id = district.pk
    known.district_sid = ids.district_sid(district.sourced_id, district.slug)
    # Rows without a sourcedId are known by the one an export made up for them (ids.py).
    known.schools = {
        ids.made_up("school", pk, sid)
        for pk, sid in School.objects.filter(**live, deleted_at__isnull=True).values_list(
            "id", "sourced_id"
        )
    }
    known.terms = {
        ids.made_up("term", pk, sid)
        for pk, sid in Term.objects.filter(**live).values_list("id", "sourced_id")
    }
    return known


def refuse(notes: Notes, summary: dict[str, Any]) -> ImportRefused:
    # Rules run one at a time; an admin reads the errors file by file, line by line.
    files: dict[str | None, int] = {}
    for p in notes.errors:
        files.setdefault(p.file, len(files))
    notes.errors.sort(key=lambda p: (files[p.file], p.line or 0))
    n = notes.error_count
    summary["errors"] = [p.as_dict() for p in notes.errors]
    summary["error_count"] = n
    summary["warnings"] = notes.warning_list()
    shown = "" if n <= len(notes.errors) else f" (the first {len(notes.errors)} are listed)"
    return ImportRefused(
        f"Import refused, nothing was written: {n} problem{'s' if n != 1 else ''} in the "
        f"files{shown}.",
        problems=notes.errors,
        summary=summary,
    )


def oneroster_import(*, district_slug: str, **kwargs: Any) -> dict[str, Any]:
    """Import a OneRoster zip or folder into a district; returns the summary (see module doc).
    One import of a district at a time (`lock.district_import_lock`)."""
    with district_import_lock(district_slug):
        return _oneroster_import(district_slug=district_slug, **kwargs)


def _oneroster_import(
    *,
    scope: Scope,
    path: str | Path,
    district_slug: str,
    dry_run: bool = False,
    label: str | None = None,
    progress: ProgressFn | None = None,
    run: ImportRun | None = None,
) -> dict[str, Any]:
    scope, district = resolve_district(scope, district_slug)
    source = open_source(path, label)
    summary: dict[str, Any] = {
        "kind": RosterSource.ONEROSTER,
        "file": source.label,
        "district": district_slug,
        "dry_run": dry_run,
    }
    try:
        report = progress or (lambda stage, done, total: None)
        report("validating", 0, 0)
        ds = validate(source, known_ids(district), report)
        summary["version"] = ds.version
        summary["mode"] = "delta" if ds.delta else "bulk"
        if ds.notes.error_count:
            raise refuse(ds.notes, summary)
        total = ds.user_rows + ds.enrollment_rows
        done = [0]

        def step(n: int) -> None:
            done[0] += n
            report("writing rows", done[0], total)

        def write(d: District, journal: str | None) -> WriteResult:
            return Writer(ds, d, RosterSource.ONEROSTER, step, journal).run()

        org = ds.district_org
        return apply_import(
            scope=scope,
            district=district,
            district_slug=district_slug,
            district_name=org.name if org else district_slug,
            district_sourced_id=org.sid if org else "",
            write=write,
            notes=ds.notes,
            summary=summary,
            dry_run=dry_run,
            run=run,
        )
    finally:
        drop_all()
        source.close()


def apply_import(
    *,
    scope: Scope,
    district: District | None,
    district_slug: str,
    district_name: str,
    district_sourced_id: str,
    write: Callable[[District, str | None], WriteResult],
    notes: Notes,
    summary: dict[str, Any],
    dry_run: bool,
    run: ImportRun | None,
) -> dict[str, Any]:
    """The transaction shared by OneRoster and CSV imports (see the module docstring)."""
    try:
        with transaction.atomic():
            summary["district_created"] = district is None
            if district is None:
                district = district_create(
                    scope=scope,
                    slug=district_slug,
                    name=district_name,
                    sourced_id=district_sourced_id,
                )
                scope, district = district_for(scope, district_slug)
            before = seat_snapshot(scope, district)
            # What undo needs is journaled as the rows are written (issue 17.10); a dry run
            # journals nothing.
            journal = None if dry_run else uuid.uuid4().hex
            started = timezone.now()
            result = write(district, journal)
            if notes.error_count:  # the writer found something validation could not
                raise refuse(notes, summary)
            # The writes were journaled by the database: fold them into the seat ledger (one
            # set-based recompute of the touched students), hold back what hard mode refuses,
            # and fold that in too. A dry run rolls all of it back.
            ledger.sync(district.pk, enforce=False)
            held, still_over = hold_back(
                scope=scope, district=district, before=before, floor=result.enrollment_id_floor
            )
            ledger.sync(district.pk, enforce=False)
            result.counts["enrollments"].created -= sum(h["enrollments"] for h in held)
            after = seat_snapshot(scope, district)
            summary.update(
                {
                    "applied": not dry_run,
                    "entities": {k: c.as_dict() for k, c in result.counts.items()},
                    "ignored": result.ignored,
                    "warnings": notes.warning_list(),
                    "seats": seat_effect(before, after),
                    "held_back": held,
                    "still_over_capacity": still_over,
                    "errors": [],
                }
            )
            if dry_run:
                raise _DryRun
            run = _record(scope, district, run, summary, held, journal or "", started)
            summary["import_run"] = run.pk
            usage_snapshot_take(district=district)  # issue 16.1: the day's history row
            audit_record(
                scope=scope,
                action=actions.ROSTER_IMPORTED,
                target_type="import_run",
                target_id=run.pk,
                label=f"{summary['kind']} import of {summary['file']}",
                district_id=district.pk,
                data={
                    "new": {
                        "kind": summary["kind"],
                        "file": summary["file"],
                        "entities": summary["entities"],
                        "held_back": len(held),
                    },
                    "undo": {
                        "journal": journal,
                        "enrollment_id_floor": result.enrollment_id_floor,
                        "removed_enrollments": result.removed_enrollments,
                        "soft_deleted": result.deleted_ids,
                    },
                },
            )
    except _DryRun:
        pass
    return summary


def _record(
    scope: Scope,
    district: District,
    run: ImportRun | None,
    summary: dict[str, Any],
    held: list[dict[str, Any]],
    journal: str,
    started: dt.datetime,
) -> ImportRun:
    user = scope.user if scope.user is not None and scope.user.pk else None
    if run is None:
        run = ImportRun(
            district_slug=district.slug,
            kind=summary["kind"],
            file_name=str(summary["file"])[:255],
            actor=user,
            actor_label=scope.label,
        )
    run.district = district
    run.dry_run = False
    run.status = ImportStatus.APPLIED
    run.summary = summary
    run.errors = []
    run.held_back = held
    run.journal = journal
    run.started_at = started
    run.finished_at = timezone.now()
    run.save()
    return run


def describe_error(exc: SeatkeeperError) -> dict[str, Any]:
    """Summary-shaped dict for any refusal (file errors, scope, a conflict)."""
    if isinstance(exc, ImportRefused):
        return dict(exc.extra["summary"])
    return {"errors": [p.as_dict() for p in exc.problems] or [{"message": exc.message}]}


__all__ = ["Dataset", "ImportRefused", "apply_import", "oneroster_import", "resolve_district"]
