"""Classrooms: CRUD, archive/restore, delete (soft) and un-enroll everyone (R2, R5, R8)."""

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
from seatkeeper.api.filters import ListQuery, apply_common
from seatkeeper.orgs.scoping import get_school_for
from seatkeeper.roster.models import Classroom
from seatkeeper.roster.scoping import (
    classrooms_visible,
    get_classroom_for,
    get_teacher_for,
    get_term_for,
)
from seatkeeper.roster.services import classrooms as services

router = Router(tags=["classrooms"])


class ClassroomOut(Schema):
    id: int
    sourced_id: str
    name: str
    course_code: str
    school: int
    term: int | None = None
    primary_teacher: int | None = None
    status: str
    archived_at: dt.datetime | None = None
    deleted_at: dt.datetime | None = None

    @staticmethod
    def resolve_school(obj: Any) -> int:
        return obj.school_id

    @staticmethod
    def resolve_term(obj: Any) -> int | None:
        return obj.term_id

    @staticmethod
    def resolve_primary_teacher(obj: Any) -> int | None:
        return obj.primary_teacher_id


class ClassroomIn(In):
    school: StrictId
    name: str = Field(..., max_length=200)
    term: StrictId | None = None
    primary_teacher: StrictId | None = None
    co_teachers: list[StrictId] = Field(default_factory=list, max_length=100)
    course_code: str = Field("", max_length=100)
    sourced_id: str = Field("", max_length=255)


class ClassroomPatch(In):
    name: str | None = Field(None, max_length=200)
    term: StrictId | None = None
    primary_teacher: StrictId | None = None
    co_teachers: list[StrictId] | None = Field(None, max_length=100)
    course_code: str | None = Field(None, max_length=100)


class ClassroomQuery(ListQuery):
    school: Id | None = None
    status: str | None = Field(None, pattern="^(active|archived)$")
    teacher: Id | None = None


class SeatEffectOut(Schema):
    students: int
    seats_freed: dict[str, int]


@router.get("/districts/{slug}/classrooms", response={200: page_of(ClassroomOut), **ERRORS})
def classroom_list(
    request: HttpRequest, slug: str, filters: Query[ClassroomQuery], page: Query[PageParams]
) -> Any:
    scope, _ = scope_from_request(request, slug)
    qs = apply_common(
        Classroom.objects.filter(classrooms_visible(scope)), filters, names=("name", "course_code")
    )
    if filters.school is not None:
        qs = qs.filter(school_id=filters.school)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.teacher is not None:
        qs = qs.filter(primary_teacher_id=filters.teacher)
    return paginate(request, qs.order_by("name", "id"), page)


@router.post("/districts/{slug}/classrooms", response={201: ClassroomOut, **ERRORS})
def classroom_create(request: HttpRequest, slug: str, payload: ClassroomIn) -> Any:
    scope, _ = scope_from_request(request, slug)
    classroom = services.classroom_create(
        scope=scope,
        school=get_school_for(scope, payload.school),
        name=payload.name,
        term=get_term_for(scope, payload.term) if payload.term is not None else None,
        primary_teacher=(
            get_teacher_for(scope, payload.primary_teacher)
            if payload.primary_teacher is not None
            else None
        ),
        co_teachers=[get_teacher_for(scope, t) for t in payload.co_teachers],
        course_code=payload.course_code,
        sourced_id=payload.sourced_id,
    )
    return Status(201, classroom)


@router.get("/districts/{slug}/classrooms/{classroom_id}", response={200: ClassroomOut, **ERRORS})
def classroom_get(request: HttpRequest, slug: str, classroom_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    return get_classroom_for(scope, classroom_id)


@router.patch("/districts/{slug}/classrooms/{classroom_id}", response={200: ClassroomOut, **ERRORS})
def classroom_update(
    request: HttpRequest, slug: str, classroom_id: Id, payload: ClassroomPatch
) -> Any:
    scope, _ = scope_from_request(request, slug)
    classroom = get_classroom_for(scope, classroom_id)
    given = payload.model_fields_set
    kwargs: dict[str, Any] = {}
    if payload.name is not None:
        kwargs["name"] = payload.name
    if payload.course_code is not None:
        kwargs["course_code"] = payload.course_code
    if "term" in given:
        kwargs["term"] = get_term_for(scope, payload.term) if payload.term is not None else None
    if "primary_teacher" in given:
        kwargs["primary_teacher"] = (
            get_teacher_for(scope, payload.primary_teacher)
            if payload.primary_teacher is not None
            else None
        )
    if payload.co_teachers is not None:
        kwargs["co_teachers"] = [get_teacher_for(scope, t) for t in payload.co_teachers]
    return services.classroom_update(scope=scope, classroom=classroom, **kwargs)


@router.delete("/districts/{slug}/classrooms/{classroom_id}", response={204: None, **ERRORS})
def classroom_delete(request: HttpRequest, slug: str, classroom_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    services.classroom_delete(scope=scope, classroom=get_classroom_for(scope, classroom_id))
    return Status(204, None)


@router.post(
    "/districts/{slug}/classrooms/{classroom_id}/archive", response={200: ClassroomOut, **ERRORS}
)
def classroom_archive(request: HttpRequest, slug: str, classroom_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    classroom, _effect = services.classroom_archive(
        scope=scope, classroom=get_classroom_for(scope, classroom_id)
    )
    return classroom


@router.post(
    "/districts/{slug}/classrooms/{classroom_id}/restore", response={200: ClassroomOut, **ERRORS}
)
def classroom_restore(request: HttpRequest, slug: str, classroom_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    classroom, _effect = services.classroom_restore(
        scope=scope, classroom=get_classroom_for(scope, classroom_id)
    )
    return classroom


@router.post(
    "/districts/{slug}/classrooms/{classroom_id}/unenroll-all",
    response={200: SeatEffectOut, **ERRORS},
)
def classroom_unenroll_all(request: HttpRequest, slug: str, classroom_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    effect = services.classroom_unenroll_all(
        scope=scope, classroom=get_classroom_for(scope, classroom_id)
    )
    return {"students": effect.students, "seats_freed": effect.seats_freed}
