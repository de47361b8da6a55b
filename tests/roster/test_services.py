"""Roster writes: classrooms, students, enrollments, activity, teachers.

World A, school 1: Class 00 (teacher 0) holds students 0-2, Class 01 (teacher 1) students 3-5;
6 seats used. Each write: exact outcome and SeatEffect, one audit entry with actor and
before/after, and a refused call changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from seatkeeper.audit import actions
from seatkeeper.errors import Conflict, Forbidden, InvalidInput
from seatkeeper.orgs import services as orgs
from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Classroom, Enrollment, Student, StudentActivity
from seatkeeper.seats.models import TeacherAccess
from seatkeeper.seats.selectors import used_by_school
from tests.audit.dbstate import audit_since, db_state, last_audit_id
from tests.factories import DistrictWorld


def one_audit(since: int, action: str, user: Any) -> Any:
    entries = audit_since(since)
    assert [e.action for e in entries] == [action]
    assert entries[0].actor == user
    return entries[0]


def used0(w: DistrictWorld) -> int:
    return used_by_school(district_id=w.district.pk, product_id=w.product.pk).get(
        w.schools[0].pk, 0
    )


@pytest.fixture
def w(world_a: DistrictWorld) -> DistrictWorld:
    """World A with student 0 also in Class 01, so Class 00 alone holds 2 seats."""
    roster.enrollment_create(
        scope=world_a.scope("school_admin"),
        student=world_a.students[0],
        classroom=world_a.classrooms[1],
    )
    return world_a


# --- classrooms ------------------------------------------------------------------------------------


def test_classroom_create_with_co_teachers_is_audited(w: DistrictWorld) -> None:
    since = last_audit_id()
    room = roster.classroom_create(
        scope=w.scope("school_admin"),
        school=w.schools[0],
        name="  Algebra  ",
        term=w.term,
        primary_teacher=w.teachers[0],
        co_teachers=[w.teachers[1]],
    )
    assert room.name == "Algebra"
    assert list(room.co_teachers.all()) == [w.teachers[1]]
    entry = one_audit(since, actions.CLASSROOM_CREATED, w.users["school_admin"])
    assert entry.data["new"]["primary_teacher_id"] == w.teachers[0].pk
    assert entry.data["new"]["co_teachers"] == [w.teachers[1].pk]
    assert used0(w) == 6  # an empty classroom uses no seat


def test_classroom_create_refuses_links_to_another_district(
    w: DistrictWorld, world_b: DistrictWorld
) -> None:
    before = db_state()
    with pytest.raises(InvalidInput) as exc:
        roster.classroom_create(
            scope=w.scope("school_admin"),
            school=w.schools[0],
            name="Leaky",
            term=world_b.term,
            primary_teacher=world_b.teachers[0],
        )
    assert {p.field for p in exc.value.problems} == {"term", "teacher"}
    assert db_state() == before


def test_classroom_create_refuses_a_blank_name_and_teachers(w: DistrictWorld) -> None:
    before = db_state()
    with pytest.raises(InvalidInput):
        roster.classroom_create(scope=w.scope("school_admin"), school=w.schools[0], name="  ")
    with pytest.raises(Forbidden):
        roster.classroom_create(scope=w.scope("teacher"), school=w.schools[0], name="Mine")
    assert db_state() == before


def test_classroom_archive_frees_exactly_the_students_in_no_other_licensed_classroom(
    w: DistrictWorld,
) -> None:
    since = last_audit_id()
    room, effect = roster.classroom_archive(
        scope=w.scope("school_admin"), classroom=w.classrooms[0]
    )
    assert room.status == "archived"
    assert room.archived_at is not None
    assert (effect.students, effect.seats_freed, effect.total_freed) == (3, {"core": 2}, 2)
    assert used0(w) == 4
    entry = one_audit(since, actions.CLASSROOM_ARCHIVED, w.users["school_admin"])
    assert entry.data["old"] == {"status": "active", "archived_at": None, "deleted_at": None}
    assert entry.data["new"]["status"] == "archived"
    assert entry.data["seats_freed"] == {"core": 2}
    assert Enrollment.objects.filter(classroom=w.classrooms[0]).count() == 3  # kept (R5)


def test_classroom_delete_then_restore(w: DistrictWorld) -> None:
    sa = w.scope("school_admin")
    since = last_audit_id()
    room, effect = roster.classroom_delete(scope=sa, classroom=w.classrooms[1])
    assert room.deleted_at is not None
    assert effect.seats_freed == {"core": 3}  # student 0 keeps a seat through Class 00
    entry = one_audit(since, actions.CLASSROOM_DELETED, w.users["school_admin"])
    assert entry.data["old"]["deleted_at"] is None
    assert used0(w) == 3
    since = last_audit_id()
    room, effect = roster.classroom_restore(scope=sa, classroom=w.classrooms[1])
    assert (room.deleted_at, room.status) == (None, "active")
    assert effect.seats_freed == {"core": -3}
    one_audit(since, actions.CLASSROOM_RESTORED, w.users["school_admin"])
    assert used0(w) == 6


def test_classroom_archive_twice_writes_one_audit_entry(w: DistrictWorld) -> None:
    sa = w.scope("school_admin")
    roster.classroom_archive(scope=sa, classroom=w.classrooms[0])
    since = last_audit_id()
    _, effect = roster.classroom_archive(scope=sa, classroom=w.classrooms[0])
    assert effect.total_freed == 0
    assert audit_since(since) == []


def test_classroom_unenroll_all_keeps_accounts_and_undo_restores_rows_exactly(
    w: DistrictWorld,
) -> None:
    sa = w.scope("school_admin")
    rows_before = list(Enrollment.objects.filter(classroom=w.classrooms[0]).order_by("id").values())
    since = last_audit_id()
    effect = roster.classroom_unenroll_all(scope=sa, classroom=w.classrooms[0])
    assert (effect.students, effect.seats_freed) == (3, {"core": 2})
    assert Enrollment.objects.filter(classroom=w.classrooms[0]).count() == 0
    assert Student.objects.filter(pk__in=[s.pk for s in w.students[:3]]).count() == 3  # R2
    entry = one_audit(since, actions.CLASSROOM_UNENROLLED_ALL, w.users["school_admin"])
    saved = entry.data["old"]["enrollments"]
    assert [r["id"] for r in saved] == [r["id"] for r in rows_before]

    assert roster.enrollments_restore(scope=sa, rows=saved) == 3
    assert (
        list(Enrollment.objects.filter(classroom=w.classrooms[0]).order_by("id").values())
        == rows_before
    )
    assert used0(w) == 6


# --- students --------------------------------------------------------------------------------------


def test_student_create_records_who_and_where(w: DistrictWorld) -> None:
    since = last_audit_id()
    s = roster.student_create(
        scope=w.scope("school_admin"),
        district=w.district,
        school=w.schools[0],
        first_name=" Zoë ",
        last_name="Núñez",
        date_of_birth=dt.date(2014, 5, 1),
        grade="5",
        email="zoe@example.org",
    )
    assert (s.first_name, s.last_name, s.created_by, s.roster_source) == (
        "Zoë",
        "Núñez",
        w.users["school_admin"],
        "manual",
    )
    entry = one_audit(since, actions.STUDENT_CREATED, w.users["school_admin"])
    assert entry.data["new"]["date_of_birth"] == "2014-05-01"
    assert entry.data["new"]["school_id"] == w.schools[0].pk
    assert used0(w) == 6  # not enrolled: no seat (R2)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"first_name": "", "last_name": " "}, "last_name"),
        ({"first_name": "A", "last_name": "B", "email": "nope"}, "email"),
        (
            {"first_name": "A", "last_name": "B", "date_of_birth": dt.date(2999, 1, 1)},
            "date_of_birth",
        ),
        ({"first_name": "A", "last_name": "B", "shoe_size": 9}, "shoe_size"),
    ],
)
def test_student_create_refuses_bad_input(w: DistrictWorld, fields: dict, field: str) -> None:
    before = db_state()
    with pytest.raises(InvalidInput) as exc:
        roster.student_create(
            scope=w.scope("school_admin"), district=w.district, school=w.schools[0], **fields
        )
    assert exc.value.problems[0].field == field
    assert db_state() == before


def test_student_update_records_old_and_new(w: DistrictWorld) -> None:
    s = w.students[0]
    since = last_audit_id()
    roster.student_update(scope=w.scope("school_admin"), student=s, grade="6", last_name="Smyth")
    s.refresh_from_db()
    assert (s.grade, s.last_name) == ("6", "Smyth")
    entry = one_audit(since, actions.STUDENT_CHANGED, w.users["school_admin"])
    assert (entry.data["old"]["last_name"], entry.data["new"]["last_name"]) == ("A", "Smyth")
    assert (entry.data["old"]["grade"], entry.data["new"]["grade"]) == ("", "6")


@pytest.mark.parametrize("changes", [{"sourced_id": "x"}, {"email": "bad"}, {"last_name": ""}])
def test_student_update_refuses_bad_changes(w: DistrictWorld, changes: dict) -> None:
    s = w.students[1]
    s.first_name = ""
    s.save()
    before = db_state()
    with pytest.raises(InvalidInput):
        roster.student_update(scope=w.scope("school_admin"), student=s, **changes)
    assert db_state() == before


def test_student_delete_and_restore(w: DistrictWorld) -> None:
    sa = w.scope("school_admin")
    since = last_audit_id()
    s, effect = roster.student_delete(scope=sa, student=w.students[0])
    assert s.deleted_at is not None
    assert (effect.students, effect.seats_freed) == (1, {"core": 1})
    entry = one_audit(since, actions.STUDENT_DELETED, w.users["school_admin"])
    assert entry.data["seats_freed"] == {"core": 1}
    assert Enrollment.objects.filter(student=w.students[0]).count() == 2  # kept for restore
    since = last_audit_id()
    roster.student_restore(scope=sa, student=w.students[0])
    entry = one_audit(since, actions.STUDENT_RESTORED, w.users["school_admin"])
    assert entry.data["old"]["deleted_at"] is not None
    assert used0(w) == 6


def test_teachers_may_not_delete_students(w: DistrictWorld) -> None:
    before = db_state()
    with pytest.raises(Forbidden):
        roster.student_delete(scope=w.scope("teacher"), student=w.students[1])
    assert db_state() == before


def test_student_unenroll_from_one_classroom(w: DistrictWorld) -> None:
    since = last_audit_id()
    effect = roster.student_unenroll(
        scope=w.scope("school_admin"), student=w.students[0], classroom=w.classrooms[1]
    )
    assert (effect.students, effect.seats_freed) == (1, {"core": 0})  # still in Class 00
    entry = one_audit(since, actions.STUDENT_UNENROLLED, w.users["school_admin"])
    assert [r["classroom_id"] for r in entry.data["old"]["enrollments"]] == [w.classrooms[1].pk]


def test_student_unenroll_from_everything(w: DistrictWorld) -> None:
    effect = roster.student_unenroll(scope=w.scope("school_admin"), student=w.students[0])
    assert (effect.students, effect.seats_freed) == (1, {"core": 1})
    assert Enrollment.objects.filter(student=w.students[0]).count() == 0
    assert Student.objects.get(pk=w.students[0].pk).deleted_at is None  # R2


def test_teacher_unenrolls_from_own_classroom_only(w: DistrictWorld) -> None:
    t = w.scope("teacher")
    before = db_state()
    with pytest.raises(Forbidden):
        roster.student_unenroll(scope=t, student=w.students[0])  # "everything": admins only
    assert db_state() == before
    effect = roster.student_unenroll(scope=t, student=w.students[1], classroom=w.classrooms[0])
    assert effect.seats_freed == {"core": 1}


# --- enrollments -----------------------------------------------------------------------------------


def test_enrollment_create_and_delete_are_audited(w: DistrictWorld) -> None:
    s = w.students[3]
    since = last_audit_id()
    e = roster.enrollment_create(scope=w.scope("teacher"), student=s, classroom=w.classrooms[0])
    entry = one_audit(since, actions.ENROLLMENT_CREATED, w.users["teacher"])
    assert entry.data["new"] == {"student": s.pk, "classroom": w.classrooms[0].pk}
    since = last_audit_id()
    roster.enrollment_delete(scope=w.scope("teacher"), enrollment=e)
    entry = one_audit(since, actions.ENROLLMENT_DELETED, w.users["teacher"])
    assert entry.data["old"]["enrollments"][0]["id"] == e.pk
    assert not Enrollment.objects.filter(pk=e.pk).exists()
    assert (
        roster.enrollments_restore(
            scope=w.scope("school_admin"), rows=entry.data["old"]["enrollments"]
        )
        == 1
    )
    assert Enrollment.objects.filter(pk=e.pk, student=s).exists()


def test_enrollment_create_refuses_duplicates_deleted_students_and_archived_classrooms(
    w: DistrictWorld,
) -> None:
    sa = w.scope("school_admin")
    gone = roster.student_create(
        scope=sa, district=w.district, school=w.schools[0], first_name="G", last_name="One"
    )
    roster.student_delete(scope=sa, student=gone)
    roster.classroom_archive(scope=sa, classroom=w.classrooms[1])
    before = db_state()
    with pytest.raises(Conflict):
        roster.enrollment_create(scope=sa, student=w.students[1], classroom=w.classrooms[0])
    with pytest.raises(InvalidInput):
        roster.enrollment_create(
            scope=sa, student=Student.objects.get(pk=gone.pk), classroom=w.classrooms[0]
        )
    with pytest.raises(InvalidInput):
        roster.enrollment_create(
            scope=sa, student=w.students[1], classroom=Classroom.objects.get(pk=w.classrooms[1].pk)
        )
    assert db_state() == before


def test_enrollments_restore_skips_rows_already_back(w: DistrictWorld) -> None:
    sa = w.scope("school_admin")
    effect = roster.student_unenroll(scope=sa, student=w.students[2])
    rows = audit_since(0)[-1].data["old"]["enrollments"]
    assert effect.seats_freed == {"core": 1}
    assert roster.enrollments_restore(scope=sa, rows=rows) == 1
    since = last_audit_id()
    assert roster.enrollments_restore(scope=sa, rows=rows) == 0
    assert audit_since(since) == []


# --- activity ----------------------------------------------------------------------------------------


def test_activity_record_updates_last_sign_in(w: DistrictWorld) -> None:
    at = timezone.now() - dt.timedelta(days=3)
    later = at + dt.timedelta(days=1)
    s = w.students[0]
    s.sourced_id = "stu-0"
    s.save()
    since = last_audit_id()
    n = roster.activity_record(
        scope=w.scope("integration"),
        district=w.district,
        items=[
            roster.ActivityItem(student=s.pk, kind="sign_in", at=at),
            roster.ActivityItem(student="stu-0", kind="work", at=later),
        ],
        source="platform",
    )
    assert n == 2
    s.refresh_from_db()
    assert (s.last_sign_in_at, s.last_activity_at) == (at, later)
    entry = one_audit(since, actions.ACTIVITY_RECORDED, w.users["integration"])
    assert entry.data["new"] == {"events": 2, "students": 1}


def test_activity_record_writes_nothing_if_any_item_is_bad(
    w: DistrictWorld, world_b: DistrictWorld
) -> None:
    now = timezone.now()
    before = db_state()
    with pytest.raises(InvalidInput) as exc:
        roster.activity_record(
            scope=w.scope("integration"),
            district=w.district,
            items=[
                roster.ActivityItem(student=w.students[0].pk, kind="sign_in", at=now),
                roster.ActivityItem(student=world_b.students[0].pk, kind="sign_in", at=now),
                roster.ActivityItem(student=w.students[0].pk, kind="nap", at=now),
                roster.ActivityItem(
                    student=w.students[0].pk, kind="work", at=dt.datetime(2026, 1, 1)
                ),
            ],
        )
    assert [p.field for p in exc.value.problems] == [
        "items[1].student",
        "items[2].kind",
        "items[3].at",
    ]
    assert db_state() == before
    assert StudentActivity.objects.count() == 0


def test_teachers_may_not_report_activity(w: DistrictWorld) -> None:
    before = db_state()
    with pytest.raises(Forbidden):
        roster.activity_record(scope=w.scope("teacher"), district=w.district, items=[])
    assert db_state() == before


# --- teachers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", [True, False])
def test_teacher_create_access_follows_the_district_setting(
    w: DistrictWorld, setting: bool
) -> None:
    orgs.district_settings_update(
        scope=w.scope("district_admin"), district=w.district, new_teacher_access=setting
    )
    w.district.refresh_from_db()
    since = last_audit_id()
    t = roster.teacher_create(
        scope=w.scope("school_admin"),
        district=w.district,
        school=w.schools[0],
        first_name="New",
        last_name="Hire",
        email="new@a.example.org",
    )
    assert list(TeacherAccess.objects.filter(teacher=t).values_list("product__code", "on")) == [
        ("core", setting)
    ]
    entry = one_audit(since, actions.TEACHER_CREATED, w.users["school_admin"])
    assert entry.data["new"]["access_on"] is setting


def test_teacher_create_refuses_bad_input(w: DistrictWorld) -> None:
    before = db_state()
    with pytest.raises(InvalidInput) as exc:
        roster.teacher_create(
            scope=w.scope("school_admin"),
            district=w.district,
            school=w.schools[0],
            first_name="",
            last_name="",
            email="x",
        )
    assert {p.field for p in exc.value.problems} == {"last_name", "email"}
    with pytest.raises(Forbidden):
        roster.teacher_create(
            scope=w.scope("teacher"), district=w.district, first_name="A", last_name="B"
        )
    assert db_state() == before
