"""The daily seat task (issue 16.1, 16.3): each district's usage snapshot and all its alerts.

django-tasks has no scheduler: the supervised worker's supervisor (`cli/supervisor.py`) calls
`enqueue_daily_if_due` on its housekeeping round, which enqueues `daily` once per local day
(the first round after midnight, or at startup). Running it twice the same day is harmless
(the snapshot is upserted, alerts already open stay open).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from seatkeeper.orgs.models import District

TASK_PATH = "seatkeeper.seats.tasks.daily"


@task()
def daily() -> dict[str, int]:
    """Snapshot and evaluate every district; totals."""
    from seatkeeper.seats.services import daily as daily_one

    totals = {"districts": 0, "rows": 0, "started": 0, "ended": 0}
    for district in District.objects.order_by("id"):
        out = daily_one(district=district)
        totals["districts"] += 1
        for k, v in out.items():
            totals[k] += v
    return totals


def enqueue_daily_if_due(now: dt.datetime | None = None) -> bool:
    """Enqueue `daily` unless it was already enqueued since local midnight; True if enqueued."""
    now = now or timezone.now()
    midnight = timezone.make_aware(
        dt.datetime.combine(timezone.localdate(now), dt.time.min), timezone.get_current_timezone()
    )
    if DBTaskResult.objects.filter(task_path=TASK_PATH, enqueued_at__gte=midnight).exists():
        return False
    daily.enqueue()
    return True
