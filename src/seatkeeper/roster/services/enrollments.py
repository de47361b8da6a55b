"""Enrollments: the writes that take or free seats (R1, R2), under hard enforcement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction

from seatkeeper.audit import actions
from seatkeeper.audit.services import audit_record
from seatkeeper.errors import Conflict, Forbidden, NotFound, invalid
from seatkeeper.orgs.models import RosterSource
from seatkeeper.orgs.scoping import Scope
from seatkeeper.roster.models import Classroom, Enrollment, Student
from seatkeeper.roster.scoping import (
    can_enroll_in,
    classrooms_visible,
    get_classroom_for,
    get_student_for,
)
from seatkeeper.roster.services._common import enrollment_rows
from seatkeeper.seats.ledger import seat_change


@transaction.atomic
def enrollment_create(
    *,
    scope: Scope,
    student: Student,
    classroom: Classroom,
    roster_source: str = RosterSource.MANUAL,
    sourced_id: str = "",
) -> Enrollment:
    """Enroll a student in a classroom. Refused in hard mode when the school has no seat left."""
    classroom = get_classroom_for(scope, classroom.pk)
    student = get_student_for(scope, student.pk) if scope.school_ids is not None else student
    if student.district_id != classroom.district_id:
        raise NotFound(f"No student {student.pk}.")
    if not can_enroll_in(scope, classroom):
        raise Forbidden("You may only enroll students in your own classrooms.")
    if student.deleted_at is not None:
        raise invalid("student", "is deleted; restore the account first", student.pk)
    if not classroom.is_active:
        raise invalid("classroom", "is archived or deleted; restore it first", classroom.pk)
    existing = Enrollment.objects.filter(classroom=classroom, student=student).first()
    if existing is not None:
        raise Conflict(f"{student} is already enrolled in {classroom}.", enrollment=existing.pk)
    with seat_change(district_id=classroom.district_id):
        enrollment = Enrollment.objects.create(
            district_id=classroom.district_id,
            student=student,
            classroom=classroom,
            roster_source=roster_source,
            sourced_id=sourced_id,
        )
    audit_record(
        scope=scope,
        action=actions.ENROLLMENT_CREATED,
        target=enrollment,
        label=f"{student} → {classroom}",
        data={"new": {"student": student.pk, "classroom": classroom.pk}},
    )
    return enrollment


def get_enrollment_for(scope: Scope, pk: Any) -> Enrollment:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(f"No enrollment {pk!r}.") from None
    visible = Classroom.objects.filter(classrooms_visible(scope)).values("id")
    e = (
        Enrollment.objects.filter(
            district_id=scope.require_district(), pk=pk, classroom_id__in=visible
        )
        .select_related("student", "classroom")
        .first()
    )
    if e is None:
        raise NotFound(f"No enrollment {pk}.")
    return e


@transaction.atomic
def enrollment_delete(*, scope: Scope, enrollment: Enrollment) -> None:
    """Un-enroll (the student account stays, R2). Always allowed: it lowers usage."""
    enrollment = get_enrollment_for(scope, enrollment.pk)
    if not can_enroll_in(scope, enrollment.classroom):
        raise Forbidden("You may only un-enroll students from your own classrooms.")
    rows = enrollment_rows(Enrollment.objects.filter(pk=enrollment.pk))
    label = f"{enrollment.student} ✕ {enrollment.classroom}"
    with seat_change(district_id=enrollment.district_id):
        enrollment.delete()
    audit_record(
        scope=scope,
        action=actions.ENROLLMENT_DELETED,
        target_type="enrollment",
        target_id=rows[0]["id"],
        label=label,
        data={"old": {"enrollments": rows}},
    )


@transaction.atomic
def enrollments_restore(*, scope: Scope, rows: Sequence[dict[str, Any]]) -> int:
    """Put un-enrolled rows back exactly (same ids), e.g. to undo an un-enroll or a fix plan.

    Hard enforcement applies; rows whose student or classroom is gone are refused.
    """
    district_id = scope.require_district()
    ids = [r["classroom_id"] for r in rows]
    classrooms = {
        c.pk: c for c in Classroom.objects.filter(classrooms_visible(scope), pk__in=ids).distinct()
    }
    students = set(
        Student.objects.filter(
            district_id=district_id, pk__in=[r["student_id"] for r in rows]
        ).values_list("id", flat=True)
    )
    for r in rows:
        if r["classroom_id"] not in classrooms or r["student_id"] not in students:
            raise NotFound(
                "An enrollment to restore refers to a classroom or student that is gone."
            )
    existing = set(
        Enrollment.objects.filter(district_id=district_id, classroom_id__in=ids).values_list(
            "classroom_id", "student_id"
        )
    )
    todo = [r for r in rows if (r["classroom_id"], r["student_id"]) not in existing]
    with seat_change(district_id=district_id):
        Enrollment.objects.bulk_create(
            [
                Enrollment(
                    id=r["id"],
                    district_id=district_id,
                    student_id=r["student_id"],
                    classroom_id=r["classroom_id"],
                    sourced_id=r.get("sourced_id", ""),
                    roster_source=r.get("roster_source", RosterSource.MANUAL),
                )
                for r in todo
            ]
        )
        if todo:
            created = {
                r["id"]: dt.datetime.fromisoformat(r["created_at"])
                for r in todo
                if r.get("created_at")
            }
            for pk, at in created.items():
                Enrollment.objects.filter(pk=pk).update(created_at=at)
    for r in todo:
        audit_record(
            scope=scope,
            action=actions.ENROLLMENT_CREATED,
            target_type="enrollment",
            target_id=r["id"],
            label=f"restored enrollment of student {r['student_id']} in classroom {r['classroom_id']}",
            data={
                "new": {"student": r["student_id"], "classroom": r["classroom_id"]},
                "restored": True,
            },
        )
    return len(todo)


def classrooms_of(scope: Scope, ids: Iterable[int]) -> list[Classroom]:
    return [get_classroom_for(scope, i) for i in ids]
