"""Import runs for the web page and the background worker: upload, preview, apply, progress.

An uploaded file is kept under MEDIA_ROOT/imports/ so a preview (dry run) and the apply that
follows read the same bytes. Every run goes to the task queue (`roster.tasks.run_import`),
enqueued in the transaction that creates it: unpacking, validating and the dry run happen in
the worker, never in the web request, and the page shows the run's progress at once. Progress
is written from a separate autocommit connection on PostgreSQL, so the page sees it while the
import's own transaction is still open (on SQLite the write lock forbids that: the bar shows
the stage).

A run never stays queued or running without a live owner: `seatkeeper serve` fails the runs
whose job is gone (`import_run_fail`, called by `cli/supervisor.py`). The uploaded file is
deleted `SEATKEEPER_UPLOAD_RETENTION_DAYS` after its last run ended (`import_files_prune`); a
dry run whose file is gone can no longer be applied.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from seatkeeper.errors import Forbidden, InvalidInput, NotFound, SeatkeeperError
from seatkeeper.jobs.limits import JobTimeLimit
from seatkeeper.orgs.models import Role, RosterSource
from seatkeeper.orgs.scoping import ADMIN_ROLES, Scope, system_scope
from seatkeeper.roster.models import ImportRun, ImportStatus
from seatkeeper.roster.oneroster import archive
from seatkeeper.roster.oneroster.importer import describe_error
from seatkeeper.roster.scoping import scope_for_user

logger = logging.getLogger(__name__)
ACTIVE = (ImportStatus.QUEUED, ImportStatus.RUNNING)
ENDED = (ImportStatus.PREVIEWED, ImportStatus.APPLIED, ImportStatus.FAILED, ImportStatus.UNDONE)


def import_runs_visible(scope: Scope) -> QuerySet[ImportRun]:
    """District admins see every run of their district; school admins the runs they made."""
    qs = ImportRun.objects.filter(
        Q(district_id=scope.require_district()) | Q(district__isnull=True, actor=scope.user)
    )
    if scope.role not in (Role.OPERATOR, Role.DISTRICT_ADMIN) or scope.school_ids is not None:
        qs = qs.filter(actor=scope.user)
    return qs


def applied_import_ids(*, district_id: int, ids: Iterable[int]) -> set[int]:
    """Of the runs `ids`, those applied and not undone (the audit log offers their undo)."""
    ids = list(ids)
    if not ids:
        return set()
    return set(
        ImportRun.objects.filter(
            district_id=district_id, pk__in=ids, status=ImportStatus.APPLIED
        ).values_list("pk", flat=True)
    )


def get_import_run_for(scope: Scope, pk: Any) -> ImportRun:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(f"No import {pk!r}.") from None
    run = import_runs_visible(scope).filter(pk=pk).first()
    if run is None:
        raise NotFound(f"No import {pk}.")
    return run


def import_run_create(
    *, scope: Scope, district_slug: str, kind: str, name: str, data: IO[bytes], size: int
) -> ImportRun:
    """Keep an upload and create its preview run (queued)."""
    if scope.role not in ADMIN_ROLES:
        raise Forbidden("Only admins may import rosters.")
    if kind == RosterSource.ONEROSTER and (
        scope.role not in (Role.OPERATOR, Role.DISTRICT_ADMIN) or scope.school_ids is not None
    ):
        raise Forbidden("Only a district admin may import OneRoster files.")
    if kind not in (RosterSource.ONEROSTER, RosterSource.CSV):
        raise InvalidInput("Choose OneRoster or CSV.")
    limits = archive.Limits.current()
    if size > limits.upload_bytes:
        raise archive.upload_too_large(Path(name).name or "upload", limits)
    folder = Path(settings.MEDIA_ROOT) / "imports" / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    safe = Path(name).name or "upload"
    target = folder / safe
    received = 0
    with target.open("wb") as fh:
        for chunk in iter(lambda: data.read(1 << 20), b""):
            received += len(chunk)
            if received > limits.upload_bytes:  # a size that lied: count what comes
                fh.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise archive.upload_too_large(safe, limits)
            fh.write(chunk)
    user = scope.user if scope.user is not None and scope.user.pk else None
    return _queued(
        ImportRun(
            district_id=scope.district_id,
            district_slug=district_slug,
            kind=kind,
            file_name=safe[:255],
            file_path=str(target),
            dry_run=True,
            actor=user,
            actor_label=scope.label,
        )
    )


def import_run_apply(*, scope: Scope, run: ImportRun) -> ImportRun:
    """Queue the apply of a previewed run: the same file, for real."""
    run = get_import_run_for(scope, run.pk)
    if run.status != ImportStatus.PREVIEWED:
        raise InvalidInput("Only a dry run without errors can be applied.")
    if not run.file_path or not Path(run.file_path).is_file():
        raise InvalidInput(
            f"The uploaded file {run.file_name} is no longer kept (uploads are deleted "
            f"{_retention_text()} after their run); upload it again to preview and apply it."
        )
    user = scope.user if scope.user is not None and scope.user.pk else None
    return _queued(
        ImportRun(
            district=run.district,
            district_slug=run.district_slug,
            kind=run.kind,
            file_name=run.file_name,
            file_path=run.file_path,
            dry_run=False,
            actor=user,
            actor_label=scope.label,
        )
    )


def _queued(run: ImportRun) -> ImportRun:
    """Save the run and enqueue its job in one transaction: both exist, or neither."""
    from seatkeeper.roster.tasks import run_import

    with transaction.atomic():
        run.save()
        result = run_import.enqueue(run.pk)
        run.task_id = str(result.id)[:64]
        ImportRun.objects.filter(pk=run.pk).update(task_id=run.task_id)
    run.refresh_from_db()
    return run


def import_run_fail(run_id: int, message: str, *, stage: str = "stopped") -> bool:
    """Fail a run still queued or running whose job is gone (its worker died, or it ran past
    its time limit): nothing was written. False when the run had already ended."""
    problem = {"message": message}
    return bool(
        ImportRun.objects.filter(pk=run_id, status__in=ACTIVE).update(
            status=ImportStatus.FAILED,
            summary={"errors": [problem], "detail": message},
            errors=[problem],
            finished_at=timezone.now(),
            stage=stage,
        )
    )


def _retention() -> dt.timedelta:
    return dt.timedelta(days=float(getattr(settings, "SEATKEEPER_UPLOAD_RETENTION_DAYS", 7)))


def _retention_text() -> str:
    days = _retention().total_seconds() / 86400
    if days <= 0:
        return "as soon as"
    if days < 1:
        return f"{round(days * 24)} hours"
    return f"{days:g} day{'s' if days != 1 else ''}"


def import_files_prune(now: dt.datetime | None = None) -> int:
    """Delete the uploaded files whose runs have all ended more than the retention period ago
    (a dry run's file stays that long for its Apply). Returns the number of files deleted."""
    cutoff = (now or timezone.now()) - _retention()
    busy = set(
        ImportRun.objects.filter(status__in=ACTIVE)
        .exclude(file_path="")
        .values_list("file_path", flat=True)
    )
    ended = (
        ImportRun.objects.exclude(file_path="")
        .values("file_path")
        .annotate(last=Max("finished_at"))
        .filter(last__lte=cutoff)
    )
    deleted = 0
    for row in ended:
        path = row["file_path"]
        if path in busy:
            continue
        _delete_upload(Path(path))
        ImportRun.objects.filter(file_path=path).exclude(status__in=ACTIVE).update(file_path="")
        deleted += 1
    return deleted


def _delete_upload(path: Path) -> None:
    root = (Path(settings.MEDIA_ROOT) / "imports").resolve()
    folder = path.resolve().parent
    if folder.parent == root:  # MEDIA_ROOT/imports/<uuid>/<file>: the upload's own folder
        shutil.rmtree(folder, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


class _Progress:
    """Throttled progress writes; on PostgreSQL through a second, autocommit connection."""

    def __init__(self, run_id: int):
        self.run_id = run_id
        self.last = 0.0
        self.side = None
        if connection.vendor == "postgresql":
            self.side = connections.create_connection("default")

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.5 and stage == getattr(self, "stage", stage):
            return
        self.last, self.stage = now, stage
        sql = "UPDATE roster_importrun SET stage = %s, done = %s, total = %s WHERE id = %s"
        if self.side is not None:
            with self.side.cursor() as cur:
                cur.execute(sql, [stage, done, total, self.run_id])
        elif not connection.in_atomic_block:
            ImportRun.objects.filter(pk=self.run_id).update(stage=stage, done=done, total=total)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def import_run_execute(run_id: int) -> ImportRun:
    """Run a queued import (preview or apply) as its actor; never raises for bad files."""
    run = ImportRun.objects.get(pk=run_id)
    if run.status not in (ImportStatus.QUEUED,):
        return run
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING, stage="starting")
    try:
        return _execute(run)
    finally:
        if _retention().total_seconds() <= 0:
            import_files_prune()


def _execute(run: ImportRun) -> ImportRun:
    from seatkeeper.roster.csv_upload import csv_import
    from seatkeeper.roster.oneroster.importer import oneroster_import

    progress = _Progress(run.pk)
    try:
        scope = scope_for_user(run.actor, via="web") if run.actor else system_scope(via="task")
        if scope.district_id is None and run.district_id is not None:
            from dataclasses import replace

            scope = replace(scope, district_id=run.district_id)
        fn = oneroster_import if run.kind == RosterSource.ONEROSTER else csv_import
        summary = fn(
            scope=scope,
            path=run.file_path,
            district_slug=run.district_slug,
            dry_run=run.dry_run,
            label=run.file_name,
            progress=progress,
            run=None if run.dry_run else run,
        )
    except SeatkeeperError as exc:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.FAILED,
            summary=describe_error(exc),
            errors=describe_error(exc).get("errors", []),
            finished_at=timezone.now(),
            stage="refused",
        )
        return ImportRun.objects.get(pk=run.pk)
    except JobTimeLimit as exc:
        import_run_fail(run.pk, str(exc), stage="time limit")
        return ImportRun.objects.get(pk=run.pk)
    except Exception:
        # A bug, not bad files: the page must not poll forever, nor show a traceback.
        logger.exception("import run %s failed", run.pk)
        problem = {"message": "The import stopped on an unexpected error; nothing was written."}
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.FAILED,
            summary={"errors": [problem]},
            errors=[problem],
            finished_at=timezone.now(),
            stage="error",
        )
        return ImportRun.objects.get(pk=run.pk)
    finally:
        progress.close()
    if run.dry_run:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.PREVIEWED,
            summary=summary,
            held_back=summary.get("held_back", []),
            finished_at=timezone.now(),
            stage="done",
        )
    else:
        ImportRun.objects.filter(pk=run.pk).update(stage="done")
    return ImportRun.objects.get(pk=run.pk)
