"""Issue 19 item 5: a fix plan naming a school deleted since is refused as stale, naming the
school, on preview and apply, in the API and the web UI (never a 500), and nothing changes."""

from __future__ import annotations

from django.test import Client

from seatkeeper.fixes import services
from seatkeeper.fixes.models import PlanStatus
from seatkeeper.seats import services as lic
from tests.factories import DistrictWorld, sys_scope
from tests.fixes.snapshots import state


def _plan_then_delete_its_school(w: DistrictWorld):  # type: ignore[no-untyped-def]
    scope = sys_scope(w.district)
    lic.allocation_set(scope=scope, school=w.schools[0], product=w.product, seats=4)
    fix = services.plan_create(scope=scope, district=w.district, product=w.product)
    assert fix.plan["steps"], fix.plan  # school 0 is over: every step is about it
    lic.school_delete(scope=scope, school=w.schools[0])
    return fix


def _client(w: DistrictWorld) -> Client:
    c = Client()
    c.force_login(w.users["district_admin"])
    return c


def test_api_preview_and_apply_of_a_plan_naming_a_deleted_school_are_409_naming_it(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    fix = _plan_then_delete_its_school(w)
    snap = state(w.district.pk)
    c = _client(w)
    base = f"/api/v1/districts/{w.district.slug}/fix-plans/{fix.pk}"
    for url in (f"{base}/preview", f"{base}/apply"):
        r = c.post(url, {}, content_type="application/json")
        assert r.status_code == 409, (url, r.status_code, r.content)
        body = r.json()
        assert body["code"] == "plan_stale", body
        assert w.schools[0].name in body["detail"], body
        assert "was deleted since this plan was made" in body["detail"], body
    assert state(w.district.pk) == snap
    fix.refresh_from_db()
    assert fix.status == PlanStatus.DRAFT


def test_web_preview_and_apply_of_a_plan_naming_a_deleted_school_say_so(
    world_a: DistrictWorld,
) -> None:
    w = world_a
    fix = _plan_then_delete_its_school(w)
    snap = state(w.district.pk)
    c = _client(w)
    assert c.get(f"/fix/{fix.pk}/").status_code == 200
    for url in (f"/fix/{fix.pk}/preview/", f"/fix/{fix.pk}/apply/"):
        r = c.post(url, {"steps": ["0"]}, follow=True, HTTP_REFERER=f"/fix/{fix.pk}/")
        assert r.status_code in (200, 409), (url, r.status_code)
        text = r.content.decode()
        assert w.schools[0].name in text, url
        assert "was deleted since this plan was made" in text, url
    assert state(w.district.pk) == snap
    fix.refresh_from_db()
    assert fix.status == PlanStatus.DRAFT
