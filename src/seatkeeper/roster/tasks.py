"""Background tasks (django-tasks, database backend; `seatkeeper db_worker` runs them)."""

from __future__ import annotations

from django_tasks import task

from seatkeeper.roster.oneroster.runs import import_run_execute


@task()
def run_import(run_id: int) -> str:
    """Run a queued roster import (preview or apply); its progress is on the ImportRun row."""
    return import_run_execute(run_id).status
