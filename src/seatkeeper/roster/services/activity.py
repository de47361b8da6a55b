"""Student activity reported by the learning platform (sign-ins and work)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Q

from seatkeeper.audit import actions
from seatkeeper.audit.services import audit_record
from seatkeeper.errors import ProblemCollector
from seatkeeper.orgs.models import District, Role
from seatkeeper.orgs.scoping import Scope, get_district_for, require_role
from seatkeeper.roster.models import ActivityKind, Classroom, Student, StudentActivity


@dataclass(frozen=True)
class ActivityItem:
    student: int | str  # id, or OneRoster sourcedId
    kind: str
    at: dt.datetime
    classroom: int | None = None


@transaction.atomic
def activity_record(
    *, scope: Scope, district: District, items: Sequence[ActivityItem], source: str = ""
) -> int:
    """Record a batch; every item is checked first and nothing is written if any is bad."""
    require_role(
        scope, Role.OPERATOR, Role.DISTRICT_ADMIN, Role.INTEGRATION, doing="report student activity"
    )
    district = get_district_for(scope, district.pk)
    problems = ProblemCollector()
    ids = {i.student for i in items if isinstance(i.student, int)}
    sids = {i.student for i in items if isinstance(i.student, str)}
    found = Student.objects.filter(
        Q(pk__in=ids) | Q(sourced_id__in=sids), district=district
    ).values_list("id", "sourced_id")
    by_id = {pk: pk for pk, _ in found}
    by_sid = {s: pk for pk, s in found if s}
    rooms = set(
        Classroom.objects.filter(
            district=district, pk__in={i.classroom for i in items if i.classroom is not None}
        ).values_list("id", flat=True)
    )
    resolved: list[tuple[int, ActivityItem]] = []
    for n, item in enumerate(items):
        pk = by_id.get(item.student) if isinstance(item.student, int) else by_sid.get(item.student)  # type: ignore[arg-type]
        if pk is None:
            problems.add(
                f"items[{n}].student", "no such student in this district", value=item.student
            )
        if item.kind not in ActivityKind.values:
            problems.add(f"items[{n}].kind", "must be sign_in or work", value=item.kind)
        if item.at.tzinfo is None:
            problems.add(
                f"items[{n}].at",
                "needs a time zone (e.g. 2026-09-01T08:00:00Z)",
                value=str(item.at),
            )
        if item.classroom is not None and item.classroom not in rooms:
            problems.add(
                f"items[{n}].classroom", "no such classroom in this district", value=item.classroom
            )
        if pk is not None:
            resolved.append((pk, item))
    problems.raise_if_any("Activity not recorded")
    StudentActivity.objects.bulk_create(
        [
            StudentActivity(
                district=district,
                student_id=pk,
                kind=i.kind,
                at=i.at,
                classroom_id=i.classroom,
                source=source,
            )
            for pk, i in resolved
        ]
    )
    touched = {pk for pk, _ in resolved}
    latest = (
        StudentActivity.objects.filter(district=district, student_id__in=touched)
        .values("student_id")
        .annotate(last_any=Max("at"), last_sign_in=Max("at", filter=Q(kind=ActivityKind.SIGN_IN)))
    )
    for row in latest:
        Student.objects.filter(pk=row["student_id"]).update(
            last_activity_at=row["last_any"], last_sign_in_at=row["last_sign_in"]
        )
    audit_record(
        scope=scope,
        action=actions.ACTIVITY_RECORDED,
        target_type="district",
        target_id=district.pk,
        label=f"{len(resolved)} activity events",
        district_id=district.pk,
        data={"new": {"events": len(resolved), "students": len(touched)}},
    )
    return len(resolved)
