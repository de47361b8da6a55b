"""Teacher view: my classrooms; enroll, un-enroll, and create students where the setting allows
(the service refuses otherwise, and hard enforcement may refuse enrolling; both become messages)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from seatkeeper.errors import NotFound
from seatkeeper.orgs.models import District
from seatkeeper.orgs.services import teachers_may_create_students
from seatkeeper.roster import services as roster
from seatkeeper.roster.scoping import get_classroom_for, get_student_for
from seatkeeper.roster.selectors import classroom_students, my_classrooms, students_at_school
from seatkeeper.web.policies import teacher


@teacher
def teacher_home(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    return TemplateResponse(
        request, "teacher/home.html", {"classrooms": my_classrooms(scope=scope)}
    )


@teacher
def classroom(request: HttpRequest, classroom_id: int) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    c = get_classroom_for(scope, classroom_id)
    district = District.objects.get(pk=c.district_id)
    enrolled = list(classroom_students(scope=scope, classroom=c))
    q = request.GET.get("q", "").strip()
    found = []
    if q:
        ids = {s.pk for s in enrolled}
        found = list(
            students_at_school(scope=scope, school=c.school)
            .filter(Q(last_name__icontains=q) | Q(first_name__icontains=q))
            .exclude(pk__in=ids)
            .order_by("last_name", "first_name", "id")[:20]
        )
    return TemplateResponse(
        request,
        "teacher/classroom.html",
        {
            "classroom": c,
            "students": enrolled,
            "q": q,
            "found": found,
            "may_create": teachers_may_create_students(c.school, district),
        },
    )


@teacher
@require_POST
def classroom_action(request: HttpRequest, classroom_id: int, op: str) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    c = get_classroom_for(scope, classroom_id)
    back = reverse("web:teacher_classroom", args=[c.pk])
    if op == "enroll":
        student = get_student_for(scope, request.POST.get("student"))
        roster.enrollment_create(scope=scope, student=student, classroom=c)
        messages.success(request, f"{student} enrolled in {c.name}.")
    elif op == "unenroll":
        student = get_student_for(scope, request.POST.get("student"))
        effect = roster.student_unenroll(scope=scope, student=student, classroom=c)
        freed = effect.total_freed
        messages.success(
            request,
            f"{student} un-enrolled from {c.name}"
            + (f"; {freed} seat{'s' if freed != 1 else ''} freed." if freed else "."),
        )
    elif op == "create":
        district = District.objects.get(pk=c.district_id)
        student = roster.student_create(
            scope=scope,
            district=district,
            classroom=c,
            first_name=request.POST.get("first_name", ""),
            last_name=request.POST.get("last_name", ""),
        )
        messages.success(request, f"{student} created and enrolled in {c.name}.")
    else:
        raise NotFound(f"No action {op!r}.")
    return redirect(back)
