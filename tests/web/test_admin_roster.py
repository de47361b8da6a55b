"""issue 17.8: school admins add a student, create a classroom, open a class roster (add and
remove students) and a student's page with their classrooms, schools and seats. Through the
Django test client: role and school scoping, audit entries, the ledger's seat rows."""

from __future__ import annotations

from seatkeeper.audit import actions
from seatkeeper.audit.models import AuditEntry
from seatkeeper.roster.models import Classroom, Enrollment, Student
from seatkeeper.seats.selectors import holding_seat
from tests.factories import sys_scope
from tests.web.conftest import client_for


def _holds(world, school, student) -> bool:  # type: ignore[no-untyped-def]
    return student.pk in holding_seat(
        district_id=world.district.pk,
        school_id=school.pk,
        product_id=world.product.pk,
        student_ids=[student.pk],
    )


def test_issue_17_8_school_admin_adds_a_student_into_a_classroom(world_a) -> None:  # type: ignore[no-untyped-def]
    sa = client_for(world_a.users["school_admin"])
    school, classroom = world_a.schools[0], world_a.classrooms[0]
    assert sa.get(f"/schools/{school.pk}/students/add/").status_code == 200
    r = sa.post(
        f"/schools/{school.pk}/students/add/",
        {"first_name": "Nia", "last_name": "Okafor", "grade": "4", "classroom": classroom.pk},
    )
    student = Student.objects.get(last_name="Okafor")
    assert r.status_code == 302
    assert r["Location"] == f"/schools/{school.pk}/students/{student.pk}/"
    assert (student.school_id, student.grade) == (school.pk, "4")
    assert Enrollment.objects.filter(student=student, classroom=classroom).exists()
    assert _holds(world_a, school, student)  # the ledger's seat row
    assert AuditEntry.objects.filter(action=actions.STUDENT_CREATED, target_id=student.pk).exists()
    page = sa.get(r["Location"]).content.decode()
    assert "Holds a seat" in page
    assert classroom.name in page
    assert school.name in page


def test_issue_17_8_add_student_error_keeps_the_form(world_a) -> None:  # type: ignore[no-untyped-def]
    sa = client_for(world_a.users["school_admin"])
    school = world_a.schools[0]
    before = Student.objects.count()
    r = sa.post(
        f"/schools/{school.pk}/students/add/",
        {"first_name": "", "last_name": "", "grade": "7", "email": "not-an-email"},
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert "Student not saved" in body
    assert 'value="7"' in body
    assert Student.objects.count() == before


def test_issue_17_8_create_classroom_and_manage_its_roster(world_a) -> None:  # type: ignore[no-untyped-def]
    sa = client_for(world_a.users["school_admin"])
    school = world_a.schools[0]
    teacher = world_a.teachers[0]
    r = sa.post(
        f"/schools/{school.pk}/classrooms/add/",
        {"name": "Robotics", "term": world_a.term.pk, "teacher": teacher.pk},
    )
    classroom = Classroom.objects.get(name="Robotics")
    assert r["Location"] == f"/schools/{school.pk}/classrooms/{classroom.pk}/"
    assert classroom.primary_teacher_id == teacher.pk
    assert AuditEntry.objects.filter(
        action=actions.CLASSROOM_CREATED, target_id=classroom.pk
    ).exists()
    student = world_a.students[0]
    found = sa.get(f"/schools/{school.pk}/classrooms/{classroom.pk}/?q={student.first_name}")
    assert str(student) in found.content.decode()
    sa.post(f"/schools/{school.pk}/classrooms/{classroom.pk}/enroll/", {"student": student.pk})
    assert Enrollment.objects.filter(student=student, classroom=classroom).exists()
    sa.post(f"/schools/{school.pk}/classrooms/{classroom.pk}/unenroll/", {"student": student.pk})
    assert not Enrollment.objects.filter(student=student, classroom=classroom).exists()
    assert AuditEntry.objects.filter(
        action=actions.STUDENT_UNENROLLED, target_id=student.pk
    ).exists()


def test_issue_17_8_pages_are_scoped_to_the_admins_school(world_a, world_b) -> None:  # type: ignore[no-untyped-def]
    sa = client_for(world_a.users["school_admin"])  # admin of A School 1 only
    other_school = world_a.schools[1]
    other_student = world_a.students[-1]  # at A School 2
    other_class = world_a.classrooms[-1]
    own = world_a.schools[0]
    for url in (
        f"/schools/{other_school.pk}/students/add/",
        f"/schools/{other_school.pk}/classrooms/add/",
        f"/schools/{own.pk}/students/{other_student.pk}/",
        f"/schools/{own.pk}/classrooms/{other_class.pk}/",
        f"/schools/{world_b.schools[0].pk}/students/add/",
        f"/schools/{own.pk}/students/{world_b.students[0].pk}/",
    ):
        assert sa.get(url).status_code in (403, 404), url
    r = sa.post(
        f"/schools/{own.pk}/classrooms/{world_a.classrooms[0].pk}/enroll/",
        {"student": other_student.pk},
    )
    assert r.status_code == 404
    assert not Enrollment.objects.filter(
        student=other_student, classroom=world_a.classrooms[0]
    ).exists()
    teacher = client_for(world_a.users["teacher"])
    assert teacher.get(f"/schools/{own.pk}/students/add/").status_code == 403


def test_issue_17_8_student_page_lists_schools_and_seats_across_schools(world_a) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.roster import services as roster

    student = world_a.students[0]
    roster.enrollment_create(
        scope=sys_scope(world_a.district), student=student, classroom=world_a.classrooms[2]
    )
    da = client_for(world_a.users["district_admin"])
    body = da.get(f"/schools/{world_a.schools[0].pk}/students/{student.pk}/").content.decode()
    assert body.count('data-seat="') == 2  # R6: a seat at both schools, from the ledger
    sa = client_for(world_a.users["school_admin"])
    body = sa.get(f"/schools/{world_a.schools[0].pk}/students/{student.pk}/").content.decode()
    assert body.count('data-seat="') == 1  # the other school is out of a school admin's scope
    assert world_a.schools[1].name not in body
