"""Browser tests for issue 17.8-12 (the admin's everyday work), Playwright driving Debian's
chromium against the live server; screenshots at 1280 and 390 px in artifacts/web/."""

from __future__ import annotations

import pytest

from seatkeeper.roster.models import Classroom, Enrollment, Student
from tests.factories import make_world
from tests.web.browser import MARKS, no_horizontal_overflow, shot, signin

pytestmark = MARKS


@pytest.fixture
def world(transactional_db: None):  # type: ignore[no-untyped-def]
    return make_world("a")


def _both_widths(browser, live_server, username: str, path: str, name: str) -> None:  # type: ignore[no-untyped-def]
    for width in (1280, 390):
        page = signin(browser, live_server, username, width=width)
        page.goto(f"{live_server.url}{path}")
        assert no_horizontal_overflow(page), f"{path} overflows at {width} px"
        shot(page, f"{name}-{width}")
        page.close()


def test_issue_17_8_school_admin_adds_student_classroom_and_roster(
    browser, live_server, world
) -> None:  # type: ignore[no-untyped-def]
    school = world.schools[0]
    page = signin(browser, live_server, "a-sa")
    # Create a classroom from the Classrooms page.
    page.goto(f"{live_server.url}/schools/{school.pk}/classrooms/")
    page.get_by_role("link", name="Create a classroom").click()
    page.get_by_label("Name").fill("Robotics Club")
    page.get_by_label("Teacher").select_option(label=str(world.teachers[0]))
    page.get_by_role("button", name="Create classroom").click()
    page.wait_for_selector("text=Classroom Robotics Club created")
    classroom = Classroom.objects.get(name="Robotics Club")
    # Add an existing student to its roster.
    page.get_by_label(f"Find a student of {school.name}").fill("Student1")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("button", name=f"Add {world.students[0]}").click()
    page.wait_for_selector(f"text={world.students[0]} enrolled in Robotics Club.")
    assert Enrollment.objects.filter(student=world.students[0], classroom=classroom).exists()
    # Add a new student straight into the classroom.
    page.get_by_role("link", name="Add a new student to this classroom").click()
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Last name").fill("Lima")
    assert page.get_by_label("Enroll in classroom").input_value() == str(classroom.pk)
    page.get_by_role("button", name="Add student").click()
    page.wait_for_selector("text=added to A School 1 and enrolled in Robotics Club")
    student = Student.objects.get(last_name="Lima")
    assert page.locator("#student-seats").inner_text().count("Holds a seat") == 1
    shot(page, "issue17-8-student-page-1280")
    # Remove them from the roster again (confirm dialog accepted by signin()).
    page.goto(f"{live_server.url}/schools/{school.pk}/classrooms/{classroom.pk}/")
    page.get_by_role("button", name=f"Remove {student}").click()
    page.wait_for_selector(f"text={student} un-enrolled from Robotics Club; 1 seat freed.")
    assert not Enrollment.objects.filter(student=student, classroom=classroom).exists()
    page.close()
    for path, name in (
        (f"/schools/{school.pk}/students/add/", "issue17-8-student-add"),
        (f"/schools/{school.pk}/classrooms/add/", "issue17-8-classroom-add"),
        (f"/schools/{school.pk}/classrooms/{classroom.pk}/", "issue17-8-roster"),
        (f"/schools/{school.pk}/students/{student.pk}/", "issue17-8-student"),
    ):
        _both_widths(browser, live_server, "a-sa", path, name)


def test_issue_17_9_and_10_students_bulk_unenroll_with_seats_freed(
    browser, live_server, world
) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.roster import services as roster
    from seatkeeper.seats.selectors import usage_for_school
    from tests.factories import sys_scope

    school = world.schools[0]
    roster.student_create(
        scope=sys_scope(world.district),
        district=world.district,
        school=school,
        first_name="No",
        last_name="Seat",
    )
    page = signin(browser, live_server, "a-sa")
    page.goto(f"{live_server.url}/schools/{school.pk}/students/")
    page.wait_for_selector("text=1–7 of 7 students")
    page.get_by_label(f"{world.product.name} seat").select_option("held")
    page.get_by_role("button", name="Search").click()
    page.wait_for_selector("text=1–6 of 6 students")
    page.wait_for_url("**seat=held**")
    page.get_by_label("Select all students on this page").check()
    assert page.locator("input[data-select=students]:checked").count() == 6
    page.get_by_label(f"Select {world.students[0]}").uncheck()
    page.get_by_role("button", name="Un-enroll", exact=True).click()
    page.wait_for_selector("h1:has-text('Un-enroll 5 students?')")
    assert int(page.locator('[data-figure="freed"]').inner_text()) == 5
    shot(page, "issue17-10-students-confirm-1280")
    used = usage_for_school(scope=sys_scope(world.district), school=school, product=world.product)
    page.get_by_role("button", name="Un-enroll 5 students").click()
    page.wait_for_selector("text=5 students un-enrolled from every classroom of A School 1")
    after = usage_for_school(scope=sys_scope(world.district), school=school, product=world.product)
    assert used.used - after.used == 5
    shot(page, "issue17-9-students-1280")
    page.goto(f"{live_server.url}/schools/{school.pk}/classrooms/?q=Class+01&sort=-seats")
    assert page.locator("tr[data-classroom]").count() == 1
    page.close()
    _both_widths(
        browser, live_server, "a-sa", f"/schools/{school.pk}/students/", "issue17-9-students"
    )
    _both_widths(
        browser, live_server, "a-sa", f"/schools/{school.pk}/classrooms/", "issue17-9-classrooms"
    )
    _both_widths(
        browser,
        live_server,
        "a-sa",
        f"/schools/{school.pk}/students/bulk/?action=delete&ids={world.students[1].pk}",
        "issue17-10-delete-confirm",
    )


def test_issue_17_9_district_dedup_merge_all_certain_then_undo(browser, live_server, world) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_admin_dedup import _run, _twins_of_records

    pairs = _twins_of_records(world, 2)
    _run(world)
    page = signin(browser, live_server, "a-da")
    page.goto(f"{live_server.url}/dedup/district/?kind=students")
    assert page.locator(".group-school").first.inner_text() == "School: A School 1"
    shot(page, "issue17-9-dedup-district-1280")
    page.get_by_role("button", name="Merge all 2 certain groups").click()
    page.wait_for_selector("text=Merged 2 certain groups; 2 seats freed.")
    assert Student.objects.filter(merged_into__isnull=False).count() == 2
    page.get_by_role("button", name="Undo all 2 merges").click()
    page.wait_for_selector("text=Undid 2 merges: every account is back.")
    assert Student.objects.filter(merged_into__isnull=False).count() == 0
    assert all(Student.objects.get(pk=b.pk).deleted_at is None for _, b in pairs)
    page.close()
    _both_widths(browser, live_server, "a-da", "/dedup/district/?kind=students", "issue17-9-dedup")


def test_issue_17_10_access_on_over_capacity_warning(browser, live_server, world) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.roster import services as roster
    from seatkeeper.seats import services as lic
    from tests.factories import sys_scope

    scope = sys_scope(world.district)
    school, teacher = world.schools[0], world.teachers[0]
    roster.access_set(scope=scope, teacher=teacher, product=world.product, on=False)
    lic.allocation_set(scope=scope, school=school, product=world.product, seats=4)
    page = signin(browser, live_server, "a-sa")
    seen: list[str] = []
    page.on("dialog", lambda d: seen.append(d.message))
    row = page.locator(f"#teacher-{teacher.pk}")
    assert row.locator("[data-over]").inner_text() == "2 over capacity"
    shot(page, "issue17-10-access-warning-1280")
    row.get_by_role("switch").click()
    page.wait_for_selector(f"text={teacher} now has Core access")
    assert any("2 over capacity" in m for m in seen)
    page.close()
    _both_widths(browser, live_server, "a-sa", f"/schools/{school.pk}/", "issue17-10-license")


def test_issue_17_11_audit_log_readable_and_undo_a_seat_move(browser, live_server, world) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.seats import services as lic
    from seatkeeper.seats.models import Allocation
    from tests.factories import sys_scope

    s1, s2 = world.schools
    lic.allocation_move(
        scope=sys_scope(world.district),
        product=world.product,
        from_school=s1,
        to_school=s2,
        seats=5,
    )
    page = signin(browser, live_server, "a-da")
    page.goto(f"{live_server.url}/district/audit/")
    row = page.locator("tr[data-action='licensing.allocation.moved']")
    assert row.locator(".action-label").inner_text() == "Seats moved between schools"
    change = row.locator(".change", has_text="From:")  # JSON key order differs by backend
    assert change.locator(".before").inner_text() == "20"
    assert change.locator(".after").inner_text() == "15"
    shot(page, "issue17-11-audit-1280")
    row.get_by_role("button", name="Undo").click()
    page.wait_for_selector("text=Undone: 5 Core seats moved back from A School 2 to A School 1.")
    seats = dict(Allocation.objects.values_list("school_id", "seats"))
    assert (seats[s1.pk], seats[s2.pk]) == (20, 20)
    page.close()
    _both_widths(browser, live_server, "a-da", "/district/audit/", "issue17-11-audit")
    _both_widths(
        browser,
        live_server,
        "a-sa",
        f"/history/teacher/{world.teachers[0].pk}/",
        "issue17-11-history",
    )


def test_issue_17_12_operator_screens(browser, live_server, world) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from django.utils import timezone

    from seatkeeper.orgs.models import District, Membership
    from seatkeeper.seats.models import Purchase
    from tests.factories import make_operator

    make_operator("op")
    page = signin(browser, live_server, "op")
    page.goto(f"{live_server.url}/operator/")
    page.get_by_label("Name").fill("Lakeside USD")
    page.get_by_label("Slug").fill("lakeside")
    page.get_by_role("button", name="Create district").click()
    page.wait_for_selector("text=District Lakeside USD created")
    district = District.objects.get(slug="lakeside")
    today = timezone.localdate()
    page.get_by_label("Seats").fill("120")
    page.get_by_label("Term starts").fill((today - dt.timedelta(days=5)).isoformat())
    page.get_by_label("Term ends").fill((today + dt.timedelta(days=200)).isoformat())
    page.get_by_role("button", name="Record purchase").click()
    page.wait_for_selector("text=Recorded 120 Core seats for the district pool")
    shot(page, "issue17-12-purchases-1280")
    purchase = Purchase.objects.get(district=district)
    page.get_by_role("button", name="End purchase").click()
    page.wait_for_selector("text=now ends")
    purchase.refresh_from_db()
    assert purchase.ends_on == today
    page.goto(f"{live_server.url}/operator/districts/{world.district.pk}/users/")
    page.get_by_label("Username").fill("second-da")
    page.get_by_label("Role", exact=True).select_option("integration")
    page.get_by_role("button", name="Create user").click()
    page.wait_for_selector("text=User second-da created")
    row = page.locator("tr[data-user='second-da']")
    row.get_by_label("New role for second-da").select_option("district_admin")
    row.get_by_role("button", name="Save role").click()
    page.wait_for_selector("text=second-da is now District admin.")
    assert Membership.objects.get(user__username="second-da").role == "district_admin"
    shot(page, "issue17-12-users-1280")
    page.close()
    for path, name in (
        ("/operator/", "issue17-12-operator"),
        (f"/operator/districts/{district.pk}/purchases/", "issue17-12-purchases"),
        (f"/operator/districts/{world.district.pk}/users/", "issue17-12-users"),
    ):
        _both_widths(browser, live_server, "op", path, name)


def test_issue_17_10_import_apply_confirmation(
    browser, live_server, world, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.roster.models import ImportRun
    from tests.roster.oneroster.helpers import write_set, zip_folder

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    z = zip_folder(write_set(tmp_path / "set"), tmp_path / "roster.zip")
    page = signin(browser, live_server, "a-da")
    page.goto(f"{live_server.url}/district/imports/")
    page.set_input_files("#file", str(z))
    page.locator("form[enctype] button[type=submit]").first.click()
    page.wait_for_selector("text=Dry run: nothing has changed yet.")
    page.get_by_role("link", name="Apply…").click()
    page.wait_for_selector("h1:has-text('Apply the import of roster.zip?')")
    assert int(page.locator('[data-figure="created"]').inner_text()) > 0
    assert not Student.objects.filter(sourced_id="u3").exists()
    shot(page, "issue17-10-import-confirm-1280")
    run = ImportRun.objects.get()
    page.get_by_role("button", name="Apply the import").click()
    page.wait_for_selector("text=Applied")
    assert Student.objects.filter(sourced_id="u3").exists()
    applied = ImportRun.objects.get(status="applied")
    page.close()
    small = signin(browser, live_server, "a-da", width=390)
    small.goto(f"{live_server.url}/district/imports/{run.pk}/")
    assert no_horizontal_overflow(small)
    shot(small, "issue17-10-import-run-390")
    # The undo of the whole import: its confirmation says what it puts back, then it is done.
    small.goto(f"{live_server.url}/district/imports/{applied.pk}/")
    small.get_by_role("link", name="Undo this import…").click()
    small.wait_for_selector("h1:has-text('Undo the import of roster.zip?')")
    assert (
        "Students: 3 created by the import, removed" in small.locator("#undo-changes").inner_text()
    )
    assert no_horizontal_overflow(small)
    shot(small, "issue17-10-import-undo-390")
    small.close()
    page = signin(browser, live_server, "a-da")
    page.goto(f"{live_server.url}/district/imports/{applied.pk}/undo/")
    assert "Lakeside High" in page.locator("#undo-seats").inner_text()
    shot(page, "issue17-10-import-undo-1280")
    assert Student.objects.filter(sourced_id="u3").exists()  # the confirmation changed nothing
    page.get_by_role("button", name="Undo the import").click()
    page.wait_for_selector("text=Import undone")
    page.wait_for_selector("#run-undone")
    assert not Student.objects.filter(sourced_id="u3").exists()
    assert page.get_by_role("link", name="Undo this import…").count() == 0
    shot(page, "issue17-10-import-undone-1280")
    page.close()
