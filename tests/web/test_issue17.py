"""issue 17: rough edges a new admin hits (server-side checks; browser checks live in
tests/web/test_issue17_browser.py)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.web.conftest import client_for


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_issue_17_5_404_is_a_styled_page_with_navigation(world_a) -> None:  # type: ignore[no-untyped-def]
    da = client_for(world_a.users["district_admin"])
    resp = da.get("/no/such/page/")
    assert resp.status_code == 404
    html = resp.content.decode()
    assert "Page not found" in html
    assert "Not Found</h1>" not in html
    assert 'href="/district/"' in html  # the district navigation
    assert "app.css" in html
    # A NotFound from a view (out of scope id) looks the same.
    resp = da.get("/schools/999999/")
    assert resp.status_code == 404
    assert "Page not found" in resp.content.decode()
    # Anonymous: still styled, with a way home.
    resp = Client().get("/no/such/page/")
    assert resp.status_code == 404
    assert "Go to your home page" in resp.content.decode()
    # The API keeps its JSON problems.
    resp = da.get("/api/v1/no-such-thing")
    assert resp.status_code == 404
    assert resp["Content-Type"].startswith("application/problem+json")


LONG = "N" * 400


@pytest.mark.django_db
def test_issue_17_1_teacher_over_long_student_name_is_a_clear_error_not_a_500(world_a) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.roster.models import Student

    classroom = world_a.classrooms[0]
    client = client_for(world_a.users["teacher"])
    page = client.get(f"/teach/classrooms/{classroom.pk}/").content.decode()
    assert 'name="last_name" required maxlength="150"' in page
    before = Student.objects.count()
    resp = client.post(
        f"/teach/classrooms/{classroom.pk}/create/",
        {"first_name": "Ana", "last_name": LONG},
        follow=True,
    )
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "Last name is too long: 400 characters, at most 150" in html
    assert "last_name:" not in html
    assert Student.objects.count() == before


@pytest.mark.django_db
def test_issue_17_1_api_over_long_values_answer_422(world_a) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.roster.models import Student
    from tests.api.conftest import api_as

    api = api_as(world_a.users["district_admin"])
    slug = world_a.district.slug
    before = Student.objects.count()
    resp = api.post(
        f"/districts/{slug}/students",
        {"first_name": "Ana", "last_name": LONG, "school": world_a.schools[0].pk},
    )
    assert resp.status_code == 422, resp.content
    assert Student.objects.count() == before


@pytest.mark.django_db
def test_issue_17_1_csv_upload_refuses_over_long_values_with_file_line_column(
    world_a, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.roster.csv_upload import csv_import
    from seatkeeper.roster.models import Student

    school = world_a.schools[0]
    path = tmp_path / "students.csv"
    path.write_text(
        "student_id,first_name,last_name,school\n"
        f"s-1,Ana,Lopez,{school.name}\n"
        f"s-2,Bo,{LONG},{school.name}\n"
    )
    before = Student.objects.count()
    from seatkeeper.roster.oneroster.importer import ImportRefused

    with pytest.raises(ImportRefused) as caught:
        csv_import(
            scope=world_a.scope("district_admin"), path=path, district_slug=world_a.district.slug
        )
    where = [(p.file, p.line, p.column) for p in caught.value.problems]
    assert ("students.csv", 3, "last_name") in where
    assert any("too long: 400 characters, at most 150" in p.message for p in caught.value.problems)
    assert Student.objects.count() == before


@pytest.mark.django_db
def test_issue_17_3_token_creation_redirects_and_a_reload_neither_repeats_nor_reshows(
    world_a,
) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.api.models import ApiToken

    da = client_for(world_a.users["district_admin"])
    resp = da.post("/account/tokens/", {"label": "once"})
    assert resp.status_code == 302
    assert resp["Location"] == "/account/tokens/"
    shown = da.get("/account/tokens/").content.decode()
    assert 'id="new-token-secret"' in shown
    reload = da.get("/account/tokens/").content.decode()
    assert 'id="new-token-secret"' not in reload
    assert ApiToken.objects.filter(label="once").count() == 1


@pytest.mark.django_db
def test_issue_17_3_get_on_an_action_url_goes_to_its_page_not_a_bare_405(world_a) -> None:  # type: ignore[no-untyped-def]
    school = world_a.schools[0]
    sa = client_for(world_a.users["school_admin"])
    resp = sa.get(f"/schools/{school.pk}/classrooms/bulk/")
    assert resp.status_code == 302
    assert resp["Location"] == f"/schools/{school.pk}/classrooms/"
    resp = client_for(world_a.users["district_admin"]).get("/district/move/")
    assert resp.status_code == 302
    assert resp["Location"] == "/district/"


@pytest.mark.django_db
def test_issue_17_4_teacher_creating_a_student_already_in_the_class_is_warned_first(
    world_a,
) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.roster.models import Student
    from seatkeeper.roster.selectors import classroom_students

    classroom = next(
        c
        for c in world_a.classrooms
        if classroom_students(scope=world_a.scope("teacher"), classroom=c).exists()
    )
    existing = classroom_students(scope=world_a.scope("teacher"), classroom=classroom).first()
    client = client_for(world_a.users["teacher"])
    url = f"/teach/classrooms/{classroom.pk}/create/"
    before = Student.objects.count()
    body = {"first_name": existing.first_name, "last_name": existing.last_name}
    resp = client.post(url, body)
    assert resp.status_code == 302
    assert "check=duplicate" in resp["Location"]
    assert Student.objects.count() == before  # nothing created yet
    html = client.get(resp["Location"]).content.decode()
    assert "is probably already in this class" in html
    assert "Create anyway" in html
    resp = client.post(url, {**body, "confirm": "yes"})
    assert resp.status_code == 302
    assert Student.objects.count() == before + 1
    # A different name is created at once.
    resp = client.post(url, {"first_name": "Zebulon", "last_name": "Quaxley"})
    assert Student.objects.count() == before + 2


@pytest.mark.django_db
def test_issue_17_13_district_totals_row_shows_the_shortfall_and_the_spare(world_a) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.seats import services as lic
    from seatkeeper.seats.selectors import usage_for_district

    scope = world_a.scope("district_admin")
    lic.allocation_set(scope=scope, school=world_a.schools[0], product=world_a.product, seats=1)
    usage = usage_for_district(scope=scope, district=world_a.district, product=world_a.product)
    over = usage.overallocated_schools
    assert over  # the fixture's school now uses more than 1 seat
    html = client_for(world_a.users["district_admin"]).get("/district/").content.decode()
    text = f"{len(over)} school{'s' if len(over) != 1 else ''} short by {usage.short_by}; {usage.spare} spare elsewhere"
    assert text in html
    assert usage.short_by == sum(-s.remaining for s in over)
    # issue 17.6: Move seats defaults from the school with spare seats to the overallocated one.
    frm, to = usage.move_defaults
    assert to == over[0].id
    assert frm != to
    assert html.count(" selected>") == 2 or html.count(" selected") >= 2


@pytest.mark.django_db
def test_issue_17_6_fix_plan_page_names_schools_and_numbers_steps_from_one(world_a) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.fixes import services as fixes
    from seatkeeper.seats import services as lic

    scope = world_a.scope("district_admin")
    school = world_a.schools[0]
    lic.allocation_set(scope=scope, school=school, product=world_a.product, seats=0)
    fix = fixes.plan_create(scope=scope, district=world_a.district)
    html = client_for(world_a.users["district_admin"]).get(f"/fix/{fix.pk}/").content.decode()
    assert "(school " not in html
    assert "Include step 0" not in html
    assert fix.plan["steps"]
    assert "Include step 1: " in html
    for u in fix.plan.get("unresolved", []):
        assert f"at {school.name}" in html or u["school"] != school.pk
    assert " 1 steps" not in html
    assert " 1 seats " not in html
