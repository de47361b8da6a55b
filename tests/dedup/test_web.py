"""De-Dup pages: the school review, actions with undo, the district run, and access."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from seatkeeper.dedup.models import DetectionRun, NotDuplicate
from seatkeeper.roster.models import Student
from tests.dedup.test_services import kate_pair, state
from tests.factories import DistrictWorld


def client_for(w: DistrictWorld, role: str) -> Client:
    c = Client()
    c.force_login(w.users[role])
    return c


def test_school_review_shows_groups_evidence_and_keeper(world_a: DistrictWorld) -> None:
    kath, kate = kate_pair(world_a)
    r = client_for(world_a, "school_admin").get(
        reverse("dedup:review", kwargs={"school_id": world_a.schools[0].pk})
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "Katherine ~ Kate (nickname)" in html
    assert f'value="{kath.pk}" id="keep-{kath.pk}" checked' in html
    assert "frees 1 seat" in html


def test_review_access_trio(world_a: DistrictWorld, world_b: DistrictWorld) -> None:
    url = reverse("dedup:review", kwargs={"school_id": world_a.schools[0].pk})
    assert client_for(world_a, "district_admin").get(url).status_code == 200
    assert client_for(world_b, "district_admin").get(url).status_code == 404
    assert client_for(world_a, "teacher").get(url).status_code == 403
    other_school = reverse("dedup:review", kwargs={"school_id": world_a.schools[1].pk})
    assert client_for(world_a, "school_admin").get(other_school).status_code == 404


def test_merge_then_undo_from_the_page(world_a: DistrictWorld) -> None:
    kath, kate = kate_pair(world_a)
    before = state(world_a)
    c = client_for(world_a, "school_admin")
    page = reverse("dedup:review", kwargs={"school_id": world_a.schools[0].pk})
    r = c.post(
        reverse("dedup:merge"),
        {"kind": "students", "keeper": kath.pk, "ids": [kath.pk, kate.pk], "next": page},
    )
    assert r.status_code == 302
    assert Student.objects.get(pk=kate.pk).merged_into_id == kath.pk
    html = c.get(page).content.decode()
    assert "Undo this merge" in html
    merge_id = c.session["dedup.last_merge"][0]
    r = c.post(
        reverse("dedup:undo", kwargs={"merge_id": merge_id}), {"kind": "students", "next": page}
    )
    assert r.status_code == 302
    assert state(world_a) == before


def test_not_duplicates_and_delete_unused(world_a: DistrictWorld) -> None:
    kath, kate = kate_pair(world_a)
    c = client_for(world_a, "school_admin")
    c.post(reverse("dedup:not_duplicates"), {"kind": "students", "ids": [kath.pk, kate.pk]})
    assert NotDuplicate.objects.filter(low_id=kath.pk, high_id=kate.pk).exists()
    c.post(reverse("dedup:delete_unused", kwargs={"student_id": kate.pk}))
    assert Student.objects.get(pk=kate.pk).deleted_at is not None


def test_district_run_and_progress(world_a: DistrictWorld) -> None:
    kate_pair(world_a)
    c = client_for(world_a, "district_admin")
    assert c.get(reverse("dedup:district")).status_code == 200
    r = c.post(reverse("dedup:district_run"), {"kind": "students"})
    assert r.status_code == 302
    run = DetectionRun.objects.get()
    r = c.get(reverse("dedup:run_progress", kwargs={"run_id": run.pk}))
    assert r.status_code == 200
    assert b"<progress" in r.content
    assert client_for(world_a, "school_admin").get(reverse("dedup:district")).status_code == 403
