"""Manage Classrooms: filters, and bulk Un-Enroll / Archive / Delete / Restore with a
confirmation step that names the classrooms (each action is a roster service call)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from seatkeeper.errors import invalid
from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Term
from seatkeeper.roster.scoping import get_classroom_for
from seatkeeper.roster.selectors import (
    CLASSROOM_SORTS,
    ClassroomFilters,
    classroom_page,
    teacher_list,
)
from seatkeeper.roster.services import SeatEffect
from seatkeeper.web import context
from seatkeeper.web.policies import school_admin

ACTIONS = {
    "unenroll": ("Un-enroll students from", "un-enrolled from"),
    "archive": ("Archive", "archived"),
    "delete": ("Delete", "deleted"),
    "restore": ("Restore", "restored"),
}
STATUSES = [("active", "Active"), ("archived", "Archived"), ("deleted", "Deleted"), ("all", "All")]
ACTIVITY = [
    ("", "Any time"),
    ("30", "No activity for 30+ days"),
    ("90", "90+ days"),
    ("180", "180+ days"),
    ("365", "365+ days"),
]


def _activity_choices(stale_days: int) -> list[tuple[str, str]]:
    """The fixed choices plus the district's own staleness threshold (Settings)."""
    choices = [c for c in ACTIVITY if c[0] != str(stale_days)]
    choices.insert(1, (str(stale_days), f"Stale: {stale_days}+ days (district setting)"))
    return choices


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@school_admin
def classrooms(request: HttpRequest, school_id: int) -> HttpResponse:
    scope, school, product = context.school_page(request, school_id)
    g = request.GET
    status = g.get("status") if g.get("status") in dict(STATUSES) else "active"
    filters = ClassroomFilters(
        term_id=_int(g.get("term")),
        status=status,
        teacher_id=_int(g.get("teacher")),
        inactive_days=_int(g.get("inactive")),
        query=g.get("q", "").strip()[:200],
    )
    page, sort = classroom_page(
        scope=scope,
        school=school,
        product=product,
        filters=filters,
        sort=g.get("sort", "name"),
        page=g.get("page", 1),
    )
    sort_links = {}
    for key in CLASSROOM_SORTS:
        active = sort.lstrip("-") == key
        desc = sort.startswith("-")
        sort_links[key] = {
            "next": f"-{key}" if active and not desc else key,
            "state": ("descending" if desc else "ascending") if active else "none",
        }
    terms = Term.objects.filter(district_id=school.district_id).order_by("-starts_on", "name")
    return TemplateResponse(
        request,
        "classrooms/list.html",
        {
            "header": context.school_header(scope, school, product),
            "school": school,
            "product": product,
            "rows": page.object_list,
            "page": page,
            "sort": sort,
            "sort_links": sort_links,
            "filters": filters,
            "terms": terms,
            "teachers": teacher_list(scope=scope, school=school),
            "statuses": STATUSES,
            "activity": _activity_choices(school.district.stale_classroom_days),
            "today": timezone.localdate(),
            "page_title": "Classrooms",
        },
    )


def _run(scope, action: str, classroom) -> SeatEffect:  # type: ignore[no-untyped-def]
    if action == "unenroll":
        return roster.classroom_unenroll_all(scope=scope, classroom=classroom)
    service = {
        "archive": roster.classroom_archive,
        "delete": roster.classroom_delete,
        "restore": roster.classroom_restore,
    }[action]
    return service(scope=scope, classroom=classroom)[1]


@school_admin
@require_POST
def classrooms_bulk(request: HttpRequest, school_id: int) -> HttpResponse:
    scope, school, product = context.school_page(request, school_id)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise invalid("action", "choose Un-Enroll, Archive, Delete or Restore", action)
    picked = [
        get_classroom_for(scope, pk) for pk in request.POST.getlist("ids") if str(pk).isdigit()
    ]
    picked = [c for c in picked if c.school_id == school.pk]
    back = context.safe_back(
        request, request.POST.get("back"), reverse("web:classrooms", args=[school.pk])
    )
    if not picked:
        messages.warning(request, "Select at least one classroom first.")
        return redirect(back)
    if request.POST.get("confirm") != "yes":
        return TemplateResponse(
            request,
            "classrooms/confirm.html",
            {
                "header": context.school_header(scope, school, product),
                "school": school,
                "product": product,
                "action": action,
                "verb": ACTIONS[action][0],
                "picked": picked,
                "back": back,
                "page_title": "Confirm",
            },
        )
    students = freed = 0
    with transaction.atomic():
        for classroom in picked:
            effect = _run(scope, action, classroom)
            students += effect.students
            freed += effect.total_freed
    names = ", ".join(c.name for c in picked[:3]) + (
        f" and {len(picked) - 3} more" if len(picked) > 3 else ""
    )
    done = ACTIONS[action][1]
    if action == "unenroll":
        what = f"{context.plural(students, 'student')} {done} {names}"
    else:
        what = f"{context.plural(len(picked), 'classroom')} {done} ({names})"
    if action == "restore":
        messages.success(request, f"{what}; seats now used again where licensed.")
    else:
        messages.success(request, context.seats_message(what, SeatEffect(students, {"": freed})))
    return context.seats_changed(redirect(back))
