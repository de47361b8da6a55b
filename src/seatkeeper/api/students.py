"""Students: CRUD, soft delete/restore (R5) and un-enroll (the account stays, R2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from seatkeeper.api.common import (
    ERRORS,
    Date,
    Id,
    In,
    PageParams,
    StrictId,
    page_of,
    paginate,
    scope_from_request,
)
from seatkeeper.api.filters import ListQuery, apply_common
from seatkeeper.orgs.scoping import get_school_for
from seatkeeper.roster.models import Student
from seatkeeper.roster.scoping import get_classroom_for, get_student_for, students_visible
from seatkeeper.roster.services import students as services

router = Router(tags=["students"])


class StudentOut(Schema):
    id: int
    sourced_id: str
    first_name: str
    middle_name: str
    last_name: str
    preferred_first_name: str
    date_of_birth: dt.date | None = None
    grade: str
    student_number: str
    username: str
    email: str
    school: int | None = None
    roster_source: str
    last_sign_in_at: dt.datetime | None = None
    last_activity_at: dt.datetime | None = None
    deleted_at: dt.datetime | None = None

    @staticmethod
    def resolve_school(obj: Any) -> int | None:
        return obj.school_id


class _StudentFields(In):
    middle_name: str = Field("", max_length=150)
    preferred_first_name: str = Field("", max_length=150)
    date_of_birth: Date | None = None
    grade: str = Field("", max_length=20)
    student_number: str = Field("", max_length=100)
    username: str = Field("", max_length=150)
    email: str = Field("", max_length=254)


class StudentIn(_StudentFields):
    first_name: str = Field(..., max_length=150)
    last_name: str = Field(..., max_length=150)
    school: StrictId | None = None
    classroom: StrictId | None = Field(None, description="Enroll into this classroom at once.")
    sourced_id: str = Field("", max_length=255)


class StudentPatch(In):
    first_name: str | None = Field(None, max_length=150)
    middle_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    preferred_first_name: str | None = Field(None, max_length=150)
    date_of_birth: Date | None = None
    grade: str | None = Field(None, max_length=20)
    student_number: str | None = Field(None, max_length=100)
    username: str | None = Field(None, max_length=150)
    email: str | None = Field(None, max_length=254)
    school: StrictId | None = None


class StudentQuery(ListQuery):
    school: Id | None = None
    student_number: str | None = Field(None, max_length=100)


class UnenrollIn(In):
    classroom: StrictId | None = Field(
        None, description="Only this classroom; omit for all in scope."
    )


class SeatEffectOut(Schema):
    students: int
    seats_freed: dict[str, int]


@router.get("/districts/{slug}/students", response={200: page_of(StudentOut), **ERRORS})
def student_list(
    request: HttpRequest, slug: str, filters: Query[StudentQuery], page: Query[PageParams]
) -> Any:
    scope, _ = scope_from_request(request, slug)
    qs = Student.objects.filter(students_visible(scope))
    qs = apply_common(qs, filters, names=("first_name", "last_name", "preferred_first_name"))
    if filters.school is not None:
        qs = qs.filter(school_id=filters.school)
    if filters.student_number:
        qs = qs.filter(student_number=filters.student_number)
    return paginate(request, qs.order_by("last_name", "first_name", "id"), page)


@router.post("/districts/{slug}/students", response={201: StudentOut, **ERRORS})
def student_create(request: HttpRequest, slug: str, payload: StudentIn) -> Any:
    scope, district = scope_from_request(request, slug)
    fields = payload.dict(exclude={"first_name", "last_name", "school", "classroom"})
    student = services.student_create(
        scope=scope,
        district=district,
        first_name=payload.first_name,
        last_name=payload.last_name,
        school=get_school_for(scope, payload.school) if payload.school is not None else None,
        classroom=(
            get_classroom_for(scope, payload.classroom) if payload.classroom is not None else None
        ),
        **fields,
    )
    return Status(201, student)


@router.get("/districts/{slug}/students/{student_id}", response={200: StudentOut, **ERRORS})
def student_get(request: HttpRequest, slug: str, student_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    return get_student_for(scope, student_id)


@router.patch("/districts/{slug}/students/{student_id}", response={200: StudentOut, **ERRORS})
def student_update(request: HttpRequest, slug: str, student_id: Id, payload: StudentPatch) -> Any:
    scope, _ = scope_from_request(request, slug)
    student = get_student_for(scope, student_id)
    given = payload.dict(exclude_unset=True)
    changes = {
        k: v for k, v in given.items() if k not in ("school", "date_of_birth") and v is not None
    }
    if "date_of_birth" in given:
        changes["date_of_birth"] = given["date_of_birth"]
    if "school" in given:
        changes["school"] = (
            get_school_for(scope, given["school"]) if given["school"] is not None else None
        )
    return services.student_update(scope=scope, student=student, **changes)


@router.delete("/districts/{slug}/students/{student_id}", response={204: None, **ERRORS})
def student_delete(request: HttpRequest, slug: str, student_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    services.student_delete(scope=scope, student=get_student_for(scope, student_id))
    return Status(204, None)


@router.post(
    "/districts/{slug}/students/{student_id}/restore", response={200: StudentOut, **ERRORS}
)
def student_restore(request: HttpRequest, slug: str, student_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    return services.student_restore(scope=scope, student=get_student_for(scope, student_id))


@router.post(
    "/districts/{slug}/students/{student_id}/unenroll", response={200: SeatEffectOut, **ERRORS}
)
def student_unenroll(
    request: HttpRequest, slug: str, student_id: Id, payload: UnenrollIn | None = None
) -> Any:
    scope, _ = scope_from_request(request, slug)
    student = get_student_for(scope, student_id)
    classroom = None
    if payload is not None and payload.classroom is not None:
        classroom = get_classroom_for(scope, payload.classroom)
    effect = services.student_unenroll(scope=scope, student=student, classroom=classroom)
    return {"students": effect.students, "seats_freed": effect.seats_freed}
