"""The processes that run background jobs, seen through their heartbeats.

A task worker (`seatkeeper db_worker`) registers a row when it starts and beats every few
seconds; the supervisor in `seatkeeper serve` has a row too (its worker, restarts, last exit),
which the status endpoint (`/status`) reads. Not a tenant table: processes serve every district.
"""

from __future__ import annotations

from django.db import models


class ProcessKind(models.TextChoices):
    WORKER = "worker", "task worker"
    SUPERVISOR = "supervisor", "supervisor"


class WorkerProcess(models.Model):
    """One process: `key` is "worker:<worker id>" or "supervisor:<host>:<port>"."""

    key = models.CharField(max_length=120, primary_key=True)
    kind = models.CharField(max_length=12, choices=ProcessKind.choices)
    host = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    # up | stopped | dead (supervisor: up | restarting | stopped); `info` the details.
    state = models.CharField(max_length=12, default="up")
    info = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "beat_at"])]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"
