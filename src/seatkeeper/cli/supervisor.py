"""The supervisor `seatkeeper serve` runs: gunicorn and one background task worker as child
processes, and the rule that no run stays queued or running without a live owner.

- The worker (`seatkeeper db_worker`) is restarted whenever it exits, after a backoff that
  doubles from 1 s to 60 s while it keeps dying and starts over once it has run for a minute.
- Runs and tasks whose worker is gone are failed with a message saying so (`reap_orphans`):
  at startup, right after the worker dies, and every `REAP_EVERY` seconds. A task's owner is the
  worker id it was claimed by; import runs and de-dup runs (previews included) are owned by
  their task. Nothing a dead worker was writing is kept: its transaction dies with it.
- A job past its time limit plus `KILL_GRACE` (stuck where the worker's own alarm cannot reach
  it) is failed and its worker killed, then restarted.
- Uploaded roster files past their retention are deleted (`import_files_prune`).
- Once a local day (at startup, then the first round after midnight) the daily seat task is
  enqueued (`seats.tasks.enqueue_daily_if_due`: usage history and alerts, issue 16).
- Its state (worker pid, restarts, last exit, next start) is published on its
  `jobs.WorkerProcess` row, which `/status` reads.

If gunicorn itself exits, the worker is stopped and `serve` exits with gunicorn's status.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from seatkeeper.dedup.models import DetectionRun
from seatkeeper.dedup.models import RunStatus as DetectionStatus
from seatkeeper.dedup.tasks import detection_run_fail
from seatkeeper.jobs.limits import KILL_GRACE, JobTimeLimit, time_limit_for
from seatkeeper.jobs.models import ProcessKind, WorkerProcess
from seatkeeper.jobs.processes import (
    live_worker_ids,
    mark_stopped,
    register,
    this_host,
    worker_key,
)
from seatkeeper.jobs.selectors import SUPERVISOR_ENV
from seatkeeper.roster.models import ImportRun, ImportStatus
from seatkeeper.roster.oneroster.runs import import_files_prune, import_run_fail
from seatkeeper.seats.tasks import enqueue_daily_if_due

logger = logging.getLogger(__name__)
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0
STABLE_AFTER = 60.0  # a worker that ran this long resets the backoff
REAP_EVERY = 30.0
PUBLISH_EVERY = 5.0
TICK = 0.25
NO_TASK_GRACE = dt.timedelta(minutes=1)  # a run may wait this long for its task to be queued
WORKER_LOST = "seatkeeper.jobs.WorkerLost"
TIME_LIMIT = f"{JobTimeLimit.__module__}.{JobTimeLimit.__qualname__}"


def exit_text(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with status {returncode}"


# --- reaping -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunKind:
    """Runs owned by the tasks at `task_path`; `fail(run_id, message)` fails one if still
    active. `task_id_field` names the run's column holding its task id, if it has one."""

    task_path: str
    model: Any
    active: tuple[str, ...]
    fail: Callable[[int, str], bool]
    task_id_field: str | None = None


RUN_KINDS = (
    RunKind(
        "seatkeeper.roster.tasks.run_import",
        ImportRun,
        (ImportStatus.QUEUED, ImportStatus.RUNNING),
        import_run_fail,
        "task_id",
    ),
    RunKind(
        "seatkeeper.dedup.tasks.detect_duplicates",
        DetectionRun,
        (DetectionStatus.QUEUED, DetectionStatus.RUNNING),
        detection_run_fail,
    ),
)


def _lost_message(how: str) -> str:
    return (
        f"The background worker running this job stopped ({how}) before the job finished; "
        "nothing was written. Run it again."
    )


def fail_tasks_of_dead_workers(now: dt.datetime) -> int:
    """Running tasks whose worker is not alive become failed (WorkerLost, with how it ended)."""
    running = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("id", "worker_ids")
    )
    if not running:
        return 0
    owners = {t.pk: (t.worker_ids[-1] if t.worker_ids else "") for t in running}
    live = live_worker_ids(owners.values())
    procs = {
        p.key: p
        for p in WorkerProcess.objects.filter(pk__in=[worker_key(w) for w in owners.values()])
    }
    failed = 0
    for pk, wid in owners.items():
        if wid in live:
            continue
        proc = procs.get(worker_key(wid))
        how = (proc.info.get("exit") if proc else None) or "its process is gone"
        failed += DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=WORKER_LOST,
            traceback=_lost_message(how),
        )
    return failed


def _task_message(task: DBTaskResult) -> str:
    if task.exception_class_path in (WORKER_LOST, TIME_LIMIT) and task.traceback:
        return task.traceback.strip().splitlines()[-1].removeprefix(f"{TIME_LIMIT}: ")
    name = task.exception_class_path.rsplit(".", 1)[-1] or "an error"
    return f"The background job failed ({name}); nothing was written. Run it again."


def fail_orphaned_runs(kind: RunKind, now: dt.datetime) -> int:
    """Active runs of `kind` whose task is missing, ended or failed become failed."""
    fields = ["id", "created_at"] + ([kind.task_id_field] if kind.task_id_field else [])
    runs = list(kind.model.objects.filter(status__in=kind.active).values(*fields))
    if not runs:
        return 0
    since = min(r["created_at"] for r in runs) - dt.timedelta(minutes=5)
    tasks = list(
        DBTaskResult.objects.filter(task_path=kind.task_path, enqueued_at__gte=since).only(
            "id", "status", "args_kwargs", "exception_class_path", "traceback", "enqueued_at"
        )
    )
    by_id = {t.pk: t for t in tasks}
    by_run: dict[Any, DBTaskResult] = {}
    for t in sorted(tasks, key=lambda t: t.enqueued_at):
        args = (t.args_kwargs or {}).get("args") or [None]
        by_run[args[0]] = t
    failed = 0
    for r in runs:
        task = None
        if kind.task_id_field and r[kind.task_id_field]:
            try:
                task = by_id.get(uuid.UUID(str(r[kind.task_id_field])))
            except ValueError:
                task = None
        task = task or by_run.get(r["id"])
        if task is None:
            if now - r["created_at"] < NO_TASK_GRACE:
                continue
            message = "No background job was queued for this run (the request that started it "
            message += "was cut off); nothing was written. Start it again."
        elif task.status in (TaskResultStatus.READY, TaskResultStatus.RUNNING):
            continue
        elif task.status == TaskResultStatus.FAILED:
            message = _task_message(task)
        else:
            message = "The background job ended without recording this run's outcome; "
            message += "nothing was written. Run it again."
        failed += int(kind.fail(r["id"], message))
    return failed


def reap_orphans(now: dt.datetime | None = None) -> dict[str, int]:
    """Fail every task whose worker is gone and every run whose task is: see the module doc."""
    now = now or timezone.now()
    out = {"tasks": fail_tasks_of_dead_workers(now)}
    for kind in RUN_KINDS:
        out[kind.model._meta.label_lower] = fail_orphaned_runs(kind, now)
    return out


def fail_overdue_tasks(worker_id: str, now: dt.datetime) -> list[str]:
    """The worker's running tasks past their time limit plus grace are failed; their ids."""
    overdue = []
    for t in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only(
        "id", "worker_ids", "task_path", "started_at"
    ):
        if not t.worker_ids or t.worker_ids[-1] != worker_id or t.started_at is None:
            continue
        limit = time_limit_for(t.task_path)
        if (now - t.started_at).total_seconds() <= limit + KILL_GRACE:
            continue
        n = DBTaskResult.objects.filter(pk=t.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=TIME_LIMIT,
            traceback=str(JobTimeLimit(limit)),
        )
        if n:
            overdue.append(str(t.pk))
    return overdue


# --- the supervisor ----------------------------------------------------------------------------


class Supervisor:
    """Runs `web` (the gunicorn command) and a task worker; see the module doc."""

    def __init__(self, *, key: str, web: Sequence[str], out: TextIO | None = None) -> None:
        self.key = key
        self.web_cmd = list(web)
        self.out = out or sys.stdout
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "seatkeeper.settings"}
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.worker_id = ""
        self.worker_started = 0.0
        self.backoff = 0.0
        self.next_start = 0.0
        self.restarts = 0
        self.last_exit: str | None = None
        self.last_exit_at: str | None = None
        self.stopping = False

    # the loop

    def run(self) -> int:
        self._guard(self._startup)
        self.web = subprocess.Popen(self.web_cmd, env={**self.env, SUPERVISOR_ENV: self.key})
        self._start_worker()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._stop)
        code = 0
        last_reap = last_publish = time.monotonic()
        try:
            while not self.stopping:
                rc = self.web.poll()
                if rc is not None:
                    self._say(f"gunicorn {exit_text(rc)}; stopping the worker.")
                    code = rc if rc > 0 else 1
                    break
                self._watch_worker()
                now = time.monotonic()
                if now - last_reap >= REAP_EVERY:
                    last_reap = now
                    self._guard(self._housekeeping)
                if now - last_publish >= PUBLISH_EVERY:
                    last_publish = now
                    self._guard(self._publish)
                time.sleep(TICK)
        finally:
            self._shutdown()
        return code

    def _stop(self, signum: int, frame: Any) -> None:
        self.stopping = True

    def _startup(self) -> None:
        register(key=self.key, kind=ProcessKind.SUPERVISOR, info=self._info())
        self._report(reap_orphans(), "at startup")
        import_files_prune()
        enqueue_daily_if_due()

    def _housekeeping(self) -> None:
        close_old_connections()
        if self.worker is not None and self.worker.poll() is None:
            overdue = fail_overdue_tasks(self.worker_id, timezone.now())
            if overdue:
                self._say(f"job {overdue[0]} ran past its time limit: killing the worker.")
                self.worker.kill()
        self._report(reap_orphans(), "")
        import_files_prune()
        enqueue_daily_if_due()

    # the worker

    def _start_worker(self) -> None:
        host = this_host().split(".")[0][:24]
        self.worker_id = f"{host}-{os.getpid()}-{secrets.token_hex(4)}"
        cmd = [sys.executable, "-m", "seatkeeper", "db_worker", "--interval", "1"]
        cmd += ["--no-startup-delay", "--no-reload", "--worker-id", self.worker_id]
        self.worker = subprocess.Popen(cmd, env=self.env)
        self.worker_started = time.monotonic()
        self.next_start = 0.0
        self._guard(self._publish)

    def _watch_worker(self) -> None:
        if self.worker is not None:
            rc = self.worker.poll()
            if rc is None:
                if time.monotonic() - self.worker_started >= STABLE_AFTER:
                    self.backoff = 0.0
                return
            self._worker_died(rc)
        if self.next_start and time.monotonic() >= self.next_start:
            self.restarts += 1
            self._start_worker()
            self._say(f"task worker restarted (restart {self.restarts}).")

    def _worker_died(self, rc: int) -> None:
        how = exit_text(rc)
        self.worker = None
        self.last_exit = how
        self.last_exit_at = timezone.now().isoformat()
        self.backoff = min(BACKOFF_MAX, self.backoff * 2) if self.backoff else BACKOFF_FIRST
        self.next_start = time.monotonic() + self.backoff
        self._say(f"task worker {how}; restarting in {self.backoff:g} s.")
        key = worker_key(self.worker_id)
        self._guard(lambda: mark_stopped(key, state="dead", exit=how))
        self._guard(lambda: self._report(reap_orphans(), "after the worker stopped"))
        self._guard(self._publish)

    # state

    def _info(self) -> dict[str, Any]:
        restarting = self.worker is None and bool(self.next_start)
        next_at = None
        if restarting:
            left = max(0.0, self.next_start - time.monotonic())
            next_at = (timezone.now() + dt.timedelta(seconds=left)).isoformat()
        return {
            "state": "restarting" if restarting else ("up" if self.worker else "stopped"),
            "worker_id": self.worker_id,
            "worker_pid": self.worker.pid if self.worker else None,
            "restarts": self.restarts,
            "backoff_seconds": self.backoff,
            "last_exit": self.last_exit,
            "last_exit_at": self.last_exit_at,
            "next_start_at": next_at,
        }

    def _publish(self) -> None:
        info = self._info()
        WorkerProcess.objects.filter(pk=self.key).update(
            beat_at=timezone.now(), state=info["state"], info=info
        )

    def _report(self, counts: dict[str, int], when: str) -> None:
        if any(counts.values()):
            what = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
            self._say(f"failed what had no live owner {when}: {what}".replace("  ", " "))

    def _guard(self, fn: Callable[[], Any]) -> None:
        """Housekeeping must never take the server down: a database hiccup is logged, retried
        on the next round."""
        try:
            fn()
        except DatabaseError as exc:
            logger.warning("supervisor: %s", exc)
            close_old_connections()

    def _say(self, text: str) -> None:
        self.out.write(f"[supervisor] {text}\n")
        self.out.flush()

    def _shutdown(self) -> None:
        for proc in (self.worker, self.web):
            if proc is not None and proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for proc in (self.worker, self.web):
            if proc is None:
                continue
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.worker = None
        self.next_start = 0.0
        info = {**self._info(), "state": "stopped"}
        self._guard(lambda: mark_stopped(self.key, **info))
