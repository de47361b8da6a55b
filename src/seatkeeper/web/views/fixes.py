"""The "Fix overallocation" pages: make a plan, preview it (untick steps; totals recompute on
the server through the pure planner), apply it, undo it; plus the manual checklist.

Thin views: parse, authorize (policies + orgs.scoping), call fixes services, render.
This module is included at "fix/" under the namespace "fixes" (`fixes:plan` is linked from
the overallocation banner, with or without `school_id`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from seatkeeper.errors import InvalidInput
from seatkeeper.fixes import services
from seatkeeper.fixes.models import FixPlan, PlanStatus
from seatkeeper.fixes.planner import STEP_ORDER
from seatkeeper.fixes.selectors import get_fix_plan_for
from seatkeeper.orgs.models import District
from seatkeeper.orgs.scoping import can_manage_district, get_school_for
from seatkeeper.seats.selectors import usage_for_district
from seatkeeper.web import context
from seatkeeper.web.policies import school_admin

LABELS = {
    "allocate_pool": "Allocate unallocated pool seats",
    "move_allocation": "Move spare allocation",
    "merge_duplicates": "Merge duplicate accounts",
    "unenroll_stale_classroom": "Un-enroll and archive a stale classroom",
    "unenroll_inactive_student": "Un-enroll long-inactive students",
    "unenroll_second_school": "Un-enroll from a second school",
    "teacher_access_off": "Turn a teacher's access OFF",
}


def _district(request: HttpRequest) -> District:
    return District.objects.get(pk=request.scope.require_district())  # type: ignore[attr-defined]


def _checklist(school_id: int | None, district_admin: bool) -> list[dict[str, Any]]:
    """The seed's manual steps (domain.md), as links to the pages that do each by hand."""
    kw = {"school_id": school_id} if school_id else {}
    return [
        {
            "title": "Move unused allocation or allocate unallocated pool seats",
            "how": "District admins: Manage License, then give seats to the school.",
            "url": context.url_or_none("web:district_license") if district_admin else None,
        },
        {
            "title": "Turn site license access OFF for teachers who do not need it",
            "how": "Teachers page: switch access OFF (their students stop counting, R4).",
            "url": context.url_or_none("web:teachers", **kw) if kw else None,
        },
        {
            "title": "Un-enroll students from old classrooms, then archive or delete them",
            "how": "Classrooms page: pick classrooms whose term ended, un-enroll all, archive.",
            "url": context.url_or_none("web:classrooms", **kw) if kw else None,
        },
        {
            "title": "Merge or delete duplicate student accounts",
            "how": "De-Dup: keep the account in use (last sign-in, activity, enrollments).",
            "url": context.url_or_none("dedup:review", **kw) if kw else None,
        },
        {
            "title": "Un-enroll long-inactive students and students counted at two schools",
            "how": "Students page: sort by last sign-in; un-enroll (the account stays, R2).",
            "url": context.url_or_none("web:students", **kw) if kw else None,
        },
    ]


@school_admin
def plan(request: HttpRequest, school_id: int | None = None) -> HttpResponse:
    """Start page: who is over, recent plans, "Make a fix plan", and the manual checklist."""
    scope = request.scope  # type: ignore[attr-defined]
    ctx: dict[str, Any] = {"page_title": "Fix overallocation"}
    if school_id is not None:
        scope, school, product = context.school_page(request, school_id)
        ctx.update(school=school, header=context.school_header(scope, school, product))
        schools = [school.pk]
    else:
        if scope.district_id is None:
            return redirect("web:choose_district")
        product = context.product_for(request, scope)
        school = None
        schools = None if scope.school_ids is None else sorted(scope.school_ids)
    usage = usage_for_district(
        scope=scope, district=_district(request), product=product, school_ids=schools
    )
    plans = FixPlan.objects.filter(district_id=scope.district_id, product=product)
    if schools is not None:
        plans = plans.filter(school_ids=schools)
    ctx.update(
        product=product,
        usage=usage,
        plans=list(plans[:10]),
        kinds=[(k, LABELS[k]) for k in STEP_ORDER],
        checklist=_checklist(school_id, can_manage_district(scope)),
    )
    return TemplateResponse(request, "fixes/plan.html", ctx)


@school_admin
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    product = context.product_for(request, scope)
    school_ids = None
    if request.POST.get("school_id"):
        school_ids = [get_school_for(scope, request.POST["school_id"]).pk]
    kinds = [k for k in request.POST.getlist("kinds") if k in STEP_ORDER] or None
    fix = services.plan_create(
        scope=scope,
        district=_district(request),
        product=product,
        school_ids=school_ids,
        kinds=kinds,
    )
    return redirect("fixes:detail", plan_id=fix.pk)


def _steps(request: HttpRequest) -> list[int]:
    try:
        return [int(v) for v in request.POST.getlist("steps")]
    except ValueError:
        raise InvalidInput("A ticked step is not one of this plan's steps.") from None


def _detail_context(fix: FixPlan, body: dict[str, Any], chosen: list[int]) -> dict[str, Any]:
    freed = dict(
        zip(body.get("chosen", chosen), (s["seats_freed"] for s in body["steps"]), strict=False)
    )
    names = {s.get("id"): s.get("name") for s in body["schools"]}
    rows = [
        {
            "i": i,
            "n": i + 1,
            "step": step,
            "label": LABELS.get(step["kind"], step["kind"]),
            "checked": i in chosen,
            "freed": freed.get(i),
        }
        for i, step in enumerate(fix.plan.get("steps", []))
    ]
    return {
        "fix": fix,
        "rows": rows,
        "schools": body["schools"],
        "unresolved": [
            {**u, "school_name": names.get(u.get("school"), "a school")} for u in body["unresolved"]
        ],
        "stale": body.get("stale", False),
        "total_freed": sum(v for v in freed.values() if v),
        "draft": fix.status == PlanStatus.DRAFT,
    }


@school_admin
def detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    fix = get_fix_plan_for(scope, plan_id)
    chosen = list(range(len(fix.actions))) if fix.chosen is None else list(fix.chosen)
    body = {**fix.plan, "chosen": chosen}
    if fix.applied is not None:  # show what apply did (the ticked steps only)
        body = {**fix.applied, "chosen": chosen}
    ctx = _detail_context(fix, body, chosen)
    school_id = fix.school_ids[0] if fix.school_ids and len(fix.school_ids) == 1 else None
    back = reverse("fixes:plan", kwargs={"school_id": school_id} if school_id else None)
    ctx.update(page_title=f"Fix plan {fix.pk}", back=back)
    return TemplateResponse(request, "fixes/detail.html", ctx)


@school_admin
@require_POST
def preview(request: HttpRequest, plan_id: int) -> HttpResponse:
    """htmx: the totals for the ticked steps, recomputed by the planner on today's roster."""
    scope = request.scope  # type: ignore[attr-defined]
    fix = get_fix_plan_for(scope, plan_id)
    chosen = _steps(request)
    body = services.plan_preview(scope=scope, fix=fix, steps=chosen)
    return TemplateResponse(
        request, "fixes/detail.html#totals", _detail_context(fix, body, body["chosen"])
    )


@school_admin
@require_POST
def apply(request: HttpRequest, plan_id: int) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    fix = get_fix_plan_for(scope, plan_id)
    body = services.plan_apply(scope=scope, fix=fix, steps=_steps(request))
    freed = sum(s["seats_freed"] for s in body["steps"])
    messages.success(
        request,
        f"Fix plan {fix.pk} applied: {context.plural(len(body['steps']), 'step')}, "
        f"{context.plural(freed, 'seat')} freed or added. "
        "Undo puts everything back.",
    )
    return context.seats_changed(redirect("fixes:detail", plan_id=fix.pk))


@school_admin
@require_POST
def undo(request: HttpRequest, plan_id: int) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    fix = get_fix_plan_for(scope, plan_id)
    services.plan_undo(scope=scope, fix=fix)
    messages.success(request, f"Fix plan {fix.pk} undone: every change was put back.")
    return context.seats_changed(redirect("fixes:detail", plan_id=fix.pk))


app_name = "fixes"
urlpatterns = [
    path("", plan, name="plan"),
    path("schools/<int:school_id>/", plan, name="plan"),
    path("create/", create, name="create"),
    path("<int:plan_id>/", detail, name="detail"),
    path("<int:plan_id>/preview/", preview, name="preview"),
    path("<int:plan_id>/apply/", apply, name="apply"),
    path("<int:plan_id>/undo/", undo, name="undo"),
]
