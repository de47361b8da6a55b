"""Time limits of background jobs.

Every job gets `settings.SEATKEEPER_JOB_TIME_LIMIT` seconds (environment variable of the same
name; default one hour), or its own from `SEATKEEPER_JOB_TIME_LIMITS` ({task name: seconds}).
The worker raises `JobTimeLimit` inside a job that runs past it (SIGALRM: the job's transaction
rolls back and its run is failed with the message); a job stuck where no signal reaches it (a
long C call) is killed by the supervisor `KILL_GRACE` seconds later, and its run failed the same.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

DEFAULT_TIME_LIMIT = 3600
KILL_GRACE = 60


class JobTimeLimit(Exception):  # noqa: N818 - reads as what happened
    """A background job ran longer than its time limit and was stopped."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(
            f"Stopped: it ran longer than its time limit ({describe(seconds)}); nothing was "
            "written. Try again, or ask the operator to raise SEATKEEPER_JOB_TIME_LIMIT."
        )


def describe(seconds: int) -> str:
    if seconds % 60 == 0 and seconds >= 60:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def time_limit_for(task_path: str) -> int:
    """Seconds the task at `task_path` (module.name) may run."""
    per_task: dict[str, Any] = getattr(settings, "SEATKEEPER_JOB_TIME_LIMITS", {}) or {}
    name = task_path.rsplit(".", 1)[-1]
    limit = per_task.get(task_path, per_task.get(name))
    if limit is None:
        limit = getattr(settings, "SEATKEEPER_JOB_TIME_LIMIT", DEFAULT_TIME_LIMIT)
    return max(1, int(limit))


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Raise JobTimeLimit in this (main) thread once `seconds` have passed inside the block."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise JobTimeLimit(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
