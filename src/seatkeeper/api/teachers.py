"""Teachers, and their per-product site license access (R4: OFF stops counting at once)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from seatkeeper.api.common import (
    ERRORS,
    Bool,
    Id,
    In,
    PageParams,
    StrictId,
    page_of,
    paginate,
    scope_from_request,
)
from seatkeeper.api.filters import ListQuery, apply_common
from seatkeeper.orgs.scoping import get_product_for, get_school_for
from seatkeeper.roster.models import Teacher
from seatkeeper.roster.scoping import get_teacher_for, teachers_visible
from seatkeeper.roster.services import access_set
from seatkeeper.roster.services import teachers as services

router = Router(tags=["teachers"])


class TeacherOut(Schema):
    id: int
    sourced_id: str
    first_name: str
    last_name: str
    email: str
    username: str
    school: int | None = None
    roster_source: str
    deleted_at: dt.datetime | None = None

    @staticmethod
    def resolve_school(obj: Any) -> int | None:
        return obj.school_id


class TeacherIn(In):
    first_name: str = Field(..., max_length=150)
    last_name: str = Field(..., max_length=150)
    school: StrictId | None = None
    email: str = Field("", max_length=254)
    username: str = Field("", max_length=150)
    sourced_id: str = Field("", max_length=255)
    access_on: Bool | None = Field(None, description="null: the district's new-teacher setting.")


class TeacherPatch(In):
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    email: str | None = Field(None, max_length=254)
    username: str | None = Field(None, max_length=150)
    school: StrictId | None = None


class TeacherQuery(ListQuery):
    school: Id | None = None


class AccessIn(In):
    on: Bool


class AccessOut(Schema):
    teacher: int
    product: str
    on: bool


@router.get("/districts/{slug}/teachers", response={200: page_of(TeacherOut), **ERRORS})
def teacher_list(
    request: HttpRequest, slug: str, filters: Query[TeacherQuery], page: Query[PageParams]
) -> Any:
    scope, _ = scope_from_request(request, slug)
    qs = Teacher.objects.filter(teachers_visible(scope)).distinct()
    qs = apply_common(qs, filters, names=("first_name", "last_name", "email"))
    if filters.school is not None:
        qs = qs.filter(school_id=filters.school)
    return paginate(request, qs.order_by("last_name", "first_name", "id"), page)


@router.post("/districts/{slug}/teachers", response={201: TeacherOut, **ERRORS})
def teacher_create(request: HttpRequest, slug: str, payload: TeacherIn) -> Any:
    scope, district = scope_from_request(request, slug)
    teacher = services.teacher_create(
        scope=scope,
        district=district,
        school=get_school_for(scope, payload.school) if payload.school is not None else None,
        first_name=payload.first_name,
        last_name=payload.last_name,
        email=payload.email,
        username=payload.username,
        sourced_id=payload.sourced_id,
        access_on=payload.access_on,
    )
    return Status(201, teacher)


@router.get("/districts/{slug}/teachers/{teacher_id}", response={200: TeacherOut, **ERRORS})
def teacher_get(request: HttpRequest, slug: str, teacher_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    return get_teacher_for(scope, teacher_id)


@router.patch("/districts/{slug}/teachers/{teacher_id}", response={200: TeacherOut, **ERRORS})
def teacher_update(request: HttpRequest, slug: str, teacher_id: Id, payload: TeacherPatch) -> Any:
    scope, _ = scope_from_request(request, slug)
    teacher = get_teacher_for(scope, teacher_id)
    changes = {
        k: v for k, v in payload.dict(exclude_unset=True).items() if k != "school" and v is not None
    }
    if "school" in payload.model_fields_set:
        changes["school"] = (
            get_school_for(scope, payload.school) if payload.school is not None else None
        )
    return services.teacher_update(scope=scope, teacher=teacher, **changes)


@router.delete("/districts/{slug}/teachers/{teacher_id}", response={204: None, **ERRORS})
def teacher_delete(request: HttpRequest, slug: str, teacher_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    services.teacher_delete(scope=scope, teacher=get_teacher_for(scope, teacher_id))
    return Status(204, None)


@router.post(
    "/districts/{slug}/teachers/{teacher_id}/restore", response={200: TeacherOut, **ERRORS}
)
def teacher_restore(request: HttpRequest, slug: str, teacher_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    return services.teacher_restore(scope=scope, teacher=get_teacher_for(scope, teacher_id))


@router.put(
    "/districts/{slug}/teachers/{teacher_id}/access/{product}", response={200: AccessOut, **ERRORS}
)
def access_put(
    request: HttpRequest, slug: str, teacher_id: Id, product: str, payload: AccessIn
) -> Any:
    scope, _ = scope_from_request(request, slug)
    teacher = get_teacher_for(scope, teacher_id)
    prod = get_product_for(scope, product)
    row = access_set(scope=scope, teacher=teacher, product=prod, on=payload.on)
    return {"teacher": teacher.pk, "product": prod.code, "on": row.on}
