"""Heartbeats and liveness of the processes that run background jobs.

A process is alive when, on this host, its pid runs with the start time it registered (a
definitive answer, whatever its heartbeat: on SQLite a long import holds the write lock and a
heartbeat may wait behind it); on another host, when it beat within `STALE` seconds. A worker
id with no row (a worker of an older release) is not alive.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Iterable
from typing import Any

from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from seatkeeper.jobs.models import ProcessKind, WorkerProcess

logger = logging.getLogger(__name__)
HEARTBEAT = 5.0  # seconds between beats
STALE = 60.0  # a process on another host that has not beaten for this long is gone


def this_host() -> str:
    return socket.gethostname()[:255]


def proc_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc), None when it is not running;
    "" where /proc is not there (then only the pid is checked)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except FileNotFoundError:
        return None
    except OSError:
        return ""
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat.rsplit(")", 1)[-1].split()
    if fields and fields[0] in ("Z", "X"):  # a zombie is dead, even before it is reaped
        return None
    return fields[19] if len(fields) > 19 else ""


def pid_alive(pid: int, start: str | None) -> bool:
    now = proc_start(pid)
    if now is None:
        return False
    if now == "" or not start:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return now == start


def worker_key(worker_id: str) -> str:
    return f"worker:{worker_id}"


def register(*, key: str, kind: str, info: dict[str, Any] | None = None) -> WorkerProcess:
    """This process starts (or restarts) under `key`."""
    now = timezone.now()
    pid = os.getpid()
    proc, _ = WorkerProcess.objects.update_or_create(
        key=key,
        defaults={
            "kind": kind,
            "host": this_host(),
            "pid": pid,
            "started_at": now,
            "beat_at": now,
            "stopped_at": None,
            "state": "up",
            "info": {"proc_start": proc_start(pid) or "", **(info or {})},
        },
    )
    return proc


def mark_stopped(key: str, *, state: str, **info: Any) -> None:
    """The process under `key` ended (`state`: stopped, dead); `info` says how."""
    proc = WorkerProcess.objects.filter(pk=key).first()
    if proc is None:
        return
    proc.state = state
    proc.stopped_at = timezone.now()
    proc.info = {**proc.info, **info, "state": state}
    proc.save(update_fields=["state", "stopped_at", "info"])


def is_alive(proc: WorkerProcess, now: dt.datetime | None = None) -> bool:
    if proc.stopped_at is not None:
        return False
    if proc.host == this_host():
        return pid_alive(proc.pid, str(proc.info.get("proc_start", "")))
    now = now or timezone.now()
    return (now - proc.beat_at).total_seconds() < STALE


def live_worker_ids(worker_ids: Iterable[str]) -> set[str]:
    """Which of these task worker ids belong to a live worker process."""
    ids = {w for w in worker_ids if w}
    keys = {worker_key(w): w for w in ids}
    now = timezone.now()
    return {
        keys[p.key]
        for p in WorkerProcess.objects.filter(pk__in=list(keys), kind=ProcessKind.WORKER)
        if is_alive(p, now)
    }


class Heartbeat(threading.Thread):
    """Beats for `key` every HEARTBEAT seconds from its own database connection, until stopped.
    `info` (a callable) adds what the beat should publish (e.g. the supervisor's state)."""

    def __init__(self, key: str, info: Any = None) -> None:
        super().__init__(name=f"heartbeat {key}", daemon=True)
        self.key = key
        self.info = info
        self.stopping = threading.Event()

    def beat(self) -> None:
        fields: dict[str, Any] = {"beat_at": timezone.now()}
        if self.info is not None:
            proc = WorkerProcess.objects.filter(pk=self.key).first()
            if proc is None:
                return
            fields["info"] = {**proc.info, **self.info()}
            fields["state"] = fields["info"].get("state", proc.state)
        WorkerProcess.objects.filter(pk=self.key, stopped_at__isnull=True).update(**fields)

    def run(self) -> None:
        try:
            while not self.stopping.wait(HEARTBEAT):
                try:
                    close_old_connections()
                    self.beat()
                except DatabaseError as exc:  # the database is away or locked: beat later
                    logger.warning("heartbeat of %s failed: %s", self.key, exc)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
