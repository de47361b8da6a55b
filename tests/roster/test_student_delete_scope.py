"""Deleting a student applies district-wide, so only the admins of the student's home school
and district admins may; an admin of a school where the student is only enrolled may un-enroll
them from that school (issue 19 item 7). Service, web UI and API alike; a refusal changes
nothing."""

from __future__ import annotations

import pytest

from seatkeeper.errors import Forbidden
from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Enrollment, Student
from tests.api.conftest import api_as
from tests.factories import DistrictWorld, sys_scope
from tests.web.conftest import client_for


def visiting_student(world: DistrictWorld) -> Student:
    """A student of school 2 with one enrollment at school 1 (the school admin's school)."""
    student = next(s for s in world.students if s.school_id == world.schools[1].pk)
    roster.enrollment_create(
        scope=sys_scope(world.district), student=student, classroom=world.classrooms[0]
    )
    return student


def _enrolled_at(student: Student) -> set[int]:
    return set(
        Enrollment.objects.filter(student=student).values_list("classroom__school_id", flat=True)
    )


def test_school_admin_may_not_delete_a_student_homed_at_another_school(world_a) -> None:  # type: ignore[no-untyped-def]
    student = visiting_student(world_a)
    with pytest.raises(Forbidden, match="home school"):
        roster.student_delete(scope=world_a.scope("school_admin"), student=student)
    student.refresh_from_db()
    assert student.deleted_at is None
    # They may un-enroll the student from their own school; the other school keeps theirs.
    roster.student_unenroll(scope=world_a.scope("school_admin"), student=student)
    assert _enrolled_at(student) == {world_a.schools[1].pk}


def test_home_school_admin_and_district_admin_may_delete(world_a) -> None:  # type: ignore[no-untyped-def]
    own = next(s for s in world_a.students if s.school_id == world_a.schools[0].pk)
    roster.student_delete(scope=world_a.scope("school_admin"), student=own)
    own.refresh_from_db()
    assert own.deleted_at is not None
    roster.student_restore(scope=world_a.scope("school_admin"), student=own)
    visiting = visiting_student(world_a)
    roster.student_delete(scope=world_a.scope("district_admin"), student=visiting)
    visiting.refresh_from_db()
    assert visiting.deleted_at is not None
    with pytest.raises(Forbidden):  # restoring is district-wide too
        roster.student_restore(scope=world_a.scope("school_admin"), student=visiting)


def test_web_delete_of_a_visiting_student_is_refused(world_a) -> None:  # type: ignore[no-untyped-def]
    student = visiting_student(world_a)
    school = world_a.schools[0]
    c = client_for(world_a.users["school_admin"])
    url = f"/schools/{school.pk}/students/{student.pk}/delete/"
    assert c.get(url).status_code == 403
    from tests.factories import PASSWORD

    c.post(url, {"password": PASSWORD})
    student.refresh_from_db()
    assert student.deleted_at is None
    listing = c.get(f"/schools/{school.pk}/students/").content.decode()
    assert url not in listing  # no Delete button for them, Un-enroll stays
    # Un-enroll stays, through the confirm page saying the seats freed (issue 17.10)
    assert f"/schools/{school.pk}/students/bulk/?action=unenroll&amp;ids={student.pk}&" in listing


def test_api_delete_of_a_visiting_student_is_403_and_changes_nothing(world_a) -> None:  # type: ignore[no-untyped-def]
    student = visiting_student(world_a)
    api = api_as(world_a.users["school_admin"])
    r = api.delete(f"/districts/a/students/{student.pk}")
    assert r.status_code == 403
    student.refresh_from_db()
    assert student.deleted_at is None
    assert _enrolled_at(student) == {world_a.schools[0].pk, world_a.schools[1].pk}
    own = next(s for s in world_a.students if s.school_id == world_a.schools[0].pk)
    assert api.delete(f"/districts/a/students/{own.pk}").status_code == 204


# --- teacher actions: each URL means one thing (issue 19 item 8) ---------------------------------


def test_teacher_add_and_student_creation_urls_name_no_teacher(world_a) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.roster.models import Teacher

    school = world_a.schools[0]
    c = client_for(world_a.users["school_admin"])
    other = world_a.teachers[3]  # a teacher of the other school, out of this admin's scope
    before = Teacher.objects.count()
    r = c.post(
        f"/schools/{school.pk}/teachers/{other.pk}/add/", {"first_name": "N", "last_name": "O"}
    )
    assert r.status_code == 404
    r = c.post(f"/schools/{school.pk}/teachers/{other.pk}/student-creation/", {"allow": "no"})
    assert r.status_code == 404
    school.refresh_from_db()
    assert school.teachers_may_create_students is None
    assert Teacher.objects.count() == before
    r = c.post(f"/schools/{school.pk}/teachers/add/", {"first_name": "Nia", "last_name": "Obi"})
    assert r.status_code == 302
    assert Teacher.objects.filter(school=school, first_name="Nia").exists()
