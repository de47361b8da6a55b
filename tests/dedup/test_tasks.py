"""District-wide detection through the task library: progress and the JSON result."""

from __future__ import annotations

import pytest

from seatkeeper.dedup.models import DetectionRun, Kind, RunStatus
from seatkeeper.dedup.tasks import detect_duplicates, detection_start
from seatkeeper.errors import Forbidden
from tests.dedup.test_services import kate_pair
from tests.factories import DistrictWorld


def test_run_records_progress_and_the_json_contract(
    world_a: DistrictWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    kath, kate = kate_pair(world_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = detection_start(scope=world_a.scope("district_admin"), district=world_a.district)
    assert len(callbacks) == 1  # enqueued after commit
    assert run.status == RunStatus.QUEUED
    assert detect_duplicates.call(run.pk) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.percent == 100
    assert run.done == run.total
    assert run.result["district"] == "a"
    [g] = run.result["groups"]
    assert g["keeper"] == kath.pk
    assert sorted(a["id"] for a in g["accounts"]) == [kath.pk, kate.pk]


def test_school_admin_run_is_limited_to_their_school(world_a: DistrictWorld) -> None:
    run = detection_start(scope=world_a.scope("school_admin"), district=world_a.district)
    assert run.school_ids == [world_a.schools[0].pk]


def test_teacher_may_not_start_a_run(world_a: DistrictWorld) -> None:
    with pytest.raises(Forbidden):
        detection_start(
            scope=world_a.scope("teacher"), district=world_a.district, kind=Kind.TEACHER
        )
    assert DetectionRun.objects.count() == 0
