"""Terms (academic sessions) of a district or of one school. Terms are not deleted here:
classrooms refer to them; the roster import retires them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
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
from seatkeeper.roster.models import Term
from seatkeeper.roster.scoping import get_term_for
from seatkeeper.roster.services import classrooms as services

router = Router(tags=["terms"])


class TermOut(Schema):
    id: int
    sourced_id: str
    name: str
    school: int | None = None
    starts_on: dt.date
    ends_on: dt.date

    @staticmethod
    def resolve_school(obj: Any) -> int | None:
        return obj.school_id


class TermIn(In):
    name: str = Field(..., max_length=200)
    starts_on: Date
    ends_on: Date
    school: StrictId | None = None
    sourced_id: str = Field("", max_length=255)


class TermPatch(In):
    name: str | None = Field(None, max_length=200)
    starts_on: Date | None = None
    ends_on: Date | None = None


class TermQuery(ListQuery):
    school: Id | None = None


@router.get("/districts/{slug}/terms", response={200: page_of(TermOut), **ERRORS})
def term_list(
    request: HttpRequest, slug: str, filters: Query[TermQuery], page: Query[PageParams]
) -> Any:
    scope, district = scope_from_request(request, slug)
    qs = Term.objects.filter(district=district)
    if scope.school_ids is not None:
        qs = qs.filter(Q(school__isnull=True) | Q(school_id__in=scope.school_ids))
    qs = apply_common(qs, filters, soft=False)
    if filters.school is not None:
        qs = qs.filter(school_id=filters.school)
    return paginate(request, qs.order_by("-starts_on", "name", "id"), page)


@router.post("/districts/{slug}/terms", response={201: TermOut, **ERRORS})
def term_create(request: HttpRequest, slug: str, payload: TermIn) -> Any:
    scope, district = scope_from_request(request, slug)
    term = services.term_create(
        scope=scope,
        district=district,
        name=payload.name,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        school=get_school_for(scope, payload.school) if payload.school is not None else None,
        sourced_id=payload.sourced_id,
    )
    return Status(201, term)


@router.get("/districts/{slug}/terms/{term_id}", response={200: TermOut, **ERRORS})
def term_get(request: HttpRequest, slug: str, term_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    return get_term_for(scope, term_id)


@router.patch("/districts/{slug}/terms/{term_id}", response={200: TermOut, **ERRORS})
def term_update(request: HttpRequest, slug: str, term_id: Id, payload: TermPatch) -> Any:
    scope, _ = scope_from_request(request, slug)
    return services.term_update(
        scope=scope, term=get_term_for(scope, term_id), **payload.dict(exclude_unset=True)
    )
