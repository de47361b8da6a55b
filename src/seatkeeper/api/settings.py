"""District settings (GET/PATCH /districts/{slug}/settings) and enforcement per product."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from seatkeeper.api.common import ERRORS, Bool, Date, Days, Id, In, scope_from_request
from seatkeeper.orgs.scoping import get_product_for, require_school_admin
from seatkeeper.orgs.services import district_settings_update
from seatkeeper.seats.selectors import effective_mode, enforcement_get
from seatkeeper.seats.services import enforcement_set

router = Router(tags=["settings"])


class SettingsOut(Schema):
    id: int
    slug: str
    name: str
    sourced_id: str
    teachers_may_create_students: bool
    new_teacher_access: bool
    stale_classroom_days: int
    inactive_student_days: int


class SettingsPatch(In):
    teachers_may_create_students: Bool | None = None
    new_teacher_access: Bool | None = None
    stale_classroom_days: Days | None = None
    inactive_student_days: Days | None = None


class EnforcementIn(In):
    mode: Literal["soft", "hard", "grace"]
    grace_until: Date | None = None


class EnforcementOut(Schema):
    product: str
    mode: str
    grace_until: dt.date | None = None
    effective_mode: str


@router.get("/districts/{slug}/settings", response={200: SettingsOut, **ERRORS})
def settings_get(request: HttpRequest, slug: str) -> Any:
    scope, district = scope_from_request(request, slug)
    require_school_admin(scope, None, doing="read district settings")
    return district


@router.patch("/districts/{slug}/settings", response={200: SettingsOut, **ERRORS})
def settings_patch(request: HttpRequest, slug: str, payload: SettingsPatch) -> Any:
    scope, district = scope_from_request(request, slug)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return district_settings_update(scope=scope, district=district, **changes)


def _enforcement(district_id: Id, product: Any) -> dict[str, Any]:
    row = enforcement_get(district_id=district_id, product_id=product.pk)
    return {
        "product": product.code,
        "mode": row.get("mode", "soft"),
        "grace_until": row.get("grace_until"),
        "effective_mode": effective_mode(district_id=district_id, product_id=product.pk),
    }


@router.get("/districts/{slug}/enforcement/{product}", response={200: EnforcementOut, **ERRORS})
def enforcement_read(request: HttpRequest, slug: str, product: str) -> Any:
    scope, district = scope_from_request(request, slug)
    return _enforcement(district.pk, get_product_for(scope, product))


@router.put("/districts/{slug}/enforcement/{product}", response={200: EnforcementOut, **ERRORS})
def enforcement_put(request: HttpRequest, slug: str, product: str, payload: EnforcementIn) -> Any:
    scope, district = scope_from_request(request, slug)
    prod = get_product_for(scope, product)
    enforcement_set(
        scope=scope,
        district=district,
        product=prod,
        mode=payload.mode,
        grace_until=payload.grace_until,
    )
    return _enforcement(district.pk, prod)
