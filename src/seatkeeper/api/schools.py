"""Schools of a district, and seat allocations from the district pool (district admins)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from seatkeeper.api.common import (
    ERRORS,
    Bool,
    Count,
    Id,
    In,
    PageParams,
    Positive,
    StrictId,
    page_of,
    paginate,
    scope_from_request,
)
from seatkeeper.api.filters import ListQuery, apply_common
from seatkeeper.orgs import services
from seatkeeper.orgs.models import School
from seatkeeper.orgs.scoping import get_product_for, get_school_for, schools_visible
from seatkeeper.seats import services as seat_services
from seatkeeper.seats.services import allocation_move, allocation_set

router = Router(tags=["schools"])


class SchoolOut(Schema):
    id: int
    sourced_id: str
    name: str
    teachers_may_create_students: bool | None = None
    roster_source: str
    deleted_at: dt.datetime | None = None


class SchoolIn(In):
    name: str = Field(..., max_length=200)
    sourced_id: str = Field("", max_length=255)


class SchoolPatch(In):
    name: str | None = Field(None, max_length=200)
    teachers_may_create_students: Bool | None = Field(
        None, description="false tightens the district setting; true/null follows it."
    )


class AllocationIn(In):
    seats: Count


class AllocationOut(Schema):
    school: int
    product: str
    seats: int


class MoveIn(In):
    product: str
    from_school: StrictId
    to_school: StrictId
    seats: Positive


class MoveOut(Schema):
    product: str
    from_school: AllocationOut
    to_school: AllocationOut


@router.get("/districts/{slug}/schools", response={200: page_of(SchoolOut), **ERRORS})
def school_list(
    request: HttpRequest, slug: str, filters: Query[ListQuery], page: Query[PageParams]
) -> Any:
    scope, _ = scope_from_request(request, slug)
    qs = apply_common(School.objects.filter(schools_visible(scope)), filters)
    return paginate(request, qs.order_by("name", "id"), page)


@router.post("/districts/{slug}/schools", response={201: SchoolOut, **ERRORS})
def school_create(request: HttpRequest, slug: str, payload: SchoolIn) -> Any:
    scope, district = scope_from_request(request, slug)
    school = services.school_create(
        scope=scope, district=district, name=payload.name, sourced_id=payload.sourced_id
    )
    return Status(201, school)


@router.get("/districts/{slug}/schools/{school_id}", response={200: SchoolOut, **ERRORS})
def school_get(request: HttpRequest, slug: str, school_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    return get_school_for(scope, school_id)


@router.patch("/districts/{slug}/schools/{school_id}", response={200: SchoolOut, **ERRORS})
def school_update(request: HttpRequest, slug: str, school_id: Id, payload: SchoolPatch) -> Any:
    scope, _ = scope_from_request(request, slug)
    school = get_school_for(scope, school_id)
    given = payload.dict(exclude_unset=True)
    kwargs: dict[str, Any] = {}
    if given.get("name") is not None:
        kwargs["name"] = given["name"]
    if "teachers_may_create_students" in given:
        kwargs["teachers_may_create_students"] = given["teachers_may_create_students"]
    return services.school_update(scope=scope, school=school, **kwargs)


@router.delete("/districts/{slug}/schools/{school_id}", response={204: None, **ERRORS})
def school_delete(request: HttpRequest, slug: str, school_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    seat_services.school_delete(scope=scope, school=get_school_for(scope, school_id))
    return Status(204, None)


@router.post("/districts/{slug}/schools/{school_id}/restore", response={200: SchoolOut, **ERRORS})
def school_restore(request: HttpRequest, slug: str, school_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    return seat_services.school_restore(scope=scope, school=get_school_for(scope, school_id))


@router.put(
    "/districts/{slug}/schools/{school_id}/allocations/{product}",
    response={200: AllocationOut, **ERRORS},
)
def allocation_put(
    request: HttpRequest, slug: str, school_id: Id, product: str, payload: AllocationIn
) -> Any:
    scope, _ = scope_from_request(request, slug)
    school = get_school_for(scope, school_id)
    prod = get_product_for(scope, product)
    row = allocation_set(scope=scope, school=school, product=prod, seats=payload.seats)
    return {"school": school.pk, "product": prod.code, "seats": row.seats}


@router.post("/districts/{slug}/allocations/move", response={200: MoveOut, **ERRORS})
def allocation_move_post(request: HttpRequest, slug: str, payload: MoveIn) -> Any:
    from seatkeeper.seats.models import Allocation

    scope, _ = scope_from_request(request, slug)
    prod = get_product_for(scope, payload.product)
    src = get_school_for(scope, payload.from_school)
    dst = get_school_for(scope, payload.to_school)
    allocation_move(scope=scope, product=prod, from_school=src, to_school=dst, seats=payload.seats)
    seats = dict(
        Allocation.objects.filter(product=prod, school__in=[src, dst]).values_list(
            "school_id", "seats"
        )
    )
    return {
        "product": prod.code,
        "from_school": {"school": src.pk, "product": prod.code, "seats": seats.get(src.pk, 0)},
        "to_school": {"school": dst.pk, "product": prod.code, "seats": seats.get(dst.pk, 0)},
    }
