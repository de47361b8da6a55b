"""De-dup API: the JSON contract, merge/not-duplicates/undo, and the owner/same-district/other trio."""

from __future__ import annotations

from django.test import Client

from seatkeeper.roster.models import Student
from tests.dedup.test_services import kate_pair, state
from tests.factories import DistrictWorld


def client_for(w: DistrictWorld, role: str) -> Client:
    c = Client()
    c.force_login(w.users[role])
    return c


def test_get_groups_same_json_as_cli(world_a: DistrictWorld) -> None:
    kath, kate = kate_pair(world_a)
    r = client_for(world_a, "school_admin").get("/api/v1/districts/a/dedup/students")
    assert r.status_code == 200
    data = r.json()
    assert data["district"] == "a"
    assert [sorted(a["id"] for a in g["accounts"]) for g in data["groups"]] == [[kath.pk, kate.pk]]
    assert data["groups"][0]["keeper"] == kath.pk


def test_merge_then_undo(world_a: DistrictWorld) -> None:
    kath, kate = kate_pair(world_a)
    before = state(world_a)
    c = client_for(world_a, "school_admin")
    r = c.post(
        "/api/v1/districts/a/dedup/students/merge",
        {"keeper": kath.pk, "others": [kate.pk]},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["seats_freed"] == 1
    assert Student.objects.get(pk=kate.pk).merged_into_id == kath.pk
    r = c.post(f"/api/v1/districts/a/dedup/students/merges/{body['merge_id']}/undo")
    assert r.status_code == 200
    assert state(world_a) == before
    r = c.post(f"/api/v1/districts/a/dedup/students/merges/{body['merge_id']}/undo")
    assert r.status_code == 409
    assert r.json()["code"] == "conflict"


def test_not_duplicates(world_a: DistrictWorld) -> None:
    kath, kate = kate_pair(world_a)
    c = client_for(world_a, "district_admin")
    r = c.post(
        "/api/v1/districts/a/dedup/students/not-duplicates",
        {"ids": [kath.pk, kate.pk]},
        content_type="application/json",
    )
    assert r.json() == {"pairs_added": 1}
    assert c.get("/api/v1/districts/a/dedup/students").json()["groups"] == []


def test_other_district_not_found_and_teacher_forbidden(
    world_a: DistrictWorld, world_b: DistrictWorld
) -> None:
    kath, kate = kate_pair(world_a)
    before = state(world_a)
    other = client_for(world_b, "district_admin")
    assert other.get("/api/v1/districts/a/dedup/students").status_code == 404
    r = other.post(
        "/api/v1/districts/b/dedup/students/merge",
        {"keeper": kath.pk, "others": [kate.pk]},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    teacher = client_for(world_a, "teacher")
    assert teacher.get("/api/v1/districts/a/dedup/students").status_code == 403
    assert Client().get("/api/v1/districts/a/dedup/students").status_code == 401
    assert state(world_a) == before
