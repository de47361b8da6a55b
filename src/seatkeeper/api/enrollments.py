"""Enrollments: enroll (201, or 409 when hard enforcement refuses) and un-enroll (R1, R2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from seatkeeper.api.common import (
    ERRORS,
    Id,
    In,
    PageParams,
    StrictId,
    page_of,
    paginate,
    scope_from_request,
)
from seatkeeper.roster.models import Classroom, Enrollment
from seatkeeper.roster.scoping import classrooms_visible, get_classroom_for, get_student_for
from seatkeeper.roster.services import enrollments as services

router = Router(tags=["enrollments"])


class EnrollmentOut(Schema):
    id: int
    sourced_id: str
    student: int
    classroom: int
    roster_source: str
    created_at: dt.datetime

    @staticmethod
    def resolve_student(obj: Any) -> int:
        return obj.student_id

    @staticmethod
    def resolve_classroom(obj: Any) -> int:
        return obj.classroom_id


class EnrollmentIn(In):
    student: StrictId
    classroom: StrictId
    sourced_id: str = Field("", max_length=255)


class EnrollmentQuery(Schema):
    sourced_id: str | None = Field(None, max_length=255)
    student: Id | None = None
    classroom: Id | None = None
    school: Id | None = None


@router.get("/districts/{slug}/enrollments", response={200: page_of(EnrollmentOut), **ERRORS})
def enrollment_list(
    request: HttpRequest, slug: str, filters: Query[EnrollmentQuery], page: Query[PageParams]
) -> Any:
    scope, district = scope_from_request(request, slug)
    visible = Classroom.objects.filter(classrooms_visible(scope)).values("id")
    qs = Enrollment.objects.filter(district=district, classroom_id__in=visible)
    if filters.sourced_id is not None:
        qs = qs.filter(sourced_id=filters.sourced_id)
    if filters.student is not None:
        qs = qs.filter(student_id=filters.student)
    if filters.classroom is not None:
        qs = qs.filter(classroom_id=filters.classroom)
    if filters.school is not None:
        qs = qs.filter(classroom__school_id=filters.school)
    return paginate(request, qs.order_by("id"), page)


@router.post("/districts/{slug}/enrollments", response={201: EnrollmentOut, **ERRORS})
def enrollment_create(request: HttpRequest, slug: str, payload: EnrollmentIn) -> Any:
    scope, _ = scope_from_request(request, slug)
    classroom = get_classroom_for(scope, payload.classroom)
    student = get_student_for(scope, payload.student)
    enrollment = services.enrollment_create(
        scope=scope, student=student, classroom=classroom, sourced_id=payload.sourced_id
    )
    return Status(201, enrollment)


@router.get(
    "/districts/{slug}/enrollments/{enrollment_id}", response={200: EnrollmentOut, **ERRORS}
)
def enrollment_get(request: HttpRequest, slug: str, enrollment_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    return services.get_enrollment_for(scope, enrollment_id)


@router.delete("/districts/{slug}/enrollments/{enrollment_id}", response={204: None, **ERRORS})
def enrollment_delete(request: HttpRequest, slug: str, enrollment_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    services.enrollment_delete(
        scope=scope, enrollment=services.get_enrollment_for(scope, enrollment_id)
    )
    return Status(204, None)
