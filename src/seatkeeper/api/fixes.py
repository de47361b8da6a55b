"""Fix-plan API: make a plan, read it, preview a selection, apply, undo.

`POST /districts/{slug}/fix-plans` answers the `seatkeeper fix plan --json` contract (plus
`status`); handlers parse, authorize through orgs.scoping, call one service, render.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from seatkeeper.api.common import ERRORS, scope_from_request
from seatkeeper.fixes import services
from seatkeeper.fixes.models import FixPlan
from seatkeeper.fixes.selectors import get_fix_plan_for
from seatkeeper.orgs.scoping import Scope, get_product_for

router = Router(tags=["fixes"])


class PlanIn(Schema):
    product: str | None = None
    schools: list[int] | None = None
    kinds: list[str] | None = None


class StepsIn(Schema):
    steps: list[int] | None = None


def _scope(request: HttpRequest, slug: str) -> tuple[Scope, Any]:
    return scope_from_request(request, slug)


def _body(fix: FixPlan, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return {**services.plan_as_dict(fix, body), "status": fix.status}


@router.post("/districts/{slug}/fix-plans", response={201: dict[str, Any], **ERRORS})
def fix_plan_create(request: HttpRequest, slug: str, payload: PlanIn | None = None) -> Any:
    scope, district = _scope(request, slug)
    payload = payload or PlanIn()
    product = get_product_for(scope, payload.product) if payload.product else None
    fix = services.plan_create(
        scope=scope,
        district=district,
        product=product,
        school_ids=payload.schools,
        kinds=payload.kinds,
    )
    return Status(201, _body(fix))


@router.get("/districts/{slug}/fix-plans/{plan_id}", response={200: dict[str, Any], **ERRORS})
def fix_plan_get(request: HttpRequest, slug: str, plan_id: int) -> Any:
    scope, _ = _scope(request, slug)
    return _body(get_fix_plan_for(scope, plan_id))


@router.post(
    "/districts/{slug}/fix-plans/{plan_id}/preview", response={200: dict[str, Any], **ERRORS}
)
def fix_plan_preview(
    request: HttpRequest, slug: str, plan_id: int, payload: StepsIn | None = None
) -> Any:
    scope, _ = _scope(request, slug)
    fix = get_fix_plan_for(scope, plan_id)
    body = services.plan_preview(scope=scope, fix=fix, steps=(payload or StepsIn()).steps)
    return {**body, "status": fix.status}


@router.post(
    "/districts/{slug}/fix-plans/{plan_id}/apply", response={200: dict[str, Any], **ERRORS}
)
def fix_plan_apply(
    request: HttpRequest, slug: str, plan_id: int, payload: StepsIn | None = None
) -> Any:
    scope, _ = _scope(request, slug)
    fix = get_fix_plan_for(scope, plan_id)
    body = services.plan_apply(scope=scope, fix=fix, steps=(payload or StepsIn()).steps)
    fix.refresh_from_db()
    return {**body, "status": fix.status}


@router.post("/districts/{slug}/fix-plans/{plan_id}/undo", response={200: dict[str, Any], **ERRORS})
def fix_plan_undo(request: HttpRequest, slug: str, plan_id: int) -> Any:
    scope, _ = _scope(request, slug)
    return services.plan_undo(scope=scope, fix=get_fix_plan_for(scope, plan_id))
