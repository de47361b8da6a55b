"""Purchases: seats bought for a product over a term, for the district pool or one school."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from seatkeeper.api.common import (
    ERRORS,
    Count,
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
from seatkeeper.errors import NotFound
from seatkeeper.orgs.scoping import Scope, get_product_for, get_school_for
from seatkeeper.seats import services
from seatkeeper.seats.models import Purchase
from seatkeeper.seats.selectors import get_purchase_for

router = Router(tags=["purchases"])


class PurchaseOut(Schema):
    id: int
    sourced_id: str
    product: str
    school: int | None = None
    seats: int
    starts_on: dt.date
    ends_on: dt.date
    reference: str
    deleted_at: dt.datetime | None = None

    @staticmethod
    def resolve_product(obj: Any) -> str:
        return obj.product.code

    @staticmethod
    def resolve_school(obj: Any) -> int | None:
        return obj.school_id


class PurchaseIn(In):
    product: str
    seats: Count
    school: StrictId | None = Field(None, description="A school id, or null for the district pool.")
    starts_on: Date
    ends_on: Date
    reference: str = Field("", max_length=200)
    sourced_id: str = Field("", max_length=255)


class PurchasePatch(In):
    seats: Count | None = None
    starts_on: Date | None = None
    ends_on: Date | None = None
    reference: str | None = Field(None, max_length=200)


class PurchaseQuery(ListQuery):
    product: str | None = None
    school: Id | None = None


def _visible(scope: Scope) -> Q:
    if scope.school_ids is None:
        return Q(district_id=scope.district_id)
    return Q(district_id=scope.district_id) & (
        Q(school__isnull=True) | Q(school_id__in=scope.school_ids)
    )


def _get(scope: Scope, purchase_id: Id) -> Purchase:
    p = get_purchase_for(scope, purchase_id)
    if not Purchase.objects.filter(_visible(scope), pk=p.pk).exists():
        raise NotFound(f"No purchase {purchase_id}.")
    return p


@router.get("/districts/{slug}/purchases", response={200: page_of(PurchaseOut), **ERRORS})
def purchase_list(
    request: HttpRequest, slug: str, filters: Query[PurchaseQuery], page: Query[PageParams]
) -> Any:
    scope, _ = scope_from_request(request, slug)
    qs = apply_common(Purchase.objects.filter(_visible(scope)), filters, names=("reference",))
    if filters.product:
        qs = qs.filter(product=get_product_for(scope, filters.product))
    if filters.school is not None:
        qs = qs.filter(school_id=filters.school)
    return paginate(request, qs.select_related("product").order_by("-starts_on", "id"), page)


@router.post("/districts/{slug}/purchases", response={201: PurchaseOut, **ERRORS})
def purchase_create(request: HttpRequest, slug: str, payload: PurchaseIn) -> Any:
    scope, district = scope_from_request(request, slug)
    purchase = services.purchase_create(
        scope=scope,
        district=district,
        product=get_product_for(scope, payload.product),
        school=get_school_for(scope, payload.school) if payload.school is not None else None,
        seats=payload.seats,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        reference=payload.reference,
        sourced_id=payload.sourced_id,
    )
    return Status(201, purchase)


@router.get("/districts/{slug}/purchases/{purchase_id}", response={200: PurchaseOut, **ERRORS})
def purchase_get(request: HttpRequest, slug: str, purchase_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    return _get(scope, purchase_id)


@router.patch("/districts/{slug}/purchases/{purchase_id}", response={200: PurchaseOut, **ERRORS})
def purchase_update(
    request: HttpRequest, slug: str, purchase_id: Id, payload: PurchasePatch
) -> Any:
    scope, _ = scope_from_request(request, slug)
    return services.purchase_update(
        scope=scope, purchase=_get(scope, purchase_id), **payload.dict(exclude_unset=True)
    )


@router.delete("/districts/{slug}/purchases/{purchase_id}", response={204: None, **ERRORS})
def purchase_delete(request: HttpRequest, slug: str, purchase_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    services.purchase_delete(scope=scope, purchase=_get(scope, purchase_id))
    return Status(204, None)


@router.post(
    "/districts/{slug}/purchases/{purchase_id}/restore", response={200: PurchaseOut, **ERRORS}
)
def purchase_restore(request: HttpRequest, slug: str, purchase_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    return services.purchase_restore(scope=scope, purchase=_get(scope, purchase_id))
