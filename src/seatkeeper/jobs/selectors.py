"""The health of background work, for the status endpoint and the Import page."""

from __future__ import annotations

import os
from typing import Any

from django.db.models import Min
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from seatkeeper.jobs.models import ProcessKind, WorkerProcess
from seatkeeper.jobs.processes import is_alive

SUPERVISOR_ENV = "SEATKEEPER_SUPERVISOR_KEY"  # set by `seatkeeper serve` for its web processes


def worker_status() -> dict[str, Any]:
    """{"state": "up" | "starting" | "restarting" | "down", "workers": [...],
    "supervisor": {...} | None, "queue": {"queued", "running", "oldest_queued_seconds"}}.

    "up": a live task worker exists. "starting": none yet, this server's supervisor has just
    started one. "restarting": none, the supervisor brings one back after a backoff. "down":
    none, and nothing is restarting one: queued jobs wait until a worker runs (`seatkeeper
    serve`, or `seatkeeper db_worker`).
    """
    now = timezone.now()
    live = [
        p
        for p in WorkerProcess.objects.filter(kind=ProcessKind.WORKER, stopped_at__isnull=True)
        if is_alive(p, now)
    ]
    key = os.environ.get(SUPERVISOR_ENV, "")
    sup = WorkerProcess.objects.filter(pk=key).first() if key else None
    supervisor = None
    if sup is not None:
        info = sup.info
        supervisor = {
            "state": sup.state,
            "pid": sup.pid,
            "worker_pid": info.get("worker_pid"),
            "restarts": info.get("restarts", 0),
            "last_exit": info.get("last_exit"),
            "last_exit_at": info.get("last_exit_at"),
            "next_start_at": info.get("next_start_at"),
            "beat_seconds_ago": round((now - sup.beat_at).total_seconds(), 1),
        }
    state = "up" if live else "down"
    if not live and sup is not None and sup.state in ("restarting", "up"):
        state = "restarting" if sup.state == "restarting" else "starting"
    queued = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    oldest = queued.aggregate(at=Min("enqueued_at"))["at"]
    return {
        "state": state,
        "workers": [
            {
                "id": p.key.removeprefix("worker:"),
                "pid": p.pid,
                "started_at": p.started_at.isoformat(),
                "beat_seconds_ago": round((now - p.beat_at).total_seconds(), 1),
            }
            for p in live
        ],
        "supervisor": supervisor,
        "queue": {
            "queued": queued.count(),
            "running": DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count(),
            "oldest_queued_seconds": round((now - oldest).total_seconds()) if oldest else None,
        },
    }
