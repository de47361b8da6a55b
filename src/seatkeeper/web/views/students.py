"""Manage Students: server-side search, sort and pagination; un-enroll, delete (re-asks the
admin's password), restore; the De-Dup button appears once the duplicate review exists."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from seatkeeper.errors import Forbidden, NotFound
from seatkeeper.roster import services as roster
from seatkeeper.roster.scoping import can_delete_student, get_student_for
from seatkeeper.roster.selectors import (
    DELETE_STUDENTS,
    STUDENT_SORTS,
    seats_freed_preview,
    student_classrooms_at,
    student_page,
)
from seatkeeper.web import context
from seatkeeper.web.policies import school_admin

SORT_LABELS = {
    "name": "Name",
    "seat": "Seat",
    "last_sign_in": "Last sign-in",
    "created": "Created",
}
SEAT_CHOICES = [("", "Any"), ("held", "Holds a seat"), ("none", "No seat")]
INACTIVE_CHOICES = [
    ("", "Any time"),
    ("30", "No sign-in for 30+ days"),
    ("90", "90+ days"),
    ("180", "180+ days"),
    ("365", "365+ days"),
]


def _dedup_url(school_id: int) -> str | None:
    return (
        context.url_or_none("dedup:review", school_id=school_id)
        or context.url_or_none("dedup:students", school_id=school_id)
        or context.url_or_none("dedup:review")
        or context.url_or_none("dedup:students")
        or context.url_or_none("dedup:home")
    )


@school_admin
def students(request: HttpRequest, school_id: int) -> HttpResponse:
    scope, school, product = context.school_page(request, school_id)
    g = request.GET
    result = student_page(
        scope=scope,
        school=school,
        product=product,
        query=g.get("q", ""),
        sort=g.get("sort", "name"),
        page=g.get("page", 1),
        deleted=g.get("show") == "deleted",
        seat=g.get("seat", ""),
        grade=g.get("grade", "")[:20],
        inactive_days=int(g["inactive"]) if g.get("inactive", "").isdigit() else None,
    )
    sort_links = []
    for key, label in SORT_LABELS.items():
        active = result.sort.lstrip("-") == key
        desc = result.sort.startswith("-")
        nxt = f"-{key}" if active and not desc else key
        state = ("descending" if desc else "ascending") if active else "none"
        sort_links.append({"key": key, "label": label, "next": nxt, "state": state})
    fragment = context.wants_fragment(request)
    template = "students/list.html#results" if fragment else "students/list.html"
    return TemplateResponse(
        request,
        template,
        {
            # A search fragment does not show the header: skip its seat count.
            "header": None if fragment else context.school_header(scope, school, product),
            "school": school,
            "product": product,
            "result": result,
            # Delete/restore apply district-wide: only for the home school's admins (issue 19).
            "deletable": {
                r.student.pk for r in result.rows if can_delete_student(scope, r.student)
            },
            "sort_links": sort_links,
            "dedup_url": _dedup_url(school.pk),
            "page_title": "Students",
            "sorts": STUDENT_SORTS,
            "seat_choices": SEAT_CHOICES,
            "inactive_choices": INACTIVE_CHOICES,
            "inactive_value": str(result.inactive_days or ""),
        },
    )


@school_admin
def student_action(request: HttpRequest, school_id: int, student_id: int, op: str) -> HttpResponse:
    scope, school, product = context.school_page(request, school_id)
    student = get_student_for(scope, student_id)
    back = context.safe_back(
        request,
        request.POST.get("back") or request.GET.get("back"),
        reverse("web:students", args=[school.pk]),
    )
    if request.method != "POST":
        if op != "delete":
            raise NotFound("No such page.")
        if not can_delete_student(scope, student):
            raise Forbidden(
                f"Only an admin of {student}'s home school or a district admin may delete "
                "this account; you may un-enroll them from this school's classrooms."
            )
        return _confirm_delete(request, scope, school, product, student, back, error="")
    if op == "unenroll":
        classrooms = student_classrooms_at(scope=scope, student=student, school=school)
        students_n = freed = 0
        with transaction.atomic():
            for c in classrooms:
                effect = roster.student_unenroll(scope=scope, student=student, classroom=c)
                students_n = max(students_n, effect.students)
                freed += effect.total_freed
        names = ", ".join(c.name for c in classrooms) or "no classroom"
        messages.success(
            request,
            context.seats_message(
                f"{student} un-enrolled from {names}", roster.SeatEffect(students_n, {"": freed})
            ),
        )
    elif op == "delete":
        if not request.user.check_password(request.POST.get("password", "")):
            return _confirm_delete(
                request,
                scope,
                school,
                product,
                student,
                back,
                error="That password is not right. The student was not deleted.",
            )
        _, effect = roster.student_delete(scope=scope, student=student)
        messages.success(
            request,
            context.seats_message(f"{student} deleted (restore from “Deleted students”)", effect),
        )
    elif op == "restore":
        roster.student_restore(scope=scope, student=student)
        messages.success(request, f"{student} restored; their enrollments count again.")
    else:
        raise NotFound(f"No action {op!r}.")
    return context.seats_changed(redirect(back))


def _confirm_delete(request, scope, school, product, student, back, *, error):  # type: ignore[no-untyped-def]
    # issue 17.10: say what the deletion frees (the what-if model), in the admin's scope
    freed = seats_freed_preview(
        scope=scope, school=school, student_ids=[student.pk], kind=DELETE_STUDENTS
    )
    elsewhere = sum(f.seats for f in freed if not scope.covers_school(f.school.pk))
    freed = [f for f in freed if scope.covers_school(f.school.pk)]
    return TemplateResponse(
        request,
        "students/confirm_delete.html",
        {
            "header": context.school_header(scope, school, product),
            "school": school,
            "product": product,
            "student": student,
            "back": back,
            "error": error,
            "freed": freed,
            "freed_elsewhere": elsewhere,
            "freed_total": sum(f.seats for f in freed) + elsewhere,
            "page_title": "Delete student",
        },
        status=200,  # htmx (boosted form) swaps only 2xx answers
    )
