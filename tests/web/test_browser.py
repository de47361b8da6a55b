"""Browser tests: Playwright (Python) driving Debian's chromium against pytest-django's live
server, one per role's main path (issue 3). Screenshots go to artifacts/web/ (git-ignored).

Skipped, loudly, only where /usr/bin/chromium is missing (`make test` installs it where it can).
"""

from __future__ import annotations

import re

import pytest

from seatkeeper.roster.models import Classroom, Student
from seatkeeper.seats.selectors import usage_for_school
from tests.factories import PASSWORD, make_world, sys_scope
from tests.web.browser import MARKS, figure, shot, signin

pytestmark = MARKS


@pytest.fixture
def world(transactional_db: None):  # type: ignore[no-untyped-def]
    return make_world("a")


def test_district_admin_moves_seats_and_sees_totals_change(browser, live_server, world) -> None:  # type: ignore[no-untyped-def]
    page = signin(browser, live_server, "a-da")
    assert page.url.endswith("/district/")
    assert figure(page, "unallocated") == 60
    shot(page, "district-license-1280")
    row = page.locator("#schools-table tr", has_text="A School 1")
    row.get_by_label("Allocated seats for A School 1").fill("30")
    row.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=A School 1 now has 30 Core seats allocated.")
    assert figure(page, "allocated") == 50
    assert figure(page, "unallocated") == 50
    page.get_by_label("From").select_option(value=str(world.schools[0].pk))
    page.get_by_label("To").select_option(value=str(world.schools[1].pk))
    page.get_by_label("Seats", exact=True).fill("5")
    page.get_by_role("button", name="Move seats").click()
    page.wait_for_selector("text=Moved 5 seats of Core from A School 1 to A School 2.")
    row2 = page.locator("#schools-table tr", has_text="A School 2")
    assert row2.get_by_label("Allocated seats for A School 2").input_value() == "25"
    assert figure(page, "allocated") == 50  # a move keeps the district total
    shot(page, "district-after-move-1280")
    # Launch into a school: banner, then back.
    page.locator("#schools-table tr", has_text="A School 2").get_by_role(
        "button", name=re.compile("Launch into school")
    ).click()
    page.wait_for_selector("text=is acting as")
    shot(page, "district-launched-1280")
    page.get_by_role("button", name="Back to district").click()
    page.wait_for_selector("h1:has-text('Manage License')")
    small = signin(browser, live_server, "a-da", width=390)
    shot(small, "district-license-390")
    small.close()
    page.close()


def test_school_admin_switches_teacher_off_used_drops_by_predicted(
    browser, live_server, world
) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.roster import services as roster

    scope = sys_scope(world.district)
    roster.enrollment_create(scope=scope, student=world.students[0], classroom=world.classrooms[1])
    page = signin(browser, live_server, "a-sa")
    used_before = figure(page, "used", "#school-header")
    row = page.locator("tr", has_text="T00 Teacher a")
    predicted = int(row.locator('[data-figure="freed"]').inner_text())
    assert (used_before, predicted) == (6, 2)
    shot(page, "school-license-1280")
    row.get_by_role("switch").click()
    page.wait_for_selector(f"text=no longer has Core access; {predicted} seats freed")
    page.wait_for_function(
        "n => document.querySelector('#school-header [data-figure=used]').textContent.trim() == n",
        arg=str(used_before - predicted),
    )
    assert figure(page, "used", "#school-header") == used_before - predicted == 4
    school = world.schools[0]
    assert usage_for_school(scope=scope, school=school, product=world.product).used == 4
    shot(page, "school-license-after-off-1280")
    small = signin(browser, live_server, "a-sa", width=390)
    shot(small, "school-license-390")
    small.close()
    page.close()


def test_school_admin_unenrolls_and_deletes_old_classroom(browser, live_server, world) -> None:  # type: ignore[no-untyped-def]
    school = world.schools[0]
    page = signin(browser, live_server, "a-sa")
    page.goto(f"{live_server.url}/schools/{school.pk}/classrooms/")
    page.get_by_label("Select Class 01").check()
    page.get_by_role("button", name="Un-Enroll Students").click()
    page.wait_for_selector("text=Un-enroll students from 1 classroom?")
    shot(page, "classrooms-confirm-1280")
    page.get_by_role("button", name="Un-enroll students from 1 classroom").click()
    page.wait_for_selector("text=3 students un-enrolled from Class 01; 3 seats freed.")
    assert figure(page, "used", "#school-header") == 3
    page.get_by_label("Select Class 01").check()
    page.get_by_role("button", name="Delete").first.click()
    page.get_by_role("button", name="Delete 1 classroom").click()
    page.wait_for_selector("text=1 classroom deleted (Class 01); no seat freed.")
    assert Classroom.objects.get(pk=world.classrooms[1].pk).deleted_at is not None
    shot(page, "classrooms-after-delete-1280")
    page.close()


def test_school_admin_deletes_and_restores_student(browser, live_server, world) -> None:  # type: ignore[no-untyped-def]
    school, st = world.schools[0], world.students[0]
    page = signin(browser, live_server, "a-sa")
    page.goto(f"{live_server.url}/schools/{school.pk}/students/")
    shot(page, "students-1280")
    page.get_by_label("Search students").fill("Student1 ")
    page.get_by_role("button", name="Search").click()
    page.wait_for_selector("text=1–1 of 1 student")
    page.get_by_role("link", name=f"Delete {st}").click()
    page.get_by_label("Your password").fill("wrong-password")
    page.get_by_role("button", name="Delete student").click()
    page.wait_for_selector("text=That password is not right")
    assert Student.objects.get(pk=st.pk).deleted_at is None
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete student").click()
    try:
        page.wait_for_selector("text=1 seat freed")
    except Exception:
        shot(page, "FAIL-student-delete")
        raise
    assert figure(page, "used", "#school-header") == 5
    page.get_by_role("link", name="Deleted students").click()
    page.get_by_role("button", name=f"Restore {st}").click()
    page.wait_for_selector(f"text={st} restored")
    assert figure(page, "used", "#school-header") == 6
    shot(page, "students-after-restore-1280")
    small = signin(browser, live_server, "a-sa", width=390)
    small.goto(f"{live_server.url}/schools/{school.pk}/students/")
    shot(small, "students-390")
    small.close()
    page.close()


def test_teacher_refused_creating_student_when_setting_off(browser, live_server, world) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.orgs import services as orgs

    orgs.district_settings_update(
        scope=sys_scope(world.district), district=world.district, teachers_may_create_students=False
    )
    page = signin(browser, live_server, "a-t")
    page.get_by_role("link", name="Class 00").click()
    note = page.locator("#create-refused")
    assert "Teachers may not create student accounts at A School 1" in note.inner_text()
    assert page.get_by_role("button", name="Create and enroll").count() == 0
    shot(page, "teacher-refused-1280")
    small = signin(browser, live_server, "a-t", width=390)
    small.get_by_role("link", name="Class 00").click()
    shot(small, "teacher-classroom-390")
    small.close()
    page.close()


def test_district_admin_creates_and_revokes_an_integration_token(
    browser, live_server, world
) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.api.models import ApiToken

    page = signin(browser, live_server, "a-da")
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_selector("h1:has-text('API tokens')")
    page.get_by_label("Label").fill("LMS feed")
    page.get_by_label("For user").select_option(value=str(world.users["integration"].pk))
    page.get_by_role("button", name="Create token").click()
    page.wait_for_selector("text=Copy it now, it will not be shown again.")
    secret = page.get_by_label("Token", exact=True).input_value()
    shot(page, "tokens-created-1280")
    token = ApiToken.objects.get(label="LMS feed")
    assert token.user == world.users["integration"]
    assert secret.startswith(token.prefix)
    body = {
        "items": [{"student": world.students[0].pk, "kind": "work", "at": "2026-01-05T08:00:00Z"}]
    }
    url = f"{live_server.url}/api/v1/districts/a/activity"
    auth = {"Authorization": f"Bearer {secret}"}
    script = browser.new_context().request  # no session cookie: the token alone, like a script
    assert script.post(url, data=body, headers=auth).status < 300
    page.goto(f"{live_server.url}/account/tokens/")
    assert page.get_by_text(secret).count() == 0  # shown once only
    page.get_by_role(
        "button", name=re.compile("Revoke token .*LMS feed")
    ).click()  # confirm accepted
    page.wait_for_selector(f"text=Token {token.prefix}… (LMS feed) of a-int revoked")
    assert page.locator(f"#token-{token.pk}").get_by_text("revoked").count() == 1
    assert script.post(url, data=body, headers=auth).status == 401
    shot(page, "tokens-revoked-1280")
    small = signin(browser, live_server, "a-da", width=390)
    small.goto(f"{live_server.url}/account/tokens/")
    shot(small, "tokens-390")
    small.close()
    page.close()
