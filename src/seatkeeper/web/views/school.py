"""School admin: Manage License (capacity, access switches), the school header, Manage Teachers."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from seatkeeper.errors import NotFound
from seatkeeper.orgs import services as orgs
from seatkeeper.roster import services as roster
from seatkeeper.roster.scoping import get_teacher_for
from seatkeeper.roster.selectors import teacher_list, teacher_seats
from seatkeeper.roster.services import access_switch
from seatkeeper.seats.selectors import school_history, seats_taken_if_on, today
from seatkeeper.web import charts, context
from seatkeeper.web.policies import school_admin


def _license_context(request: HttpRequest, school_id: int) -> dict[str, object]:
    scope, school, product = context.school_page(request, school_id)
    header = context.school_header(scope, school, product)
    rows = teacher_seats(scope=scope, school=school, product=product)
    # issue 17.10: what turning access ON would take, and whether it pushes the school over
    taken = seats_taken_if_on(
        district_id=school.district_id,
        school_id=school.pk,
        product_id=product.pk,
        teacher_ids=[r.teacher.pk for r in rows if not r.access_on],
    )
    remaining = header.usage.remaining
    range_kind, start = charts.window(request.GET.get("range", "90"), today())
    points = school_history(scope=scope, school=school, product=product, start=start, end=today())
    return {
        "trend": charts.school_lines(points, start, today()),
        "range": range_kind,
        "header": header,
        "school": school,
        "product": product,
        "rows": rows,
        "taken_if_on": taken,
        "over_if_on": {t: n - remaining for t, n in taken.items() if n > 0 and n > remaining},
        "page_title": "License",
    }


@school_admin
def school_license(request: HttpRequest, school_id: int) -> HttpResponse:
    return TemplateResponse(request, "school/license.html", _license_context(request, school_id))


@school_admin
def header(request: HttpRequest, school_id: int) -> HttpResponse:
    """The school header alone: htmx re-fetches it on the `seats-changed` event."""
    scope, school, product = context.school_page(request, school_id)
    return TemplateResponse(
        request,
        "web/_school_header.html",
        {
            "header": context.school_header(scope, school, product),
            "page_title": request.GET.get("title", ""),
        },
    )


@school_admin
@require_POST
def access_toggle(request: HttpRequest, school_id: int, teacher_id: int) -> HttpResponse:
    scope, school, product = context.school_page(request, school_id)
    teacher = get_teacher_for(scope, teacher_id)
    on = request.POST.get("on") == "1"
    _, effect = access_switch(scope=scope, teacher=teacher, product=product, on=on)
    change = effect.total_freed
    if on:
        text = (
            f"{teacher} now has {product.name} access; {context.plural(-change, 'seat')} now used."
        )
    else:
        text = f"{teacher} no longer has {product.name} access; {context.plural(change, 'seat')} freed."
    messages.success(request, text)
    if context.wants_fragment(request):
        response = TemplateResponse(
            request, "school/license.html#teachers", _license_context(request, school_id)
        )
        return context.seats_changed(response)
    return redirect(f"{reverse('web:school_license', args=[school.pk])}?product={product.code}")


@school_admin
def teachers(request: HttpRequest, school_id: int) -> HttpResponse:
    scope, school, product = context.school_page(request, school_id)
    show_deleted = request.GET.get("show") == "deleted"
    return TemplateResponse(
        request,
        "school/teachers.html",
        {
            "header": context.school_header(scope, school, product),
            "school": school,
            "teachers": teacher_list(scope=scope, school=school, deleted=show_deleted),
            "show_deleted": show_deleted,
            "page_title": "Teachers",
            "district_allows": school.district.teachers_may_create_students,
            "school_tightened": school.teachers_may_create_students is False,
        },
    )


@school_admin
@require_POST
def teacher_add(request: HttpRequest, school_id: int) -> HttpResponse:
    """Add a teacher to the school (the URL names no teacher: issue 19)."""
    scope, school, _ = context.school_page(request, school_id)
    t = roster.teacher_create(
        scope=scope,
        district=school.district,
        school=school,
        first_name=request.POST.get("first_name", ""),
        last_name=request.POST.get("last_name", ""),
        email=request.POST.get("email", ""),
    )
    messages.success(request, f"{t} added to {school.name}.")
    return redirect("web:teachers", school_id=school.pk)


@school_admin
@require_POST
def teacher_student_creation(request: HttpRequest, school_id: int) -> HttpResponse:
    """The school's setting: may its teachers create student accounts (tighten only)."""
    scope, school, _ = context.school_page(request, school_id)
    allow = request.POST.get("allow") == "district"
    orgs.school_update(
        scope=scope, school=school, teachers_may_create_students=None if allow else False
    )
    messages.success(
        request,
        f"Teachers at {school.name} "
        + (
            "follow the district setting for creating students."
            if allow
            else "may not create student accounts."
        ),
    )
    return redirect("web:teachers", school_id=school.pk)


@school_admin
@require_POST
def teacher_action(request: HttpRequest, school_id: int, teacher_id: int, op: str) -> HttpResponse:
    """Delete or restore one teacher: the teacher in the URL, found within the scope."""
    scope, school, _ = context.school_page(request, school_id)
    url = reverse("web:teachers", args=[school.pk])
    if op not in ("delete", "restore"):
        raise NotFound(f"No action {op!r}.")
    teacher = get_teacher_for(scope, teacher_id)
    if op == "delete":
        roster.teacher_delete(scope=scope, teacher=teacher)
        messages.success(
            request, f"{teacher} deleted; their classrooms no longer count. Restore undoes this."
        )
    else:
        roster.teacher_restore(scope=scope, teacher=teacher)
        messages.success(request, f"{teacher} restored.")
        url += "?show=deleted"
    return context.seats_changed(redirect(url))
