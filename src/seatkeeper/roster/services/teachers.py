"""Teacher writes. New teachers get access per the district's "new teachers" setting."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from seatkeeper.audit import actions
from seatkeeper.audit.services import audit_record, snapshot
from seatkeeper.errors import Conflict, ProblemCollector, invalid, length_problems
from seatkeeper.orgs import services as orgs
from seatkeeper.orgs.models import District, Product, Role, RosterSource, School
from seatkeeper.orgs.scoping import Scope, get_district_for, get_school_for, require_school_admin
from seatkeeper.roster.models import Teacher
from seatkeeper.roster.scoping import get_teacher_for
from seatkeeper.seats.ledger import seat_change
from seatkeeper.seats.models import TeacherAccess

TEACHER_FIELDS = ["first_name", "last_name", "email", "username", "school_id", "sourced_id"]


def _validate(first_name: str, last_name: str, email: str) -> None:
    problems = ProblemCollector()
    if not first_name.strip() and not last_name.strip():
        problems.add("last_name", "a teacher needs a name")
    if email and "@" not in email:
        problems.add("email", "is not an email address", value=email)
    limits = {"first_name": first_name, "last_name": last_name, "email": email}
    for p in length_problems(Teacher, limits):  # issue 17.1: the columns' limits, one rule
        problems.add(p.field, p.message)
    problems.raise_if_any("Teacher not saved")


@transaction.atomic
def teacher_create(
    *,
    scope: Scope,
    district: District,
    first_name: str,
    last_name: str,
    school: School | None = None,
    email: str = "",
    username: str = "",
    sourced_id: str = "",
    roster_source: str = RosterSource.MANUAL,
    access_on: bool | None = None,
) -> Teacher:
    """Add a teacher; access to every product starts ON or OFF per district setting."""
    district = get_district_for(scope, district.pk)
    if school is not None:
        school = get_school_for(scope, school.pk)
    require_school_admin(scope, school.pk if school else None, doing="add teachers")
    _validate(first_name, last_name, email)
    try:
        with transaction.atomic():
            teacher = Teacher.objects.create(
                district=district,
                school=school,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                email=email.strip(),
                username=username.strip(),
                sourced_id=sourced_id,
                roster_source=roster_source,
            )
    except IntegrityError:
        raise Conflict(f"A teacher with sourcedId {sourced_id!r} already exists.") from None
    on = district.new_teacher_access if access_on is None else access_on
    with seat_change(district_id=district.pk):  # a new teacher teaches nothing yet: no seat
        TeacherAccess.objects.bulk_create(
            [
                TeacherAccess(district=district, teacher=teacher, product_id=p, on=on)
                for p in Product.objects.filter(district=district).values_list("id", flat=True)
            ]
        )
    audit_record(
        scope=scope,
        action=actions.TEACHER_CREATED,
        target=teacher,
        data={"new": {**snapshot(teacher, TEACHER_FIELDS), "access_on": on}},
    )
    return teacher


@transaction.atomic
def teacher_update(*, scope: Scope, teacher: Teacher, **changes: object) -> Teacher:
    """Edit a teacher's name, email, username or school."""
    teacher = get_teacher_for(scope, teacher.pk)
    require_school_admin(scope, teacher.school_id, doing="edit teachers")
    allowed = {"first_name", "last_name", "email", "username", "school"}
    problems = ProblemCollector()
    for key in changes:
        if key not in allowed:
            problems.add(key, "cannot be changed here")
    problems.raise_if_any("Teacher not saved")
    old = snapshot(teacher, TEACHER_FIELDS)
    if "school" in changes and changes["school"] is not None:
        changes["school"] = get_school_for(scope, changes["school"].pk)  # type: ignore[attr-defined]
    for key, value in changes.items():
        setattr(teacher, key, value.strip() if isinstance(value, str) else value)
    _validate(teacher.first_name, teacher.last_name, teacher.email)
    teacher.save()
    new = snapshot(teacher, TEACHER_FIELDS)
    if old != new:
        audit_record(
            scope=scope,
            action=actions.TEACHER_CHANGED,
            target=teacher,
            data={"old": old, "new": new},
        )
    return teacher


@transaction.atomic
def teacher_delete(*, scope: Scope, teacher: Teacher) -> Teacher:
    """Soft-delete a teacher: their classrooms stop being licensed (R5, R8). Restorable."""
    teacher = get_teacher_for(scope, teacher.pk)
    require_school_admin(scope, teacher.school_id, doing="delete teachers")
    if teacher.deleted_at is None:
        with seat_change(district_id=teacher.district_id):  # R5, R8: their classes stop counting
            teacher.deleted_at = timezone.now()
            teacher.save(update_fields=["deleted_at", "updated_at"])
        audit_record(scope=scope, action=actions.TEACHER_DELETED, target=teacher)
    return teacher


@transaction.atomic
def teacher_restore(*, scope: Scope, teacher: Teacher) -> Teacher:
    """Undo a teacher's deletion (hard enforcement checks the seats it brings back)."""
    teacher = get_teacher_for(scope, teacher.pk)
    require_school_admin(scope, teacher.school_id, doing="restore teachers")
    if teacher.deleted_at is not None:
        with seat_change(district_id=teacher.district_id):
            old = teacher.deleted_at.isoformat()
            teacher.deleted_at = None
            teacher.save(update_fields=["deleted_at", "updated_at"])
        audit_record(
            scope=scope,
            action=actions.TEACHER_RESTORED,
            target=teacher,
            data={"old": {"deleted_at": old}},
        )
    return teacher


@transaction.atomic
def user_create(*, scope: Scope, teacher_id: int | None = None, **fields: Any) -> Any:
    """`orgs.services.user_create`, plus (for a teacher) linking the login to a Teacher row."""
    user = orgs.user_create(scope=scope, **fields)
    if teacher_id is not None and fields.get("role") == Role.TEACHER:
        district = fields["district"]
        updated = Teacher.objects.filter(pk=teacher_id, district=district).update(user=user)
        if not updated:
            raise invalid("teacher", f"no teacher {teacher_id} in {district}", teacher_id)
    return user
