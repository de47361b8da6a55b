"""Student writes: create, edit, delete, restore, un-enroll (R2, R5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from seatkeeper.audit import actions
from seatkeeper.audit.services import audit_record, snapshot
from seatkeeper.errors import Conflict, Forbidden, ProblemCollector, length_problems
from seatkeeper.orgs.models import District, Role, RosterSource, School
from seatkeeper.orgs.scoping import Scope, get_district_for, get_school_for, require_school_admin
from seatkeeper.orgs.services import teachers_may_create_students
from seatkeeper.roster.models import Classroom, Enrollment, Student
from seatkeeper.roster.scoping import (
    can_delete_student,
    can_enroll_in,
    get_classroom_for,
    get_student_for,
)
from seatkeeper.roster.services._common import SeatEffect, delete_enrollments, effect_of
from seatkeeper.seats.ledger import seat_change

STUDENT_FIELDS = [
    "first_name",
    "middle_name",
    "last_name",
    "preferred_first_name",
    "date_of_birth",
    "grade",
    "student_number",
    "username",
    "email",
    "school_id",
    "sourced_id",
]
EDITABLE = {f for f in STUDENT_FIELDS if f not in ("school_id", "sourced_id")} | {"school"}


def _validate(values: dict[str, Any]) -> None:
    problems = ProblemCollector()
    if (
        not str(values.get("first_name", "")).strip()
        and not str(values.get("last_name", "")).strip()
    ):
        problems.add("last_name", "a student needs a name")
    email = values.get("email") or ""
    if email and "@" not in email:
        problems.add("email", "is not an email address", value=email)
    dob = values.get("date_of_birth")
    if dob is not None and not isinstance(dob, dt.date):
        problems.add("date_of_birth", "must be a date (YYYY-MM-DD)", value=str(dob))
    elif dob is not None and dob > timezone.localdate():
        problems.add("date_of_birth", "is in the future", value=dob.isoformat())
    for p in length_problems(Student, values):  # issue 17.1: the columns' limits, one rule
        problems.add(p.field, p.message)
    problems.raise_if_any("Student not saved")


@transaction.atomic
def student_create(
    *,
    scope: Scope,
    district: District,
    first_name: str,
    last_name: str,
    school: School | None = None,
    classroom: Classroom | None = None,
    roster_source: str = RosterSource.MANUAL,
    **fields: Any,
) -> Student:
    """Create a student account, optionally enrolled in one classroom.

    Teachers may create students only where the district (tightened per school) allows, and only
    into their own classroom. Enrolling goes through hard enforcement.
    """
    district = get_district_for(scope, district.pk)
    if classroom is not None:
        classroom = get_classroom_for(scope, classroom.pk)
        school = school or classroom.school
    if school is not None:
        school = get_school_for(scope, school.pk)
    if scope.role == Role.TEACHER:
        if school is None or not teachers_may_create_students(school, district):
            raise Forbidden(
                f"Teachers may not create student accounts at {school.name if school else 'this school'}; "
                "ask a school admin to add the student."
            )
        if classroom is None or not can_enroll_in(scope, classroom):
            raise Forbidden("Teachers create students into one of their own classrooms.")
    else:
        require_school_admin(scope, school.pk if school else None, doing="create students")
    problems = ProblemCollector()
    for key in sorted(set(fields) - EDITABLE - {"sourced_id"}):  # sourced_id: set on create only
        problems.add(key, "is not a student field")
    problems.raise_if_any("Student not saved")
    values = {"first_name": first_name, "last_name": last_name, **fields}
    _validate(values)
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    try:
        with transaction.atomic():
            student = Student.objects.create(
                district=district,
                school=school,
                roster_source=roster_source,
                created_by=scope.user if scope.user is not None and scope.user.pk else None,
                **clean,
            )
    except IntegrityError:
        raise Conflict(
            f"A student with sourcedId {fields.get('sourced_id')!r} already exists."
        ) from None
    audit_record(
        scope=scope,
        action=actions.STUDENT_CREATED,
        target=student,
        data={"new": {**snapshot(student, STUDENT_FIELDS), "roster_source": roster_source}},
    )
    if classroom is not None:
        from seatkeeper.roster.services.enrollments import enrollment_create

        enrollment_create(
            scope=scope, student=student, classroom=classroom, roster_source=roster_source
        )
    return student


@transaction.atomic
def student_update(*, scope: Scope, student: Student, **changes: Any) -> Student:
    """Edit a student's names, date of birth, grade, number, username, email or home school."""
    student = get_student_for(scope, student.pk)
    require_school_admin(scope, student.school_id, doing="edit students")
    problems = ProblemCollector()
    for key in changes:
        if key not in EDITABLE:
            problems.add(key, "cannot be changed here")
    problems.raise_if_any("Student not saved")
    if changes.get("school") is not None:
        changes["school"] = get_school_for(scope, changes["school"].pk)
    old = snapshot(student, STUDENT_FIELDS)
    for key, value in changes.items():
        setattr(student, key, value.strip() if isinstance(value, str) else value)
    _validate(
        {f: getattr(student, f) for f in ("first_name", "last_name", "email", "date_of_birth")}
    )
    student.save()
    new = snapshot(student, STUDENT_FIELDS)
    if old != new:
        audit_record(
            scope=scope,
            action=actions.STUDENT_CHANGED,
            target=student,
            data={"old": old, "new": new},
        )
    return student


def _require_home_admin(scope: Scope, student: Student, doing: str) -> None:
    if scope.role in (Role.TEACHER, Role.INTEGRATION):
        raise Forbidden(f"Only admins may {doing} students.")
    if not can_delete_student(scope, student):
        home = student.school.name if student.school_id else "no home school"
        raise Forbidden(
            f"Only an admin of {student}'s home school ({home}) or a district admin may "
            f"{doing} this student; you may un-enroll them from your school's classrooms."
        )


@transaction.atomic
def student_delete(*, scope: Scope, student: Student) -> tuple[Student, SeatEffect]:
    """Soft-delete: the account counts for nothing (R5); enrollments are kept for restore.

    The delete applies district-wide, so only the home school's admins and district admins
    may (`roster.scoping.can_delete_student`)."""
    student = get_student_for(scope, student.pk)
    _require_home_admin(scope, student, "delete")
    if student.deleted_at is None:
        with seat_change(district_id=student.district_id) as change:
            student.deleted_at = timezone.now()
            student.save(update_fields=["deleted_at", "updated_at"])
        effect = effect_of(change, 1)
        audit_record(
            scope=scope,
            action=actions.STUDENT_DELETED,
            target=student,
            data={"seats_freed": effect.seats_freed},
        )
        return student, effect
    return student, SeatEffect(students=0)


@transaction.atomic
def student_restore(*, scope: Scope, student: Student) -> Student:
    """Undo a deletion: the student's enrollments count again (hard enforcement applies)."""
    student = get_student_for(scope, student.pk)
    _require_home_admin(scope, student, "restore")
    if student.deleted_at is not None:
        with seat_change(district_id=student.district_id):
            old = student.deleted_at.isoformat()
            student.deleted_at = None
            student.merged_into = None
            student.save(update_fields=["deleted_at", "merged_into", "updated_at"])
        audit_record(
            scope=scope,
            action=actions.STUDENT_RESTORED,
            target=student,
            data={"old": {"deleted_at": old}},
        )
    return student


@transaction.atomic
def student_unenroll(
    *, scope: Scope, student: Student, classroom: Classroom | None = None
) -> SeatEffect:
    """Un-enroll a student from one classroom, or from every classroom in the caller's scope.

    The account stays (R2) and can be re-enrolled; the audit entry keeps the rows for undo.
    """
    student = get_student_for(scope, student.pk)
    qs = Enrollment.objects.filter(district_id=student.district_id, student=student)
    if classroom is not None:
        classroom = get_classroom_for(scope, classroom.pk)
        if not can_enroll_in(scope, classroom):
            raise Forbidden("You may only un-enroll students from your own classrooms.")
        qs = qs.filter(classroom=classroom)
    elif scope.role == Role.TEACHER:
        raise Forbidden("Teachers un-enroll from one of their own classrooms.")
    elif scope.school_ids is not None:
        qs = qs.filter(classroom__school_id__in=scope.school_ids)
    with seat_change(district_id=student.district_id) as change:
        rows = delete_enrollments(qs)
    effect = effect_of(change, 1 if rows else 0)
    if rows:
        audit_record(
            scope=scope,
            action=actions.STUDENT_UNENROLLED,
            target=student,
            data={"old": {"enrollments": rows}, "seats_freed": effect.seats_freed},
        )
    return effect
