"""De-Dup review pages: duplicate students (or teachers) of a school, and district-wide.

Thin views: parse, authorize (policies + orgs.scoping), call dedup selectors/services, render.
A school's review runs inline (a school is small); the district-wide review runs through the
task queue (dedup.tasks) and the page polls the run's progress with htmx.
This module is included at "dedup/" under the namespace "dedup".
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from seatkeeper.dedup import selectors, services
from seatkeeper.dedup.models import DetectionRun, Kind, RunStatus
from seatkeeper.dedup.tasks import detection_start
from seatkeeper.errors import InvalidInput, NotFound
from seatkeeper.orgs.models import District
from seatkeeper.roster.scoping import get_student_for, get_teacher_for
from seatkeeper.roster.services import student_delete
from seatkeeper.web import context
from seatkeeper.web.policies import back_url, district_admin, school_admin

KINDS = {"students": Kind.STUDENT, "teachers": Kind.TEACHER}


def _kind(request: HttpRequest) -> str:
    return (
        "teachers"
        if request.GET.get("kind", request.POST.get("kind")) == "teachers"
        else "students"
    )


def _ids(request: HttpRequest, name: str) -> list[int]:
    try:
        return [int(v) for v in request.POST.getlist(name)]
    except ValueError:
        raise InvalidInput(f"{name}: not an account id") from None


def _district(request: HttpRequest) -> District:
    return District.objects.get(pk=request.scope.require_district())  # type: ignore[attr-defined]


@school_admin
def review(request: HttpRequest, school_id: int) -> HttpResponse:
    """Duplicate groups of one school: evidence, in use, merge / not duplicates / delete."""
    scope, school, product = context.school_page(request, school_id)
    kind = _kind(request)
    find = (
        selectors.student_duplicate_groups
        if kind == "students"
        else selectors.teacher_duplicate_groups
    )
    groups = find(scope=scope, district=_district(request), school_ids=[school.pk])
    return TemplateResponse(
        request,
        "dedup/review.html",
        {
            "school": school,
            "header": context.school_header(scope, school, product),
            "page_title": "De-Dup",
            "kind": kind,
            "groups": [g.as_dict() for g in groups],
            "seats_total": sum(g.seats_freed for g in groups),
            "last_merge": request.session.get("dedup.last_merge"),
        },
    )


@district_admin
def district_review(request: HttpRequest) -> HttpResponse:
    """District-wide review: the latest run (queued through the task library) and its groups."""
    kind = _kind(request)
    district = _district(request)
    run = DetectionRun.objects.filter(district=district, kind=KINDS[kind]).first()
    ctx = _run_context(run)
    # issue 17.9: paging, the school of each group, and "merge all certain groups"
    page = Paginator(ctx["groups"], GROUPS_PER_PAGE).get_page(request.GET.get("page", 1))
    groups = [dict(g) for g in page.object_list]
    schools = selectors.account_schools(
        district_id=district.pk, kind=kind, ids=[a["id"] for g in groups for a in g["accounts"]]
    )
    for g in groups:
        names = sorted({schools.get(a["id"], "") for a in g["accounts"]} - {""})
        g["schools"] = names
    certain = [g for g in ctx["groups"] if services.is_certain(g)]
    return TemplateResponse(
        request,
        "dedup/district.html",
        {
            "district": district,
            "kind": kind,
            "run": run,
            "last_merge": request.session.get("dedup.last_merge"),
            "last_batch": request.session.get("dedup.last_batch"),
            **ctx,
            "groups": groups,
            "groups_total": len(ctx["groups"]),
            "page": page,
            "certain": len(certain),
            "certain_seats": sum(g["seats_freed"] for g in certain),
            "certain_score": services.CERTAIN_SCORE,
        },
    )


GROUPS_PER_PAGE = 25


@district_admin
@require_POST
def district_merge_certain(request: HttpRequest) -> HttpResponse:
    """issue 17.9: merge every certain group of the latest district run, in one batch."""
    district = _district(request)
    run = DetectionRun.objects.filter(
        district=district, kind=Kind.STUDENT, status=RunStatus.DONE
    ).first()
    groups = (run.result or {}).get("groups", []) if run else []
    result = services.students_merge_certain(scope=request.scope, groups=groups)  # type: ignore[attr-defined]
    if result.batch is None:
        messages.warning(request, "No certain group left to merge; run the detection again.")
    else:
        request.session["dedup.last_batch"] = [str(result.batch), result.merges]
        messages.success(
            request,
            f"Merged {context.plural(result.merges, 'certain group')}; "
            f"{context.plural(result.seats_freed, 'seat')} freed"
            + (
                f" ({result.skipped} skipped: their accounts changed since the run)."
                if result.skipped
                else "."
            )
            + " You can undo them all at once.",
        )
    return redirect(f"{reverse('dedup:district')}?kind=students")


@district_admin
@require_POST
def district_batch_undo(request: HttpRequest) -> HttpResponse:
    try:
        batch = uuid.UUID(request.POST.get("batch", ""))
    except ValueError:
        raise InvalidInput("batch: not a merge batch") from None
    n = services.students_merge_batch_undo(scope=request.scope, batch=batch)  # type: ignore[attr-defined]
    request.session.pop("dedup.last_batch", None)
    messages.success(request, f"Undid {context.plural(n, 'merge')}: every account is back.")
    return redirect(f"{reverse('dedup:district')}?kind=students")


def _run_context(run: DetectionRun | None) -> dict[str, Any]:
    groups = (run.result or {}).get("groups", []) if run else []
    return {"groups": groups, "seats_total": sum(g["seats_freed"] for g in groups)}


@district_admin
@require_POST
def district_run(request: HttpRequest) -> HttpResponse:
    kind = _kind(request)
    detection_start(scope=request.scope, district=_district(request), kind=KINDS[kind])  # type: ignore[attr-defined]
    return redirect(f"{reverse('dedup:district')}?kind={kind}")


@district_admin
def run_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    run = DetectionRun.objects.filter(
        pk=run_id, district_id=request.scope.require_district()
    ).first()  # type: ignore[attr-defined]
    if run is None:
        raise NotFound(f"No run {run_id}.")
    response = TemplateResponse(
        request,
        "dedup/district.html#run",
        {"run": run, "kind": _kind(request), **_run_context(run)},
    )
    if run.status in (RunStatus.DONE, RunStatus.FAILED):
        response["HX-Refresh"] = "true"  # show the finished result in full
    return response


@school_admin
@require_POST
def merge(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    kind = _kind(request)
    raw_keeper = str(request.POST.get("keeper", "") or "0").strip()
    if not raw_keeper.isdigit():
        raise InvalidInput("Choose which account to keep.")
    keeper_id = int(raw_keeper)
    others = [i for i in _ids(request, "ids") if i != keeper_id]
    if kind == "students":
        result = services.students_merge(
            scope=scope,
            keeper=get_student_for(scope, keeper_id),
            others=[get_student_for(scope, i) for i in others],
        )
        freed = result.seats_freed
        messages.success(
            request,
            f"Merged {context.plural(len(others), 'account')} into #{keeper_id}; "
            f"{context.plural(freed, 'seat')} freed.",
        )
    else:
        result = services.teachers_merge(
            scope=scope,
            keeper=get_teacher_for(scope, keeper_id),
            others=[get_teacher_for(scope, i) for i in others],
        )
        messages.success(
            request, f"Merged {context.plural(len(others), 'teacher account')} into #{keeper_id}."
        )
    request.session["dedup.last_merge"] = [result.merge.pk, kind]
    return HttpResponseRedirect(back_url(request))


@school_admin
@require_POST
def undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    kind = KINDS[_kind(request)]
    m = services.get_merge_for(scope, merge_id, kind)
    (services.students_merge_undo if kind == Kind.STUDENT else services.teachers_merge_undo)(
        scope=scope, merge=m
    )
    request.session.pop("dedup.last_merge", None)
    messages.success(request, f"Merge #{merge_id} undone: both accounts are back as they were.")
    return HttpResponseRedirect(back_url(request))


@school_admin
@require_POST
def not_duplicates(request: HttpRequest) -> HttpResponse:
    kind = KINDS[_kind(request)]
    services.not_duplicates_mark(scope=request.scope, kind=kind, ids=_ids(request, "ids"))  # type: ignore[attr-defined]
    messages.success(request, "Marked as different people; they will not be suggested again.")
    return HttpResponseRedirect(back_url(request))


@school_admin
@require_POST
def delete_unused(request: HttpRequest, student_id: int) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    _, effect = student_delete(scope=scope, student=get_student_for(scope, student_id))
    messages.success(
        request, context.seats_message(f"Account #{student_id} deleted (restorable)", effect)
    )
    return HttpResponseRedirect(back_url(request))


app_name = "dedup"
urlpatterns = [
    path("schools/<int:school_id>/", review, name="review"),
    path("district/", district_review, name="district"),
    path("district/run/", district_run, name="district_run"),
    path("district/merge-certain/", district_merge_certain, name="district_merge_certain"),
    path("district/undo-batch/", district_batch_undo, name="district_batch_undo"),
    path("runs/<int:run_id>/", run_progress, name="run_progress"),
    path("merge/", merge, name="merge"),
    path("merges/<int:merge_id>/undo/", undo, name="undo"),
    path("not-duplicates/", not_duplicates, name="not_duplicates"),
    path("students/<int:student_id>/delete/", delete_unused, name="delete_unused"),
]
