"""Page tests through the Django test client: each page per role, out-of-scope -> 404, actions
call the services and say what happened (seats freed), and refused calls change nothing."""

from __future__ import annotations

from django.contrib.messages import get_messages

from seatkeeper.audit.models import AuditEntry
from seatkeeper.orgs.models import District
from seatkeeper.roster.models import Classroom, Enrollment, Student
from seatkeeper.seats.models import Allocation, TeacherAccess
from seatkeeper.seats.selectors import usage_for_school
from tests.factories import PASSWORD, sys_scope
from tests.web.conftest import client_for


def _msgs(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in get_messages(response.wsgi_request)]


def _used(world, school) -> int:  # type: ignore[no-untyped-def]
    return usage_for_school(
        scope=sys_scope(world.district), school=school, product=world.product
    ).used


# --- sign in ------------------------------------------------------------------------------------


def test_sign_in_and_home_redirect_by_role(world_a, client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/signin/", {"username": "a-da", "password": PASSWORD})
    assert r.status_code == 302
    assert client.get("/")["Location"] == "/district/"
    client.post("/signout/")
    client.post("/signin/", {"username": "a-sa", "password": PASSWORD})
    assert client.get("/")["Location"] == f"/schools/{world_a.schools[0].pk}/"
    client.post("/signout/")
    client.post("/signin/", {"username": "a-t", "password": PASSWORD})
    assert client.get("/")["Location"] == "/teach/"


def test_failed_sign_ins_are_throttled_even_with_the_right_password(world_a, client) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        assert client.post("/signin/", {"username": "a-da", "password": "nope"}).status_code == 200
    r = client.post("/signin/", {"username": "a-da", "password": PASSWORD})
    assert r.status_code == 429
    assert b"Too many failed sign-ins" in r.content
    assert "_auth_user_id" not in client.session


def test_forms_are_csrf_protected(world_a) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(world_a.users["district_admin"])
    school = world_a.schools[0]
    r = c.post(f"/district/allocations/{school.pk}/", {"seats": "5", "product": "core"})
    assert r.status_code == 403
    assert Allocation.objects.get(school=school, product=world_a.product).seats == 20


def test_password_change(world_a, sa) -> None:  # type: ignore[no-untyped-def]
    r = sa.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-Secret-77",
            "new_password2": "a-new-Secret-77",
        },
    )
    assert r.status_code == 302
    world_a.users["school_admin"].refresh_from_db()
    assert world_a.users["school_admin"].check_password("a-new-Secret-77")


# --- district: manage license -------------------------------------------------------------------


def test_district_license_shows_pool_and_schools(world_a, da) -> None:  # type: ignore[no-untyped-def]
    r = da.get("/district/")
    assert r.status_code == 200
    usage = r.context["usage"]
    assert (usage.pool, usage.allocated, usage.unallocated) == (100, 40, 60)
    assert b"A School 1" in r.content
    assert b"A School 2" in r.content


def test_allocation_inline_edit_updates_totals(world_a, da) -> None:  # type: ignore[no-untyped-def]
    school = world_a.schools[0]
    r = da.post(
        f"/district/allocations/{school.pk}/",
        {"seats": "35", "product": "core"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    assert r["HX-Trigger"] == "seats-changed"
    assert r.context["usage"].allocated == 55
    assert b'data-figure="unallocated">45<' in r.content
    assert Allocation.objects.get(school=school, product=world_a.product).seats == 35


def test_r7_allocation_above_pool_is_refused_and_changes_nothing(world_a, da) -> None:  # type: ignore[no-untyped-def]
    school = world_a.schools[0]
    r = da.post(
        f"/district/allocations/{school.pk}/",
        {"seats": "500", "product": "core"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    assert any("School 1" in m for m in _msgs(r))
    assert Allocation.objects.get(school=school, product=world_a.product).seats == 20


def test_move_seats(world_a, da) -> None:  # type: ignore[no-untyped-def]
    s1, s2 = world_a.schools
    r = da.post(
        "/district/move/",
        {"from_school": s1.pk, "to_school": s2.pk, "seats": "5", "product": "core"},
    )
    assert r.status_code == 302
    assert _msgs(r) == ["Moved 5 seats of Core from A School 1 to A School 2."]
    seats = dict(
        Allocation.objects.filter(product=world_a.product).values_list("school_id", "seats")
    )
    assert (seats[s1.pk], seats[s2.pk]) == (15, 25)


def test_other_district_school_is_404(world_a, world_b, da) -> None:  # type: ignore[no-untyped-def]
    other = world_b.schools[0]
    assert da.post(f"/district/allocations/{other.pk}/", {"seats": "1"}).status_code == 404
    assert da.get(f"/schools/{other.pk}/").status_code == 404
    assert da.post(f"/district/launch/{other.pk}/").status_code == 404
    assert Allocation.objects.get(school=other, product=world_b.product).seats == 20


def test_launch_into_school_shows_banner_and_audits_both_names(world_a, da) -> None:  # type: ignore[no-untyped-def]
    school = world_a.schools[1]
    r = da.post(f"/district/launch/{school.pk}/")
    assert r["Location"] == f"/schools/{school.pk}/"
    page = da.get(r["Location"])
    assert b"is acting as <strong>school admin of A School 2" in page.content
    assert da.get("/district/").status_code == 403  # district pages wait for "Back to district"
    teacher = world_a.teachers[2]
    da.post(f"/schools/{school.pk}/access/{teacher.pk}/", {"on": "0", "product": "core"})
    entry = AuditEntry.objects.filter(action="licensing.access.changed").latest("id")
    assert entry.acting_role == "school_admin"
    assert entry.launched_by == world_a.users["district_admin"]
    da.post("/district/return/")
    assert da.get("/district/").status_code == 200


# --- school: manage license ---------------------------------------------------------------------


def test_school_license_header_and_teacher_rows(world_a, sa) -> None:  # type: ignore[no-untyped-def]
    school = world_a.schools[0]
    r = sa.get(f"/schools/{school.pk}/")
    assert r.status_code == 200
    header = r.context["header"]
    assert (header.usage.capacity, header.usage.used, header.usage.remaining) == (20, 6, 14)
    rows = {row.teacher.pk: row for row in r.context["rows"]}
    assert {(x.seats_held, x.freed_if_off) for x in rows.values()} == {(3, 3)}


def test_r4_access_off_frees_exactly_the_predicted_seats(world_a, sa) -> None:  # type: ignore[no-untyped-def]
    school = world_a.schools[0]
    t0, t1 = world_a.teachers[0], world_a.teachers[1]
    # A student of t0's class also in t1's class: switching t0 OFF frees only 2 of 3.
    from seatkeeper.roster import services as roster

    roster.enrollment_create(
        scope=sys_scope(world_a.district),
        student=world_a.students[0],
        classroom=world_a.classrooms[1],
    )
    rows = {row.teacher.pk: row for row in sa.get(f"/schools/{school.pk}/").context["rows"]}
    predicted = rows[t0.pk].freed_if_off
    assert (rows[t0.pk].seats_held, predicted) == (3, 2)
    before = _used(world_a, school)
    r = sa.post(
        f"/schools/{school.pk}/access/{t0.pk}/",
        {"on": "0", "product": "core"},
        HTTP_HX_REQUEST="true",
    )
    assert r["HX-Trigger"] == "seats-changed"
    assert before - _used(world_a, school) == predicted
    assert f"no longer has Core access; {predicted} seats freed" in r.content.decode()
    assert not TeacherAccess.objects.get(teacher=t0, product=world_a.product).on
    assert t1.pk in rows


def test_school_admin_cannot_see_another_school(world_a, sa) -> None:  # type: ignore[no-untyped-def]
    other = world_a.schools[1]
    for url in (
        f"/schools/{other.pk}/",
        f"/schools/{other.pk}/students/",
        f"/schools/{other.pk}/classrooms/",
    ):
        assert sa.get(url).status_code == 404, url
    t = world_a.teachers[2]
    assert sa.post(f"/schools/{other.pk}/access/{t.pk}/", {"on": "0"}).status_code == 404
    assert TeacherAccess.objects.get(teacher=t, product=world_a.product).on


def test_school_header_partial(world_a, sa) -> None:  # type: ignore[no-untyped-def]
    school = world_a.schools[0]
    r = sa.get(f"/schools/{school.pk}/header/?product=core")
    assert r.status_code == 200
    assert b'data-figure="used">6<' in r.content
    assert b'hx-trigger="seats-changed from:body"' in r.content


# --- classrooms ---------------------------------------------------------------------------------


def test_classrooms_list_figures_and_filters(world_a, sa) -> None:  # type: ignore[no-untyped-def]
    school = world_a.schools[0]
    rows = sa.get(f"/schools/{school.pk}/classrooms/").context["rows"]
    assert [(r.classroom.name, r.enrolled, r.seats_held) for r in rows] == [
        ("Class 00", 3, 3),
        ("Class 01", 3, 3),
    ]
    t = world_a.teachers[1]
    rows = sa.get(f"/schools/{school.pk}/classrooms/?teacher={t.pk}").context["rows"]
    assert [r.classroom.name for r in rows] == ["Class 01"]
    assert sa.get(f"/schools/{school.pk}/classrooms/?status=deleted").context["rows"] == []


def test_bulk_unenroll_confirms_then_names_seats_freed(world_a, sa) -> None:  # type: ignore[no-untyped-def]
    school, c = world_a.schools[0], world_a.classrooms[0]
    url = f"/schools/{school.pk}/classrooms/bulk/"
    r = sa.post(url, {"action": "unenroll", "ids": [c.pk], "product": "core"})
    assert r.status_code == 200
    assert b"Un-enroll students from 1 classroom?" in r.content
    assert Enrollment.objects.filter(classroom=c).count() == 3  # nothing yet
    r = sa.post(url, {"action": "unenroll", "ids": [c.pk], "confirm": "yes", "product": "core"})
    assert r.status_code == 302
    assert _msgs(r) == ["3 students un-enrolled from Class 00; 3 seats freed."]
    assert Enrollment.objects.filter(classroom=c).count() == 0


def test_bulk_delete_and_restore(world_a, sa) -> None:  # type: ignore[no-untyped-def]
    school, c = world_a.schools[0], world_a.classrooms[1]
    url = f"/schools/{school.pk}/classrooms/bulk/"
    r = sa.post(url, {"action": "delete", "ids": [c.pk], "confirm": "yes"})
    assert _msgs(r) == ["1 classroom deleted (Class 01); 3 seats freed."]
    assert _used(world_a, school) == 3
    r = sa.post(url, {"action": "restore", "ids": [c.pk], "confirm": "yes"})
    assert _used(world_a, school) == 6
    assert Classroom.objects.get(pk=c.pk).deleted_at is None


def test_bulk_ignores_classrooms_outside_scope(world_a, sa) -> None:  # type: ignore[no-untyped-def]
    school, other = world_a.schools[0], world_a.classrooms[2]
    r = sa.post(
        f"/schools/{school.pk}/classrooms/bulk/",
        {"action": "delete", "ids": [other.pk], "confirm": "yes"},
    )
    assert r.status_code == 404
    assert Classroom.objects.get(pk=other.pk).deleted_at is None


# --- students -----------------------------------------------------------------------------------


def test_students_search_sort_paginate(world_a, sa) -> None:  # type: ignore[no-untyped-def]
    school = world_a.schools[0]
    r = sa.get(f"/schools/{school.pk}/students/?q=Student1")
    assert [row.student.first_name for row in r.context["result"].rows] == ["Student1"]
    r = sa.get(f"/schools/{school.pk}/students/?sort=-name")
    names = [row.student.first_name for row in r.context["result"].rows]
    assert names == sorted(names, reverse=True)
    assert len(names) == 6
    assert all(row.seat_held for row in r.context["result"].rows)
    r = sa.get(f"/schools/{school.pk}/students/?q=Student1", HTTP_HX_REQUEST="true")
    assert b"<html" not in r.content
    assert b'id="results"' in r.content


def test_student_delete_asks_for_password_then_restores(world_a, sa) -> None:  # type: ignore[no-untyped-def]
    school, st = world_a.schools[0], world_a.students[0]
    url = f"/schools/{school.pk}/students/{st.pk}/delete/"
    assert b"confirm with your password" in sa.get(url).content
    r = sa.post(url, {"password": "wrong"})
    assert b"That password is not right" in r.content
    assert Student.objects.get(pk=st.pk).deleted_at is None
    r = sa.post(url, {"password": PASSWORD})
    assert r.status_code == 302
    assert _msgs(r) == [f"{st} deleted (restore from “Deleted students”); 1 seat freed."]
    assert _used(world_a, school) == 5
    deleted = sa.get(f"/schools/{school.pk}/students/?show=deleted").context["result"].rows
    assert [row.student.pk for row in deleted] == [st.pk]
    r = sa.post(f"/schools/{school.pk}/students/{st.pk}/restore/")
    assert _used(world_a, school) == 6


def test_student_unenroll_only_from_this_school(world_a, da) -> None:  # type: ignore[no-untyped-def]
    school, st = world_a.schools[0], world_a.students[0]
    r = da.post(f"/schools/{school.pk}/students/{st.pk}/unenroll/")
    assert _msgs(r) == [f"{st} un-enrolled from Class 00; 1 seat freed."]
    assert not Enrollment.objects.filter(student=st).exists()


def test_other_district_student_is_404(world_a, world_b, sa) -> None:  # type: ignore[no-untyped-def]
    school, other = world_a.schools[0], world_b.students[0]
    r = sa.post(f"/schools/{school.pk}/students/{other.pk}/delete/", {"password": PASSWORD})
    assert r.status_code == 404
    assert Student.objects.get(pk=other.pk).deleted_at is None


# --- teachers, settings, audit ------------------------------------------------------------------


def test_teachers_page_add_and_delete(world_a, sa) -> None:  # type: ignore[no-untyped-def]
    school = world_a.schools[0]
    r = sa.get(f"/schools/{school.pk}/teachers/")
    assert [str(t) for t in r.context["teachers"]] == ["T00 Teacher a", "T01 Teacher a"]
    r = sa.post(f"/schools/{school.pk}/teachers/add/", {"first_name": "Nia", "last_name": "Obi"})
    assert _msgs(r) == ["Nia Obi added to A School 1."]
    t = world_a.teachers[1]
    sa.post(f"/schools/{school.pk}/teachers/{t.pk}/delete/")
    assert _used(world_a, school) == 3


def test_settings_saves_through_services(world_a, da) -> None:  # type: ignore[no-untyped-def]
    r = da.post(
        "/district/settings/",
        {
            "mode-core": "grace",
            "grace-core": "2030-09-30",
            "stale_classroom_days": "60",
            "inactive_student_days": "90",
            "new_teacher_access": "on",
        },
    )
    assert r.status_code == 302
    d = District.objects.get(pk=world_a.district.pk)
    assert (d.teachers_may_create_students, d.stale_classroom_days) == (False, 60)
    assert AuditEntry.objects.filter(action="licensing.enforcement.changed").exists()


def test_settings_invalid_changes_nothing(world_a, da) -> None:  # type: ignore[no-untyped-def]
    r = da.post(
        "/district/settings/",
        {"mode-core": "grace", "stale_classroom_days": "0", "inactive_student_days": "90"},
    )
    assert r.status_code == 302
    assert District.objects.get(pk=world_a.district.pk).stale_classroom_days == 90


def test_school_admin_cannot_open_settings_or_audit(world_a, sa) -> None:  # type: ignore[no-untyped-def]
    assert sa.get("/district/settings/").status_code == 403
    assert sa.get("/district/audit/").status_code == 403


def test_audit_log_filters_and_csv(world_a, da) -> None:  # type: ignore[no-untyped-def]
    da.post(
        "/district/move/",
        {"from_school": world_a.schools[0].pk, "to_school": world_a.schools[1].pk, "seats": "2"},
    )
    r = da.get("/district/audit/?action=licensing.allocation.moved")
    assert [e.action for e in r.context["page"].object_list] == ["licensing.allocation.moved"]
    r = da.get("/district/audit.csv?actor=a-da")
    body = b"".join(r.streaming_content).decode()
    lines = body.strip().splitlines()
    assert lines[0].startswith("at,actor,launched_by")
    assert len(lines) == 2
    assert "licensing.allocation.moved" in lines[1]


# --- teacher ------------------------------------------------------------------------------------


def test_teacher_sees_only_own_classrooms(world_a, teacher_client) -> None:  # type: ignore[no-untyped-def]
    r = teacher_client.get("/teach/")
    assert [c.name for c in r.context["classrooms"]] == ["Class 00"]
    assert teacher_client.get(f"/teach/classrooms/{world_a.classrooms[1].pk}/").status_code == 404
    assert teacher_client.get(f"/schools/{world_a.schools[0].pk}/").status_code == 403


def test_teacher_enrolls_unenrolls_and_creates(world_a, teacher_client) -> None:  # type: ignore[no-untyped-def]
    c = world_a.classrooms[0]
    other = world_a.students[3]  # Class 01, same school
    r = teacher_client.get(f"/teach/classrooms/{c.pk}/?q={other.first_name}")
    assert [s.pk for s in r.context["found"]] == [other.pk]
    r = teacher_client.post(f"/teach/classrooms/{c.pk}/enroll/", {"student": other.pk})
    assert _msgs(r) == [f"{other} enrolled in Class 00."]
    r = teacher_client.post(f"/teach/classrooms/{c.pk}/unenroll/", {"student": other.pk})
    assert _msgs(r)[-1] == f"{other} un-enrolled from Class 00."  # still holds a seat via Class 01
    r = teacher_client.post(
        f"/teach/classrooms/{c.pk}/create/", {"first_name": "New", "last_name": "Kid"}
    )
    assert _msgs(r)[-1] == "New Kid created and enrolled in Class 00."


def test_teacher_refused_creating_students_when_setting_is_off(world_a, teacher_client) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.orgs import services as orgs

    orgs.district_settings_update(
        scope=sys_scope(world_a.district),
        district=world_a.district,
        teachers_may_create_students=False,
    )
    c = world_a.classrooms[0]
    page = teacher_client.get(f"/teach/classrooms/{c.pk}/")
    assert b"Teachers may not create student accounts at A School 1" in page.content
    n = Student.objects.count()
    r = teacher_client.post(
        f"/teach/classrooms/{c.pk}/create/", {"first_name": "No", "last_name": "Way"}
    )
    assert r.status_code == 302
    assert any("may not create student accounts" in m for m in _msgs(r))
    assert Student.objects.count() == n


def test_teacher_refused_by_hard_enforcement(world_a, teacher_client) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.seats import services as lic

    scope = sys_scope(world_a.district)
    lic.allocation_set(scope=scope, school=world_a.schools[0], product=world_a.product, seats=6)
    lic.enforcement_set(
        scope=scope, district=world_a.district, product=world_a.product, mode="hard"
    )
    c = world_a.classrooms[0]
    n = Student.objects.count()
    r = teacher_client.post(
        f"/teach/classrooms/{c.pk}/create/", {"first_name": "Too", "last_name": "Many"}
    )
    assert r.status_code == 302
    assert any("A School 1" in m for m in _msgs(r))
    assert Student.objects.count() == n


def test_operator_picks_a_district(world_a, operator) -> None:  # type: ignore[no-untyped-def]
    c = client_for(operator)
    assert c.get("/")["Location"] == "/district/choose/"
    c.post("/district/choose/", {"district": world_a.district.pk})
    assert c.get("/district/").context["district"] == world_a.district


def test_school_may_tighten_teacher_student_creation(world_a, sa, teacher_client) -> None:  # type: ignore[no-untyped-def]
    school, c = world_a.schools[0], world_a.classrooms[0]
    r = sa.post(f"/schools/{school.pk}/teachers/student-creation/", {"allow": "no"})
    assert _msgs(r) == ["Teachers at A School 1 may not create student accounts."]
    page = teacher_client.get(f"/teach/classrooms/{c.pk}/")
    assert b"Teachers may not create student accounts at A School 1" in page.content
    sa.post(f"/schools/{school.pk}/teachers/student-creation/", {"allow": "district"})
    page = teacher_client.get(f"/teach/classrooms/{c.pk}/")
    assert b"Create and enroll" in page.content
