"""Issue 16.1: the daily usage history (one row per school, product and day, upserted), taken
by hand (`seatkeeper seats snapshot`), by the daily task (enqueued once a day by the
supervisor's round, run by the real worker) and read back by `usage --on` for a past day."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from seatkeeper.roster import services as roster
from seatkeeper.seats import history
from seatkeeper.seats.models import UsageSnapshot
from seatkeeper.seats.selectors import used_by_school
from seatkeeper.seats.tasks import TASK_PATH, enqueue_daily_if_due
from tests.factories import make_world, sys_scope, today


def _cli(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_issue_16_1_snapshot_by_hand_is_one_row_per_school_product_and_day(db):
    w = make_world("h")
    out = _cli("seats", "snapshot", "--district", "h", "--json")
    assert json.loads(out)["districts"][0]["rows"] == 2
    rows = {r.school_id: r for r in UsageSnapshot.objects.filter(district=w.district, day=today())}
    used = used_by_school(district_id=w.district.pk, product_id=w.product.pk)
    assert {s: r.used for s, r in rows.items()} == used  # the ledger's figures
    assert all((r.capacity, r.allocated, r.school_purchased) == (20, 20, 0) for r in rows.values())
    # Upsert: again the same day, after a change, still one row per school: the last figures.
    scope = sys_scope(w.district)
    roster.student_unenroll(scope=scope, student=w.students[0], classroom=w.classrooms[0])
    _cli("seats", "snapshot", "--district", "h")
    assert UsageSnapshot.objects.filter(district=w.district).count() == 2
    row = UsageSnapshot.objects.get(district=w.district, school=w.schools[0], day=today())
    assert row.used == used[w.schools[0].pk] - 1


def test_issue_16_1_usage_on_a_past_day_answers_from_history(db):
    w = make_world("p")
    yesterday = today() - dt.timedelta(days=1)
    history.take(w.district, day=yesterday)  # what the daily task left yesterday
    before = used_by_school(district_id=w.district.pk, product_id=w.product.pk)
    scope = sys_scope(w.district)
    for s in w.students[:3]:
        roster.student_unenroll(scope=scope, student=s, classroom=w.classrooms[0])
    past = json.loads(_cli("usage", "--district", "p", "--on", yesterday.isoformat(), "--json"))
    now = json.loads(_cli("usage", "--district", "p", "--json"))
    first = w.schools[0].pk
    assert {s["id"]: s["used"] for s in past["schools"]}[first] == before[first]
    assert {s["id"]: s["used"] for s in now["schools"]}[first] == before[first] - 3
    # A past day nobody snapshotted keeps the old answer (today's counters).
    older = (today() - dt.timedelta(days=5)).isoformat()
    old = json.loads(_cli("usage", "--district", "p", "--on", older, "--json"))
    assert old["used"] == now["used"]


def test_issue_16_1_daily_task_enqueued_once_a_day_and_run_by_the_worker(transactional_db):
    w = make_world("d")
    assert enqueue_daily_if_due() is True
    assert enqueue_daily_if_due() is False  # once per local day
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())
    task = DBTaskResult.objects.get(task_path=TASK_PATH)
    assert task.status == "SUCCESSFUL", task.traceback
    assert UsageSnapshot.objects.filter(district=w.district, day=today()).count() == 2
