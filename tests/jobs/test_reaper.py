"""No run stays queued or running without a live owner (issue 19 items 1-2): the reaper
`seatkeeper serve` runs at startup, on a timer and when its worker dies; job time limits."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from seatkeeper.cli.supervisor import fail_overdue_tasks, reap_orphans
from seatkeeper.dedup.models import DetectionRun
from seatkeeper.dedup.tasks import detection_start
from seatkeeper.jobs.limits import JobTimeLimit, time_limit, time_limit_for
from seatkeeper.jobs.models import ProcessKind, WorkerProcess
from seatkeeper.jobs.processes import live_worker_ids, proc_start, this_host
from seatkeeper.roster.models import ImportRun
from seatkeeper.roster.tasks import run_import


def _process(worker_id: str, proc: subprocess.Popen[bytes]) -> WorkerProcess:
    """Register a real process as the task worker `worker_id` (as db_worker does at start)."""
    now = timezone.now()
    return WorkerProcess.objects.create(
        key=f"worker:{worker_id}",
        kind=ProcessKind.WORKER,
        host=this_host(),
        pid=proc.pid,
        started_at=now,
        beat_at=now,
        info={"proc_start": proc_start(proc.pid) or ""},
    )


def _claimed_import(world, worker_id: str) -> tuple[ImportRun, DBTaskResult]:  # type: ignore[no-untyped-def]
    run = ImportRun.objects.create(
        district=world.district, district_slug="a", kind="oneroster", status="running"
    )
    result = run_import.enqueue(run.pk)
    task = DBTaskResult.objects.get(pk=result.id)
    task.claim(worker_id)
    ImportRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
    return run, task


@pytest.fixture
def sleeper():  # type: ignore[no-untyped-def]
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        procs.append(p)
        return p

    yield start
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait()


def test_a_run_whose_worker_was_killed_is_failed_and_a_live_workers_run_is_kept(
    world_a, sleeper
) -> None:  # type: ignore[no-untyped-def]
    dead, alive = sleeper(), sleeper()
    _process("w-dead", dead)
    _process("w-alive", alive)
    lost_run, lost_task = _claimed_import(world_a, "w-dead")
    kept_run, kept_task = _claimed_import(world_a, "w-alive")
    dead.kill()
    dead.wait()
    assert live_worker_ids(["w-dead", "w-alive", "w-unknown"]) == {"w-alive"}

    counts = reap_orphans()

    assert counts == {"tasks": 1, "roster.importrun": 1, "dedup.detectionrun": 0}
    lost_run.refresh_from_db()
    lost_task.refresh_from_db()
    assert lost_task.status == "FAILED"
    assert lost_run.status == "failed"
    assert "stopped" in lost_run.errors[0]["message"]
    assert "nothing was written" in lost_run.errors[0]["message"]
    kept_run.refresh_from_db()
    kept_task.refresh_from_db()
    assert (kept_run.status, kept_task.status) == ("running", "RUNNING")
    assert reap_orphans() == {"tasks": 0, "roster.importrun": 0, "dedup.detectionrun": 0}


def test_a_worker_of_another_host_counts_as_alive_only_while_it_beats(world_a) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    proc = WorkerProcess.objects.create(
        key="worker:far",
        kind=ProcessKind.WORKER,
        host="another-host",
        pid=1,
        started_at=now,
        beat_at=now,
    )
    assert live_worker_ids(["far"]) == {"far"}
    proc.beat_at = now - dt.timedelta(minutes=5)
    proc.save()
    assert live_worker_ids(["far"]) == set()


def test_queued_runs_wait_for_a_worker_but_a_run_without_a_job_is_failed(world_a) -> None:  # type: ignore[no-untyped-def]
    waiting = ImportRun.objects.create(district=world_a.district, district_slug="a", kind="csv")
    run_import.enqueue(waiting.pk)  # no worker alive: it simply waits (the next import runs)
    jobless = ImportRun.objects.create(district=world_a.district, district_slug="a", kind="csv")
    ImportRun.objects.filter(pk=jobless.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=5)
    )
    detection = detection_start(scope=world_a.scope("district_admin"), district=world_a.district)
    DetectionRun.objects.filter(pk=detection.pk).update(
        status="running", created_at=timezone.now() - dt.timedelta(minutes=5)
    )  # on_commit never ran in this test transaction: no task, like a request cut off

    reap_orphans()

    waiting.refresh_from_db()
    jobless.refresh_from_db()
    detection.refresh_from_db()
    assert waiting.status == "queued"
    assert jobless.status == "failed"
    assert "No background job was queued" in jobless.errors[0]["message"]
    assert detection.status == "failed"
    assert "No background job was queued" in detection.error


def test_a_job_past_its_time_limit_is_stopped_with_a_clear_message(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SEATKEEPER_JOB_TIME_LIMITS = {"run_import": 1}
    assert time_limit_for("seatkeeper.roster.tasks.run_import") == 1
    assert time_limit_for("seatkeeper.dedup.tasks.detect_duplicates") == 3600
    started = time.monotonic()

    def busy() -> None:
        with time_limit(1):
            while time.monotonic() - started < 10:
                sum(range(10_000))

    with pytest.raises(JobTimeLimit, match=r"time limit \(1 second\)"):
        busy()
    assert time.monotonic() - started < 5


def test_the_supervisor_fails_a_job_stuck_past_its_limit(world_a, sleeper, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SEATKEEPER_JOB_TIME_LIMIT = 60
    _process("w-stuck", sleeper())
    run, task = _claimed_import(world_a, "w-stuck")
    DBTaskResult.objects.filter(pk=task.pk).update(
        started_at=timezone.now() - dt.timedelta(minutes=10)
    )
    assert fail_overdue_tasks("w-stuck", timezone.now()) == [str(task.pk)]
    reap_orphans()
    run.refresh_from_db()
    assert run.status == "failed"
    assert "time limit (1 minute)" in run.errors[0]["message"]
