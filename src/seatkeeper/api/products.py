"""Products of a district (what is licensed). Products are never deleted (seats refer to them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from seatkeeper.api.common import ERRORS, Id, In, PageParams, page_of, paginate, scope_from_request
from seatkeeper.api.filters import ListQuery, apply_common
from seatkeeper.orgs import services
from seatkeeper.orgs.models import Product
from seatkeeper.orgs.scoping import get_product_for
from seatkeeper.seats import services as seat_services

router = Router(tags=["products"])


class ProductOut(Schema):
    id: int
    code: str
    name: str
    created_at: dt.datetime


class ProductIn(In):
    code: str = Field(..., max_length=40)
    name: str = Field("", max_length=200)


class ProductPatch(In):
    name: str = Field(..., max_length=200)


@router.get("/districts/{slug}/products", response={200: page_of(ProductOut), **ERRORS})
def product_list(
    request: HttpRequest, slug: str, filters: Query[ListQuery], page: Query[PageParams]
) -> Any:
    scope, district = scope_from_request(request, slug)
    qs = Product.objects.filter(district=district)
    qs = apply_common(
        qs, filters.model_copy(update={"sourced_id": None}), names=("name", "code"), soft=False
    )
    if filters.sourced_id is not None:
        qs = qs.filter(code=filters.sourced_id)
    return paginate(request, qs.order_by("code"), page)


@router.post("/districts/{slug}/products", response={201: ProductOut, **ERRORS})
def product_create(request: HttpRequest, slug: str, payload: ProductIn) -> Any:
    scope, district = scope_from_request(request, slug)
    product = seat_services.product_create(
        scope=scope, district=district, code=payload.code, name=payload.name
    )
    return Status(201, product)


def _product(scope: Any, product_id: Id) -> Product:
    from seatkeeper.errors import NotFound

    p = get_product_for(scope, product_id)
    if p.pk != product_id:
        raise NotFound(f"No product {product_id}.")
    return p


@router.get("/districts/{slug}/products/{product_id}", response={200: ProductOut, **ERRORS})
def product_get(request: HttpRequest, slug: str, product_id: Id) -> Any:
    scope, _ = scope_from_request(request, slug)
    return _product(scope, product_id)


@router.patch("/districts/{slug}/products/{product_id}", response={200: ProductOut, **ERRORS})
def product_update(request: HttpRequest, slug: str, product_id: Id, payload: ProductPatch) -> Any:
    scope, _ = scope_from_request(request, slug)
    return services.product_update(
        scope=scope, product=_product(scope, product_id), name=payload.name
    )
