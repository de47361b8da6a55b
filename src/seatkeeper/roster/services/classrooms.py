"""Terms and classrooms: create, edit, archive, delete, restore, un-enroll all (R5, R8)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from seatkeeper.audit import actions
from seatkeeper.audit.services import audit_record, snapshot
from seatkeeper.errors import Conflict, ProblemCollector, invalid
from seatkeeper.orgs.models import District, RosterSource, School
from seatkeeper.orgs.scoping import Scope, get_district_for, get_school_for, require_school_admin
from seatkeeper.roster.models import Classroom, ClassroomStatus, ClassroomTeacher, Teacher, Term
from seatkeeper.roster.scoping import get_classroom_for, get_term_for
from seatkeeper.roster.services._common import SeatEffect, delete_enrollments, effect_of
from seatkeeper.seats.ledger import seat_change

CLASSROOM_FIELDS = [
    "name",
    "course_code",
    "school_id",
    "term_id",
    "primary_teacher_id",
    "sourced_id",
]


@transaction.atomic
def term_create(
    *,
    scope: Scope,
    district: District,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    school: School | None = None,
    sourced_id: str = "",
    roster_source: str = RosterSource.MANUAL,
) -> Term:
    district = get_district_for(scope, district.pk)
    if school is not None:
        school = get_school_for(scope, school.pk)
    require_school_admin(scope, school.pk if school else None, doing="add terms")
    problems = ProblemCollector()
    if not name.strip():
        problems.add("name", "a term needs a name")
    if ends_on < starts_on:
        problems.add("ends_on", "must not be before starts_on", value=ends_on.isoformat())
    problems.raise_if_any("Term not saved")
    try:
        with transaction.atomic():
            term = Term.objects.create(
                district=district,
                school=school,
                name=name.strip(),
                starts_on=starts_on,
                ends_on=ends_on,
                sourced_id=sourced_id,
                roster_source=roster_source,
            )
    except IntegrityError:
        raise Conflict(f"A term with sourcedId {sourced_id!r} already exists.") from None
    audit_record(
        scope=scope,
        action=actions.TERM_CREATED,
        target=term,
        data={"new": snapshot(term, ["name", "starts_on", "ends_on", "school_id", "sourced_id"])},
    )
    return term


@transaction.atomic
def term_update(
    *,
    scope: Scope,
    term: Term,
    name: str | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> Term:
    term = get_term_for(scope, term.pk)
    require_school_admin(scope, term.school_id, doing="edit terms")
    fields = ["name", "starts_on", "ends_on"]
    old = snapshot(term, fields)
    term.name = (name or term.name).strip()
    term.starts_on = starts_on or term.starts_on
    term.ends_on = ends_on or term.ends_on
    if term.ends_on < term.starts_on:
        raise invalid("ends_on", "must not be before starts_on", term.ends_on.isoformat())
    term.save()
    new = snapshot(term, fields)
    if old != new:
        audit_record(
            scope=scope, action=actions.TERM_CHANGED, target=term, data={"old": old, "new": new}
        )
    return term


def _check_links(
    district_id: int, school: School, term: Term | None, teachers: Iterable[Teacher | None]
) -> None:
    """Refuse links across districts (tenancy is structural)."""
    problems = ProblemCollector()
    if school.district_id != district_id:
        problems.add("school", "not a school of this district", value=school.pk)
    if term is not None and term.district_id != district_id:
        problems.add("term", "not a term of this district", value=term.pk)
    for t in teachers:
        if t is not None and t.district_id != district_id:
            problems.add("teacher", "not a teacher of this district", value=t.pk)
    problems.raise_if_any("Classroom not saved")


@transaction.atomic
def classroom_create(
    *,
    scope: Scope,
    school: School,
    name: str,
    term: Term | None = None,
    primary_teacher: Teacher | None = None,
    co_teachers: Iterable[Teacher] = (),
    course_code: str = "",
    sourced_id: str = "",
    roster_source: str = RosterSource.MANUAL,
) -> Classroom:
    """Add a classroom to a school (school admins). An empty classroom uses no seat."""
    school = get_school_for(scope, school.pk)
    require_school_admin(scope, school.pk, doing="add classrooms")
    co_teachers = list(co_teachers)
    _check_links(school.district_id, school, term, [primary_teacher, *co_teachers])
    if not name.strip():
        raise invalid("name", "a classroom needs a name")
    try:
        with transaction.atomic():
            classroom = Classroom.objects.create(
                district_id=school.district_id,
                school=school,
                name=name.strip(),
                term=term,
                primary_teacher=primary_teacher,
                course_code=course_code,
                sourced_id=sourced_id,
                roster_source=roster_source,
                created_by=scope.user if scope.user is not None and scope.user.pk else None,
            )
    except IntegrityError:
        raise Conflict(f"A classroom with sourcedId {sourced_id!r} already exists.") from None
    ClassroomTeacher.objects.bulk_create(
        [
            ClassroomTeacher(district_id=school.district_id, classroom=classroom, teacher=t)
            for t in co_teachers
            if primary_teacher is None or t.pk != primary_teacher.pk
        ]
    )
    audit_record(
        scope=scope,
        action=actions.CLASSROOM_CREATED,
        target=classroom,
        data={
            "new": {
                **snapshot(classroom, CLASSROOM_FIELDS),
                "co_teachers": [t.pk for t in co_teachers],
            }
        },
    )
    return classroom


@transaction.atomic
def classroom_update(
    *,
    scope: Scope,
    classroom: Classroom,
    name: str | None = None,
    term: Term | None | str = "unchanged",
    primary_teacher: Teacher | None | str = "unchanged",
    co_teachers: Iterable[Teacher] | None = None,
    course_code: str | None = None,
) -> Classroom:
    """Edit a classroom. A new primary teacher can license it: hard enforcement applies (R8)."""
    classroom = get_classroom_for(scope, classroom.pk)
    require_school_admin(scope, classroom.school_id, doing="edit classrooms")
    old = {**snapshot(classroom, CLASSROOM_FIELDS), "co_teachers": _co_ids(classroom)}
    new_term = classroom.term if term == "unchanged" else term
    new_primary = classroom.primary_teacher if primary_teacher == "unchanged" else primary_teacher
    co_list = list(co_teachers) if co_teachers is not None else []
    _check_links(classroom.district_id, classroom.school, new_term, [new_primary, *co_list])  # type: ignore[arg-type]
    with seat_change(district_id=classroom.district_id):
        if name is not None:
            if not name.strip():
                raise invalid("name", "a classroom needs a name")
            classroom.name = name.strip()
        if course_code is not None:
            classroom.course_code = course_code
        classroom.term = new_term  # type: ignore[assignment]
        classroom.primary_teacher = new_primary  # type: ignore[assignment]
        classroom.save()
        if co_teachers is not None:
            ClassroomTeacher.objects.filter(classroom=classroom).delete()
            ClassroomTeacher.objects.bulk_create(
                [
                    ClassroomTeacher(
                        district_id=classroom.district_id, classroom=classroom, teacher=t
                    )
                    for t in co_list
                    if t.pk != classroom.primary_teacher_id
                ]
            )
    new = {**snapshot(classroom, CLASSROOM_FIELDS), "co_teachers": _co_ids(classroom)}
    if old != new:
        audit_record(
            scope=scope,
            action=actions.CLASSROOM_CHANGED,
            target=classroom,
            data={"old": old, "new": new},
        )
    return classroom


def _co_ids(classroom: Classroom) -> list[int]:
    return sorted(
        ClassroomTeacher.objects.filter(classroom=classroom).values_list("teacher_id", flat=True)
    )


def _state(c: Classroom) -> dict[str, object]:
    return snapshot(c, ["status", "archived_at", "deleted_at"])


def _change_state(
    scope: Scope, classroom: Classroom, action: str, mutate: Callable[[Classroom], None]
) -> tuple[Classroom, SeatEffect]:
    classroom = get_classroom_for(scope, classroom.pk)
    require_school_admin(scope, classroom.school_id, doing="change classrooms")
    old = _state(classroom)
    with seat_change(district_id=classroom.district_id) as change:  # restore: hard mode applies
        mutate(classroom)
        classroom.save()
    new = _state(classroom)
    effect = effect_of(change, classroom.enrollments.count())
    if old != new:
        audit_record(
            scope=scope,
            action=action,
            target=classroom,
            data={"old": old, "new": new, "seats_freed": effect.seats_freed},
        )
    return classroom, effect


@transaction.atomic
def classroom_archive(*, scope: Scope, classroom: Classroom) -> tuple[Classroom, SeatEffect]:
    """Archive: its enrollments stop counting (R5); restore brings them back."""

    def mutate(c: Classroom) -> None:
        if c.status != ClassroomStatus.ARCHIVED:
            c.status = ClassroomStatus.ARCHIVED
            c.archived_at = timezone.now()

    return _change_state(scope, classroom, actions.CLASSROOM_ARCHIVED, mutate)


@transaction.atomic
def classroom_delete(*, scope: Scope, classroom: Classroom) -> tuple[Classroom, SeatEffect]:
    """Soft-delete: counts for nothing (R5), loses no history, restorable."""

    def mutate(c: Classroom) -> None:
        c.deleted_at = c.deleted_at or timezone.now()

    return _change_state(scope, classroom, actions.CLASSROOM_DELETED, mutate)


@transaction.atomic
def classroom_restore(*, scope: Scope, classroom: Classroom) -> tuple[Classroom, SeatEffect]:
    """Undo archive and delete: the classroom is active again (hard enforcement applies)."""

    def mutate(c: Classroom) -> None:
        c.deleted_at = None
        c.status = ClassroomStatus.ACTIVE
        c.archived_at = None

    return _change_state(scope, classroom, actions.CLASSROOM_RESTORED, mutate)


@transaction.atomic
def classroom_unenroll_all(*, scope: Scope, classroom: Classroom) -> SeatEffect:
    """Un-enroll every student (accounts stay, R2). The audit entry keeps the rows for undo."""
    classroom = get_classroom_for(scope, classroom.pk)
    require_school_admin(scope, classroom.school_id, doing="un-enroll classrooms")
    with seat_change(district_id=classroom.district_id) as change:
        rows = delete_enrollments(classroom.enrollments.all())
    effect = effect_of(change, len(rows))
    if rows:
        audit_record(
            scope=scope,
            action=actions.CLASSROOM_UNENROLLED_ALL,
            target=classroom,
            data={"old": {"enrollments": rows}, "seats_freed": effect.seats_freed},
        )
    return effect
