"""Teacher view: my classrooms; enroll, un-enroll, and create students where the setting allows
(the service refuses otherwise, and hard enforcement may refuse enrolling; both become messages)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from seatkeeper.dedup.selectors import likely_duplicates_of_new_student
from seatkeeper.errors import NotFound
from seatkeeper.orgs.models import District
from seatkeeper.orgs.services import teachers_may_create_students
from seatkeeper.roster import services as roster
from seatkeeper.roster.scoping import get_classroom_for, get_student_for
from seatkeeper.roster.search import folded_contains
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
            .filter(folded_contains(("last_name", "first_name"), q))  # issue 17.14
            .exclude(pk__in=ids)
            .order_by("last_name", "first_name", "id")[:20]
        )
    # issue 17.4: a new student whose name matches one already in the class is held back with
    # a warning first (the de-dup scorer, as the importer's review does); "Create anyway" posts
    # again with confirm=yes. The warning is a GET (POST/redirect/GET), so a reload is harmless.
    new_first = request.GET.get("first_name", "")
    new_last = request.GET.get("last_name", "")
    likely = (
        likely_duplicates_of_new_student(
            candidates=enrolled, first_name=new_first, last_name=new_last
        )
        if (new_first or new_last) and request.GET.get("check") == "duplicate"
        else []
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
            "new_first": new_first,
            "new_last": new_last,
            "likely": likely,
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
        first = request.POST.get("first_name", "")
        last = request.POST.get("last_name", "")
        if request.POST.get("confirm") != "yes" and likely_duplicates_of_new_student(
            candidates=classroom_students(scope=scope, classroom=c),
            first_name=first,
            last_name=last,
        ):
            query = urlencode({"check": "duplicate", "first_name": first, "last_name": last})
            return redirect(f"{back}?{query}#create-h")
        district = District.objects.get(pk=c.district_id)
        student = roster.student_create(
            scope=scope,
            district=district,
            classroom=c,
            first_name=first,
            last_name=last,
        )
        messages.success(request, f"{student} created and enrolled in {c.name}.")
    else:
        raise NotFound(f"No action {op!r}.")
    return redirect(back)
