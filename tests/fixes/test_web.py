"""The "Fix overallocation" pages: start page and checklist, plan, htmx recompute, apply, undo;
and who may open them (district admin / school admin of another school / teacher)."""

from __future__ import annotations

import re

from django.test import Client

from seatkeeper.fixes.models import FixPlan, PlanStatus
from seatkeeper.seats import services as lic
from seatkeeper.seats.selectors import used_by_school
from seatkeeper.web.context import school_header
from tests.factories import DistrictWorld, sys_scope


def client_for(w: DistrictWorld, role: str) -> Client:
    c = Client()
    c.force_login(w.users[role])
    return c


def overallocate(w: DistrictWorld) -> None:
    lic.allocation_set(scope=sys_scope(w.district), school=w.schools[0], product=w.product, seats=4)


def test_banner_links_to_the_school_fix_page(world_a: DistrictWorld) -> None:
    overallocate(world_a)
    header = school_header(sys_scope(world_a.district), world_a.schools[0], world_a.product)
    assert header.fix_url == f"/fix/schools/{world_a.schools[0].pk}/"


def test_district_admin_plans_previews_applies_and_undoes(world_a: DistrictWorld) -> None:
    w = world_a
    overallocate(w)
    c = client_for(w, "district_admin")
    page = c.get("/fix/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "A School 1" in text
    assert "Prefer to do it by hand? The checklist" in text
    assert "/district/" in text  # checklist link to Manage License
    r = c.post("/fix/create/", {"product": "core"})
    assert r.status_code == 302
    fix = FixPlan.objects.get()
    assert r["Location"] == f"/fix/{fix.pk}/"
    detail = c.get(r["Location"]).content.decode()
    assert 'name="steps"' in detail
    # Untick every step: the totals come back from the server with after == before.
    r = c.post(f"/fix/{fix.pk}/preview/", {}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    html = r.content.decode()
    assert "<html" not in html
    assert re.search(r'data-after="remaining">.*?-2<', html)
    r = c.post(f"/fix/{fix.pk}/preview/", {"steps": ["0"]}, HTTP_HX_REQUEST="true")
    assert 'data-freed="0">2<' in r.content.decode().replace(" ", "")
    used = used_by_school(district_id=w.district.pk, product_id=w.product.pk)
    r = c.post(f"/fix/{fix.pk}/apply/", {"steps": [str(i) for i in range(len(fix.actions))]})
    assert r.status_code == 302
    fix.refresh_from_db()
    assert fix.status == PlanStatus.APPLIED
    assert used_by_school(district_id=w.district.pk, product_id=w.product.pk) == used
    page = c.get(f"/fix/{fix.pk}/").content.decode()
    assert "Undo this plan" in page
    assert "Apply the ticked steps" not in page
    r = c.post(f"/fix/{fix.pk}/undo/")
    fix.refresh_from_db()
    assert fix.status == PlanStatus.UNDONE


def test_school_admin_sees_their_school_only_and_teacher_is_refused(world_a: DistrictWorld) -> None:
    w = world_a
    overallocate(w)
    sa = client_for(w, "school_admin")
    assert sa.get(f"/fix/schools/{w.schools[0].pk}/").status_code == 200
    assert sa.get(f"/fix/schools/{w.schools[1].pk}/").status_code == 404
    r = sa.post("/fix/create/", {"product": "core", "school_id": str(w.schools[0].pk)})
    assert r.status_code == 302
    assert client_for(w, "teacher").get("/fix/").status_code == 403
    fix = FixPlan.objects.get()
    assert client_for(w, "teacher").post(f"/fix/{fix.pk}/apply/").status_code == 403
    assert FixPlan.objects.get().status == PlanStatus.DRAFT


def test_other_district_gets_404(world_a: DistrictWorld, world_b: DistrictWorld) -> None:
    overallocate(world_a)
    r = client_for(world_a, "district_admin").post("/fix/create/", {"product": "core"})
    assert r.status_code == 302
    fix = FixPlan.objects.get()
    assert client_for(world_b, "district_admin").get(f"/fix/{fix.pk}/").status_code == 404
