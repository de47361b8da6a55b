"""issue 17.9: District De-Dup shows the school of each group, pages the groups, and merges
every certain group at once with one undo (dedup.services), through the task-run result."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from seatkeeper.audit import actions
from seatkeeper.audit.models import AuditEntry
from seatkeeper.dedup.models import Merge
from seatkeeper.dedup.services import is_certain
from seatkeeper.dedup.tasks import detect_duplicates, detection_start
from seatkeeper.roster.models import Student
from seatkeeper.seats.selectors import used_by_school
from tests.dedup.test_services import DOB, add_student, kate_pair, state
from tests.factories import DistrictWorld


def _client(w: DistrictWorld, role: str) -> Client:
    c = Client()
    c.force_login(w.users[role])
    return c


FIRST = [
    "Marisol",
    "Bartholomew",
    "Ignatius",
    "Wilhelmina",
    "Ezekiel",
    "Philippa",
    "Octavia",
    "Leopold",
    "Genevieve",
    "Rosalind",
    "Thaddeus",
    "Cornelius",
    "Evangeline",
    "Maximilian",
    "Seraphina",
    "Archibald",
    "Clementine",
    "Bernadette",
    "Percival",
    "Anastasia",
    "Florian",
    "Gwendolyn",
    "Horatio",
    "Isadora",
    "Jasper",
    "Lucinda",
    "Montgomery",
]


def _twins_of_records(w: DistrictWorld, n: int) -> list[tuple[Student, Student]]:
    """n pairs of the same student entered twice (same name, birth date, grade, number)."""
    pairs = []
    for i in range(n):
        kw = {
            "date_of_birth": DOB - dt.timedelta(days=37 * i),
            "grade": "4",
            "student_number": f"{(i + 1) * 7919:07d}",
        }
        a = add_student(w, FIRST[i], "Quintanilla", w.classrooms[0], **kw)
        b = add_student(w, FIRST[i], "Quintanilla", w.classrooms[1], **kw)
        pairs.append((a, b))
    return pairs


def _run(w: DistrictWorld) -> None:
    run = detection_start(scope=w.scope("district_admin"), district=w.district)
    detect_duplicates.call(run.pk)


def test_issue_17_9_district_dedup_merge_all_certain_and_one_undo(world_a) -> None:  # type: ignore[no-untyped-def]
    kath, kate = kate_pair(world_a)
    pairs = _twins_of_records(world_a, 3)
    _run(world_a)
    before = state(world_a)
    used = sum(
        used_by_school(district_id=world_a.district.pk, product_id=world_a.product.pk).values()
    )
    c = _client(world_a, "district_admin")
    page = c.get("/dedup/district/?kind=students").content.decode()
    assert "School: A School 1" in page
    assert "3 certain groups" in page
    r = c.post("/dedup/district/merge-certain/")
    assert r.status_code == 302
    for a, b in pairs:
        merged = Student.objects.filter(pk__in=[a.pk, b.pk], merged_into__isnull=False).count()
        assert merged == 1
    assert Student.objects.get(pk=kate.pk).merged_into_id is None  # a nickname: not certain
    assert not is_certain({"score": 0.9993, "evidence": ["Katherine ~ Kate (nickname)"]})
    batch = {m.batch for m in Merge.objects.all()}
    assert len(batch) == 1 and None not in batch  # noqa: PT018
    after = sum(
        used_by_school(district_id=world_a.district.pk, product_id=world_a.product.pk).values()
    )
    assert used - after == 3  # each pair held seats at school 1 twice (R3)
    assert AuditEntry.objects.filter(action=actions.DEDUP_CERTAIN_MERGED).count() == 1
    page = c.get("/dedup/district/?kind=students").content.decode()
    assert "Undo all 3 merges" in page
    c.post("/dedup/district/undo-batch/", {"batch": str(batch.pop())})
    assert state(world_a) == before  # every row back exactly
    assert AuditEntry.objects.filter(action=actions.DEDUP_CERTAIN_UNDONE).count() == 1


def test_issue_17_9_district_dedup_pages_groups(world_a) -> None:  # type: ignore[no-untyped-def]
    _twins_of_records(world_a, 27)
    _run(world_a)
    c = _client(world_a, "district_admin")
    page1 = c.get("/dedup/district/?kind=students").content.decode()
    assert page1.count('aria-label="Duplicate group') == 25
    assert "Groups 1–25 of 27" in page1
    page2 = c.get("/dedup/district/?kind=students&page=2").content.decode()
    assert page2.count('aria-label="Duplicate group') == 2
    assert (
        _client(world_a, "school_admin").post("/dedup/district/merge-certain/").status_code == 403
    )
