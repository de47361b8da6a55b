"""django-tasks entry points: district-wide detection runs in the background with progress.

`detection_start` records a DetectionRun and enqueues `detect_duplicates` after commit; the task
runs the same selector the CLI and API use, writes progress to the run (polled by the page) and
stores the `--json` contract as the result.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from seatkeeper.dedup.models import DetectionRun, Kind, RunStatus
from seatkeeper.dedup.selectors import (
    groups_as_dict,
    scope_school_ids,
    student_duplicate_groups,
    teacher_duplicate_groups,
)
from seatkeeper.orgs.models import District
from seatkeeper.orgs.scoping import ADMIN_ROLES, Scope, require_role, system_scope


def detection_start(
    *,
    scope: Scope,
    district: District,
    kind: str = Kind.STUDENT,
    school_ids: Iterable[int] | None = None,
    min_score: float | None = None,
) -> DetectionRun:
    """Queue a detection run over the caller's scope (or the given schools within it)."""
    require_role(scope, *ADMIN_ROLES, doing="look for duplicates")
    schools = scope_school_ids(scope, school_ids)
    user = scope.user if scope.user is not None and scope.user.pk else None
    run = DetectionRun.objects.create(
        district=district,
        kind=kind,
        school_ids=sorted(schools) if schools is not None else None,
        min_score=min_score,
        created_by=user,
    )
    transaction.on_commit(lambda: detect_duplicates.enqueue(run.pk))
    return run


def detection_run_fail(run_id: int, message: str) -> bool:
    """Fail a run still queued or running (its job is gone: the worker died or the job's time
    limit passed); False when it had already ended."""
    return bool(
        DetectionRun.objects.filter(
            pk=run_id, status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
        ).update(status=RunStatus.FAILED, error=message[:2000], finished_at=timezone.now())
    )


@task()
def detect_duplicates(run_id: int) -> int:
    """Run one DetectionRun; returns the number of groups found."""
    run = DetectionRun.objects.select_related("district").get(pk=run_id)
    DetectionRun.objects.filter(pk=run_id).update(status=RunStatus.RUNNING)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 or done == total:
            last[0] = now
            DetectionRun.objects.filter(pk=run_id).update(done=done, total=total)

    find: Any = student_duplicate_groups if run.kind == Kind.STUDENT else teacher_duplicate_groups
    try:
        groups = find(
            scope=system_scope(run.district, via="task"),
            district=run.district,
            school_ids=run.school_ids,
            min_score=run.min_score,
            progress=progress,
        )
    except Exception as exc:
        DetectionRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    DetectionRun.objects.filter(pk=run_id).update(
        status=RunStatus.DONE,
        result=groups_as_dict(run.district, groups),
        finished_at=timezone.now(),
    )
    return len(groups)
