"""Detection, in-use, seats freed (R3), merge/undo exactness, not-duplicates, scoping, teachers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import serializers
from django.utils import timezone

from seatkeeper.audit import actions
from seatkeeper.audit.models import AuditEntry
from seatkeeper.dedup.models import Kind, Merge
from seatkeeper.dedup.selectors import student_duplicate_groups, teacher_duplicate_groups
from seatkeeper.dedup.services import (
    not_duplicates_mark,
    students_merge,
    students_merge_undo,
    teachers_merge,
    teachers_merge_undo,
)
from seatkeeper.errors import Conflict, Forbidden, NotFound
from seatkeeper.roster import services as roster
from seatkeeper.roster.models import (
    ActivityKind,
    Classroom,
    ClassroomTeacher,
    Enrollment,
    Student,
    StudentActivity,
    Teacher,
)
from seatkeeper.seats.models import TeacherAccess
from seatkeeper.seats.selectors import used_by_school
from tests.factories import DistrictWorld, sys_scope

DOB = dt.date(2014, 3, 5)


def add_student(
    w: DistrictWorld, first: str, last: str, classroom: Any = None, **kw: Any
) -> Student:
    return roster.student_create(
        scope=sys_scope(w.district),
        district=w.district,
        school=w.schools[0],
        first_name=first,
        last_name=last,
        classroom=classroom,
        **kw,
    )


def sign_in(s: Student, days_ago: float) -> None:
    at = timezone.now() - dt.timedelta(days=days_ago)
    StudentActivity.objects.create(
        district_id=s.district_id, student=s, kind=ActivityKind.SIGN_IN, at=at
    )
    Student.objects.filter(pk=s.pk).update(last_sign_in_at=at)


def kate_pair(w: DistrictWorld) -> tuple[Student, Student]:
    """Katherine (in use, two classrooms) and Kate (old second account, one classroom)."""
    c0, c1 = w.classrooms[0], w.classrooms[1]
    kath = add_student(
        w, "Katherine", "Okafor", c0, date_of_birth=DOB, grade="3", student_number="k-1"
    )
    roster.enrollment_create(scope=sys_scope(w.district), student=kath, classroom=c1)
    kate = add_student(w, "Kate", "Okafor", c0, date_of_birth=DOB, grade="3")
    sign_in(kath, 1)
    sign_in(kate, 80)
    return kath, kate


def dump(*qs: Any) -> str:
    return "".join(serializers.serialize("json", q.order_by("pk")) for q in qs)


def state(w: DistrictWorld) -> str:
    d = w.district
    return dump(
        Student.objects.filter(district=d),
        Enrollment.objects.filter(district=d),
        StudentActivity.objects.filter(district=d),
    )


def test_finds_nickname_group_with_keeper_and_evidence(world_a: DistrictWorld) -> None:
    kath, kate = kate_pair(world_a)
    groups = student_duplicate_groups(
        scope=world_a.scope("school_admin"), district=world_a.district
    )
    assert [g.student_ids for g in groups] == [(kath.pk, kate.pk)]
    g = groups[0]
    assert g.keeper_id == kath.pk
    assert "Katherine ~ Kate (nickname)" in g.evidence
    assert "same date of birth" in g.evidence
    by_id = {a.id: a.in_use for a in g.accounts}
    assert by_id[kath.pk]["enrollments"] == 2
    assert by_id[kath.pk]["seats"] == 1
    assert by_id[kate.pk]["activity"] == 1


def test_r3_seats_freed_exact(world_a: DistrictWorld) -> None:
    """Kate's classroom is one Katherine is in: merging frees Kate's seat (1)."""
    kath, kate = kate_pair(world_a)
    [g] = student_duplicate_groups(scope=sys_scope(world_a.district), district=world_a.district)
    assert g.seats_freed == 1
    school = world_a.schools[0].pk
    before = used_by_school(district_id=world_a.district.pk, product_id=world_a.product.pk)[school]
    result = students_merge(scope=sys_scope(world_a.district), keeper=kath, others=[kate])
    after = used_by_school(district_id=world_a.district.pk, product_id=world_a.product.pk)[school]
    assert result.seats_freed == 1
    assert before - after == 1


def test_r3_seats_freed_zero_when_other_school(world_a: DistrictWorld) -> None:
    """A duplicate seated only at the other school moves its seat to the keeper: frees 0."""
    c_other = world_a.classrooms[2]  # school 2
    a = add_student(world_a, "Maya", "Rossi", world_a.classrooms[0], date_of_birth=DOB, grade="3")
    b = add_student(world_a, "Maya", "Rossi", c_other, date_of_birth=DOB, grade="3")
    [g] = student_duplicate_groups(scope=sys_scope(world_a.district), district=world_a.district)
    assert set(g.student_ids) == {a.pk, b.pk}
    assert g.seats_freed == 0


def test_merge_moves_enrollments_and_activity_then_undo_restores_exactly(
    world_a: DistrictWorld,
) -> None:
    kath, kate = kate_pair(world_a)
    kate_room = world_a.classrooms[2]
    roster.enrollment_create(scope=sys_scope(world_a.district), student=kate, classroom=kate_room)
    before = state(world_a)
    scope = world_a.scope("district_admin")
    result = students_merge(scope=scope, keeper=kath, others=[kate])
    kate.refresh_from_db()
    assert kate.deleted_at is not None
    assert kate.merged_into_id == kath.pk
    assert set(Enrollment.objects.filter(student=kath).values_list("classroom_id", flat=True)) == {
        world_a.classrooms[0].pk,
        world_a.classrooms[1].pk,
        kate_room.pk,
    }
    assert StudentActivity.objects.filter(student=kate).count() == 0
    assert StudentActivity.objects.filter(student=kath).count() == 2
    assert (
        AuditEntry.objects.filter(action=actions.DEDUP_STUDENTS_MERGED, target_id=kath.pk).count()
        == 1
    )
    students_merge_undo(scope=scope, merge=result.merge)
    assert state(world_a) == before
    assert Merge.objects.get(pk=result.merge.pk).undone_at is not None
    with pytest.raises(Conflict):
        students_merge_undo(scope=scope, merge=result.merge)


def test_merge_refused_changes_nothing(world_a: DistrictWorld) -> None:
    kath, kate = kate_pair(world_a)
    before = state(world_a)
    with pytest.raises(Forbidden):
        students_merge(scope=world_a.scope("teacher"), keeper=kath, others=[kate])
    roster.student_delete(scope=sys_scope(world_a.district), student=kate)
    before = state(world_a)
    with pytest.raises(Conflict):
        students_merge(scope=sys_scope(world_a.district), keeper=kath, others=[kate])
    assert state(world_a) == before
    assert Merge.objects.count() == 0


def test_other_district_is_not_found(world_a: DistrictWorld, world_b: DistrictWorld) -> None:
    kath, kate = kate_pair(world_a)
    before = state(world_a)
    with pytest.raises(NotFound):
        students_merge(scope=world_b.scope("district_admin"), keeper=kath, others=[kate])
    with pytest.raises(NotFound):
        not_duplicates_mark(
            scope=world_b.scope("district_admin"), kind=Kind.STUDENT, ids=[kath.pk, kate.pk]
        )
    assert state(world_a) == before
    assert (
        student_duplicate_groups(scope=world_b.scope("district_admin"), district=world_b.district)
        == []
    )


def test_other_school_is_not_found(world_a: DistrictWorld) -> None:
    """The school admin of school 1 cannot merge accounts living only at school 2."""
    a = roster.student_create(
        scope=sys_scope(world_a.district),
        district=world_a.district,
        school=world_a.schools[1],
        first_name="Ivy",
        last_name="Sato",
        classroom=world_a.classrooms[2],
        date_of_birth=DOB,
    )
    b = roster.student_create(
        scope=sys_scope(world_a.district),
        district=world_a.district,
        school=world_a.schools[1],
        first_name="Ivy",
        last_name="Sato",
        classroom=world_a.classrooms[3],
        date_of_birth=DOB,
    )
    sa = world_a.scope("school_admin")
    assert student_duplicate_groups(scope=sa, district=world_a.district) == []
    with pytest.raises(NotFound):
        students_merge(scope=sa, keeper=a, others=[b])
    with pytest.raises(NotFound):
        student_duplicate_groups(
            scope=sa, district=world_a.district, school_ids=[world_a.schools[1].pk]
        )
    da_groups = student_duplicate_groups(
        scope=world_a.scope("district_admin"), district=world_a.district
    )
    assert [g.student_ids for g in da_groups] == [(a.pk, b.pk)]


def test_twins_marked_not_duplicates_are_never_suggested_again(world_a: DistrictWorld) -> None:
    a = add_student(world_a, "Ella", "Kim", world_a.classrooms[0], date_of_birth=DOB, grade="3")
    b = add_student(world_a, "Ella", "Kim", world_a.classrooms[1], date_of_birth=DOB, grade="3")
    scope = world_a.scope("school_admin")
    assert len(student_duplicate_groups(scope=scope, district=world_a.district)) == 1
    assert not_duplicates_mark(scope=scope, kind=Kind.STUDENT, ids=[b.pk, a.pk]) == 1
    assert not_duplicates_mark(scope=scope, kind=Kind.STUDENT, ids=[a.pk, b.pk]) == 0
    assert student_duplicate_groups(scope=scope, district=world_a.district) == []
    low = student_duplicate_groups(scope=scope, district=world_a.district, min_score=0.0)
    assert all(not {a.pk, b.pk} <= set(g.student_ids) for g in low)
    # A third account of Ella is still found, but never grouped with both twins.
    c = add_student(world_a, "Ella", "Kim", date_of_birth=DOB, grade="3")
    for g in student_duplicate_groups(scope=scope, district=world_a.district):
        assert not {a.pk, b.pk} <= set(g.student_ids)
        assert c.pk in g.student_ids


def test_delete_unused_account_via_roster_service(world_a: DistrictWorld) -> None:
    kath, kate = kate_pair(world_a)
    roster.student_delete(scope=world_a.scope("school_admin"), student=kate)
    assert (
        student_duplicate_groups(scope=world_a.scope("school_admin"), district=world_a.district)
        == []
    )


def test_teachers_merge_moves_classrooms_and_access_then_undo(world_a: DistrictWorld) -> None:
    scope = sys_scope(world_a.district)
    school = world_a.schools[0]
    keeper = roster.teacher_create(
        scope=scope,
        district=world_a.district,
        school=school,
        first_name="Jennifer",
        last_name="Walsh",
        email="jennifer.walsh@a.example.org",
        access_on=False,
    )
    personal = roster.teacher_create(
        scope=scope,
        district=world_a.district,
        school=school,
        first_name="Jenny",
        last_name="Walsh",
        email="jennifer.walsh@gmail.example.com",
    )
    room = roster.classroom_create(
        scope=scope, school=school, name="Art", term=world_a.term, primary_teacher=personal
    )
    ClassroomTeacher.objects.create(
        district=world_a.district, classroom=world_a.classrooms[0], teacher=personal
    )
    [g] = teacher_duplicate_groups(scope=world_a.scope("school_admin"), district=world_a.district)
    assert set(g.teacher_ids) == {keeper.pk, personal.pk}
    assert g.keeper_id == personal.pk  # the one with a classroom and access
    assert "same email local part" in g.evidence
    d = world_a.district
    before = dump(
        Teacher.objects.filter(district=d),
        Classroom.objects.filter(district=d),
        ClassroomTeacher.objects.filter(district=d),
        TeacherAccess.objects.filter(district=d),
    )
    result = teachers_merge(scope=world_a.scope("school_admin"), keeper=keeper, others=[personal])
    room.refresh_from_db()
    assert room.primary_teacher_id == keeper.pk
    assert ClassroomTeacher.objects.filter(teacher=keeper, classroom=world_a.classrooms[0]).exists()
    assert TeacherAccess.objects.get(teacher=keeper, product=world_a.product).on is True
    personal.refresh_from_db()
    assert personal.deleted_at is not None
    assert personal.merged_into_id == keeper.pk
    teachers_merge_undo(scope=world_a.scope("school_admin"), merge=result.merge)
    after = dump(
        Teacher.objects.filter(district=d),
        Classroom.objects.filter(district=d),
        ClassroomTeacher.objects.filter(district=d),
        TeacherAccess.objects.filter(district=d),
    )
    assert after == before


def test_undo_refused_in_hard_mode_when_the_freed_seat_was_reused(world_a: DistrictWorld) -> None:
    """A merge frees a seat; someone takes it; undoing would overfill a hard school: refused."""
    from seatkeeper.seats import services as lic
    from seatkeeper.seats.errors import CapacityExceeded

    kath, kate = kate_pair(world_a)
    scope = sys_scope(world_a.district)
    school = world_a.schools[0]
    result = students_merge(scope=scope, keeper=kath, others=[kate])
    used = used_by_school(district_id=world_a.district.pk, product_id=world_a.product.pk)[school.pk]
    lic.allocation_set(scope=scope, school=school, product=world_a.product, seats=used)
    lic.enforcement_set(
        scope=scope, district=world_a.district, product=world_a.product, mode="hard"
    )
    before = state(world_a)
    with pytest.raises(CapacityExceeded):
        students_merge_undo(scope=scope, merge=result.merge)
    assert state(world_a) == before
    assert Merge.objects.get(pk=result.merge.pk).undone_at is None


def test_teacher_name_variant_with_personal_email_is_found(world_a: DistrictWorld) -> None:
    scope = sys_scope(world_a.district)
    school = world_a.schools[0]
    a = roster.teacher_create(
        scope=scope,
        district=world_a.district,
        school=school,
        first_name="Robert",
        last_name="Miller",
        email="rmiller@a.example.org",
    )
    b = roster.teacher_create(
        scope=scope,
        district=world_a.district,
        school=school,
        first_name="Bobby",
        last_name="Miller",
        email="bobby.miller77@gmail.example.com",
    )
    c = roster.teacher_create(
        scope=scope,
        district=world_a.district,
        school=school,
        first_name="Susan",
        last_name="Miller",
    )
    [g] = teacher_duplicate_groups(scope=world_a.scope("school_admin"), district=world_a.district)
    assert g.teacher_ids == (a.pk, b.pk)
    assert "Robert ~ Bobby (nickname)" in g.evidence
    assert c.pk not in g.teacher_ids
