"""Fix-plan API: create/get/preview/apply/undo, problem details, and the authorization trio
(owner district admin / same-district roles / other district)."""

from __future__ import annotations

from django.test import Client

from seatkeeper.roster import services as roster
from seatkeeper.seats import services as lic
from tests.factories import DistrictWorld, sys_scope

KEYS = {"id", "district", "product", "schools", "steps", "unresolved", "status"}


def client_for(w: DistrictWorld, role: str) -> Client:
    c = Client()
    c.force_login(w.users[role])
    return c


def overallocate(w: DistrictWorld) -> None:
    lic.allocation_set(scope=sys_scope(w.district), school=w.schools[0], product=w.product, seats=4)


def test_create_get_apply_undo(world_a: DistrictWorld) -> None:
    overallocate(world_a)
    c = client_for(world_a, "district_admin")
    r = c.post("/api/v1/districts/a/fix-plans", {}, content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == KEYS
    assert body["status"] == "draft"
    assert body["unresolved"] == []
    moves = [s for s in body["steps"] if s["kind"] in ("allocate_pool", "move_allocation")]
    assert sum(s["seats_freed"] for s in moves) == 2
    pid = body["id"]
    assert c.get(f"/api/v1/districts/a/fix-plans/{pid}").json()["steps"] == body["steps"]
    r = c.post(
        f"/api/v1/districts/a/fix-plans/{pid}/preview",
        {"steps": []},
        content_type="application/json",
    )
    assert r.json()["schools"][0]["after"] == r.json()["schools"][0]["before"]
    r = c.post(f"/api/v1/districts/a/fix-plans/{pid}/apply", {}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "applied"
    r = c.post(f"/api/v1/districts/a/fix-plans/{pid}/apply", {}, content_type="application/json")
    assert r.status_code == 409
    assert r.json()["code"] == "plan_state"
    r = c.post(f"/api/v1/districts/a/fix-plans/{pid}/undo", {}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "undone"


def test_apply_after_roster_change_is_a_409_problem(world_a: DistrictWorld) -> None:
    overallocate(world_a)
    c = client_for(world_a, "district_admin")
    pid = c.post("/api/v1/districts/a/fix-plans", {}, content_type="application/json").json()["id"]
    roster.student_create(
        scope=sys_scope(world_a.district),
        district=world_a.district,
        school=world_a.schools[0],
        first_name="New",
        last_name="Kid",
        classroom=world_a.classrooms[0],
    )
    r = c.post(f"/api/v1/districts/a/fix-plans/{pid}/apply", {}, content_type="application/json")
    assert r.status_code == 409
    assert r["content-type"] == "application/problem+json"
    assert r.json()["code"] == "plan_stale"
    assert "make a fresh plan" in r.json()["detail"]


def test_authorization_trio(world_a: DistrictWorld, world_b: DistrictWorld) -> None:
    overallocate(world_a)
    da = client_for(world_a, "district_admin")
    pid = da.post("/api/v1/districts/a/fix-plans", {}, content_type="application/json").json()["id"]
    assert (
        client_for(world_a, "teacher")
        .post("/api/v1/districts/a/fix-plans", {}, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        client_for(world_b, "district_admin")
        .get(f"/api/v1/districts/a/fix-plans/{pid}")
        .status_code
        == 404
    )
    assert (
        client_for(world_b, "district_admin")
        .get(f"/api/v1/districts/b/fix-plans/{pid}")
        .status_code
        == 404
    )
    sa = client_for(world_a, "school_admin")
    assert sa.get(f"/api/v1/districts/a/fix-plans/{pid}").status_code == 404
    r = sa.post("/api/v1/districts/a/fix-plans", {}, content_type="application/json")
    assert r.status_code == 201
    assert sa.get(f"/api/v1/districts/a/fix-plans/{r.json()['id']}").status_code == 200
    assert (
        Client()
        .post("/api/v1/districts/a/fix-plans", {}, content_type="application/json")
        .status_code
        == 401
    )
