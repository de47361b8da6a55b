"""`seatkeeper db_worker`: django-tasks' database worker, with a heartbeat and time limits.

The same options as django_tasks_db's command (this one takes its place: `seatkeeper.cli` comes
first in INSTALLED_APPS). The worker registers itself (`jobs.WorkerProcess`) and beats every few
seconds, so a job it holds is known to have a live owner (`jobs.processes`), and each job runs
under its time limit (`jobs.limits`). `seatkeeper serve` starts and supervises one.
"""

from __future__ import annotations

from typing import Any

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker as base
from django_tasks_db.models import DBTaskResult

from seatkeeper.jobs.limits import time_limit, time_limit_for
from seatkeeper.jobs.models import ProcessKind
from seatkeeper.jobs.processes import Heartbeat, mark_stopped, register, worker_key


class Worker(base.Worker):
    def run(self) -> None:
        key = worker_key(self.worker_id)
        register(key=key, kind=ProcessKind.WORKER, info={"queues": self.queue_names})
        heartbeat = Heartbeat(key)
        heartbeat.start()
        try:
            super().run()
        finally:
            heartbeat.stop()
            mark_stopped(key, state="stopped", exit="shut down")

    def run_task(self, db_task_result: DBTaskResult) -> None:
        with time_limit(time_limit_for(db_task_result.task_path)):
            super().run_task(db_task_result)


class Command(base.Command):
    help = "Run background tasks (imports, district-wide de-dup), with a heartbeat and time limits."

    def handle(self, *args: Any, **opts: Any) -> None:
        self.configure_logging(opts["verbosity"])
        queue_names = opts["queue_name"].split(",")
        excluded = opts["exclude_queues"].split(",") if opts["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise base.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            interval=opts["interval"],
            batch=opts["batch"],
            backend_name=opts["backend_name"],
            startup_delay=opts["startup_delay"],
            max_tasks=opts["max_tasks"],
            worker_id=opts["worker_id"],
            excluded_queue_names=excluded,
        )
        if opts["reload"] and not opts["batch"]:
            if base.os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
