"""Per-endpoint behaviour: contracts (usage = CLI JSON, purchases, enrollments), problem details,
the owner / same-district-other-school / other-district trio, and the audit trail of writes."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

from django.core.management import call_command

from seatkeeper.audit.models import AuditEntry
from seatkeeper.roster.models import Classroom, Enrollment, Student
from seatkeeper.seats.models import Allocation, Purchase, TeacherAccess
from tests.api.conftest import Api, api_as
from tests.audit.dbstate import db_state
from tests.factories import DistrictWorld, today

PROBLEM = "application/problem+json"


def test_usage_is_the_cli_json(world_a: DistrictWorld, apis: dict[str, Api]) -> None:
    out = StringIO()
    call_command("usage", "--district", "a", "--json", stdout=out)
    resp = apis["district_admin"].get("/districts/a/usage", product="core")
    assert resp.status_code == 200
    assert resp.json() == json.loads(out.getvalue())


def test_usage_of_a_school_admin_lists_only_their_school(
    world_a: DistrictWorld, apis: dict[str, Api]
) -> None:
    body = apis["school_admin"].get("/districts/a/usage").json()
    assert [s["id"] for s in body["schools"]] == [world_a.schools[0].pk]


def test_purchase_create_contract_and_audit(world_a: DistrictWorld, apis: dict[str, Api]) -> None:
    school = world_a.schools[1]
    resp = apis["district_admin"].post(
        "/districts/a/purchases",
        {
            "product": "core",
            "seats": 7,
            "school": school.pk,
            "starts_on": today().isoformat(),
            "ends_on": (today() + dt.timedelta(days=10)).isoformat(),
        },
    )
    assert resp.status_code == 201
    body = resp.json()
    p = Purchase.objects.get(pk=body["id"])
    assert (p.seats, p.school_id, body["product"], body["sourced_id"]) == (7, school.pk, "core", "")
    entry = AuditEntry.objects.filter(target_type="purchase", target_id=p.pk).get()
    assert (entry.actor_label, entry.via) == ("a-da", "api")


def test_invalid_input_is_422_problem_with_errors(apis: dict[str, Api]) -> None:
    before = db_state()
    resp = apis["district_admin"].post(
        "/districts/a/purchases", {"product": "core", "seats": "many", "starts_on": "x"}
    )
    assert resp.status_code == 422
    assert resp["Content-Type"] == PROBLEM
    body = resp.json()
    assert body["status"] == 422
    assert body["title"]
    assert body["detail"]
    fields = {e["field"] for e in body["errors"]}
    assert {"seats", "starts_on", "ends_on"} <= fields
    assert db_state() == before


def test_service_refusal_is_problem_with_field(
    world_a: DistrictWorld, apis: dict[str, Api]
) -> None:
    resp = apis["district_admin"].post(
        "/districts/a/purchases",
        {"product": "core", "seats": 1, "starts_on": "2026-02-01", "ends_on": "2026-01-01"},
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "ends_on"


def test_enrollment_201_then_409_in_hard_mode_names_capacity(
    world_a: DistrictWorld, apis: dict[str, Api]
) -> None:
    da = apis["district_admin"]
    school = world_a.schools[0]
    classroom = world_a.classrooms[0]
    assert da.put("/districts/a/enforcement/core", {"mode": "hard"}).status_code == 200
    used = da.get("/districts/a/usage").json()["schools"][0]["used"]
    assert (
        da.put(f"/districts/a/schools/{school.pk}/allocations/core", {"seats": used + 1}).json()[
            "seats"
        ]
        == used + 1
    )
    new = [
        Student.objects.create(
            district=world_a.district, school=school, first_name=f"N{i}", last_name="N"
        )
        for i in range(2)
    ]
    ok = da.post("/districts/a/enrollments", {"student": new[0].pk, "classroom": classroom.pk})
    assert ok.status_code == 201
    assert ok.json()["student"] == new[0].pk
    before = db_state()
    refused = da.post("/districts/a/enrollments", {"student": new[1].pk, "classroom": classroom.pk})
    assert refused.status_code == 409
    assert refused["Content-Type"] == PROBLEM
    body = refused.json()
    assert (body["school"], body["product"], body["capacity"], body["used"]) == (
        school.name,
        "core",
        used + 1,
        used + 1,
    )
    assert db_state() == before
    gone = da.delete(f"/districts/a/enrollments/{ok.json()['id']}")
    assert gone.status_code == 204
    assert not Enrollment.objects.filter(pk=ok.json()["id"]).exists()


def test_teacher_access_put_r4(world_a: DistrictWorld, apis: dict[str, Api]) -> None:
    t = world_a.teachers[0]
    resp = apis["school_admin"].put(f"/districts/a/teachers/{t.pk}/access/core", {"on": False})
    assert resp.json() == {"teacher": t.pk, "product": "core", "on": False}
    assert not TeacherAccess.objects.get(teacher=t, product=world_a.product).on
    used = apis["school_admin"].get("/districts/a/usage").json()["schools"][0]["used"]
    assert used == 3  # only the other teacher's classroom counts now


def test_teacher_may_not_change_own_access(world_a: DistrictWorld, apis: dict[str, Api]) -> None:
    before = db_state()
    t = world_a.teachers[0]
    resp = apis["teacher"].put(f"/districts/a/teachers/{t.pk}/access/core", {"on": False})
    assert resp.status_code == 403
    assert db_state() == before


def test_allocation_move(world_a: DistrictWorld, apis: dict[str, Api]) -> None:
    s1, s2 = world_a.schools
    resp = apis["district_admin"].post(
        "/districts/a/allocations/move",
        {"product": "core", "from_school": s1.pk, "to_school": s2.pk, "seats": 5},
    )
    assert resp.status_code == 200
    assert Allocation.objects.get(school=s1).seats == 15
    assert Allocation.objects.get(school=s2).seats == 25


def test_trio_classroom_read(world_a: DistrictWorld, world_b: DistrictWorld) -> None:
    """Owner reads it; school admin of the other school and another district get 404."""
    c = world_a.classrooms[0]  # school A1
    c2 = world_a.classrooms[2]  # school A2
    sa = api_as(world_a.users["school_admin"])
    assert sa.get(f"/districts/a/classrooms/{c.pk}").json()["name"] == c.name
    assert sa.get(f"/districts/a/classrooms/{c2.pk}").status_code == 404
    other = api_as(world_b.users["district_admin"])
    assert other.get(f"/districts/b/classrooms/{c.pk}").status_code == 404
    assert other.get(f"/districts/a/classrooms/{c.pk}").status_code == 404


def test_lists_paginate_filter_and_hide_deleted(
    world_a: DistrictWorld, apis: dict[str, Api]
) -> None:
    da = apis["district_admin"]
    page = da.get("/districts/a/students", limit=5).json()
    assert page["count"] == 12
    assert len(page["items"]) == 5
    assert "offset=5" in page["next"]
    s = world_a.students[0]
    assert da.delete(f"/districts/a/students/{s.pk}").status_code == 204
    assert da.get("/districts/a/students").json()["count"] == 11
    assert da.get("/districts/a/students", include_deleted="true").json()["count"] == 12
    assert da.post(f"/districts/a/students/{s.pk}/restore").json()["deleted_at"] is None
    one = da.get("/districts/a/schools", sourced_id="a-s2").json()
    assert [x["id"] for x in one["items"]] == [world_a.schools[1].pk]


def test_integration_token_may_only_post_activity(
    world_a: DistrictWorld, apis: dict[str, Api]
) -> None:
    api = apis["integration"]
    s = world_a.students[0]
    assert api.get("/districts/a/students").status_code == 404
    assert api.get("/districts/a/usage").status_code == 404
    resp = api.post(
        "/districts/a/activity",
        {"items": [{"student": s.pk, "kind": "sign_in", "at": "2026-01-05T08:00:00Z"}]},
    )
    assert resp.status_code == 201
    assert resp.json() == {"recorded": 1}
    s.refresh_from_db()
    assert s.last_sign_in_at is not None


def test_classroom_archive_restore_unenroll_all(
    world_a: DistrictWorld, apis: dict[str, Api]
) -> None:
    sa = apis["school_admin"]
    c = world_a.classrooms[0]
    assert sa.post(f"/districts/a/classrooms/{c.pk}/archive").json()["status"] == "archived"
    assert sa.post(f"/districts/a/classrooms/{c.pk}/restore").json()["status"] == "active"
    body = sa.post(f"/districts/a/classrooms/{c.pk}/unenroll-all").json()
    assert body["students"] == 3
    assert not Enrollment.objects.filter(classroom=c).exists()
    assert Classroom.objects.get(pk=c.pk).status == "active"


def test_settings_get_patch(world_a: DistrictWorld, apis: dict[str, Api]) -> None:
    da = apis["district_admin"]
    assert da.get("/districts/a/settings").json()["stale_classroom_days"] == 90
    resp = da.patch(
        "/districts/a/settings", {"stale_classroom_days": 30, "new_teacher_access": False}
    )
    assert resp.status_code == 200
    world_a.district.refresh_from_db()
    assert (world_a.district.stale_classroom_days, world_a.district.new_teacher_access) == (
        30,
        False,
    )
    assert (
        apis["school_admin"].patch("/districts/a/settings", {"stale_classroom_days": 5}).status_code
        == 403
    )
