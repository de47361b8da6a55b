"""School admins' everyday roster work (issue 17.8): add a student, create a classroom, open a
class roster (add and remove students), and a student's page with their classrooms, schools
and seats. Every write is a roster service call (audited, ledger synced); the seat figures come
from the ledger (`seats.selectors`) through `roster.selectors`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from seatkeeper.errors import NotFound, SeatkeeperError, invalid
from seatkeeper.roster import services as roster
from seatkeeper.roster.models import Classroom, ClassroomStatus, Term
from seatkeeper.roster.scoping import (
    can_delete_student,
    classrooms_visible,
    get_classroom_for,
    get_student_for,
    get_teacher_for,
    get_term_for,
)
from seatkeeper.roster.selectors import (
    DELETE_STUDENTS,
    UNENROLL_HERE,
    classroom_roster,
    roster_candidates,
    seats_freed_preview,
    student_classrooms_at,
    student_profile,
    students_at_school,
    teacher_list,
)
from seatkeeper.web import context
from seatkeeper.web.policies import school_admin

STUDENT_INPUTS = ("first_name", "last_name", "grade", "student_number", "username", "email")


def _school_classroom(scope: Any, school: Any, classroom_id: int) -> Any:
    classroom = get_classroom_for(scope, classroom_id)
    if classroom.school_id != school.pk or classroom.deleted_at is not None:
        raise NotFound(f"No classroom {classroom_id} at {school.name}.")
    return classroom


def _active_classrooms(scope: Any, school: Any) -> Any:
    return Classroom.objects.filter(
        classrooms_visible(scope),
        school=school,
        status=ClassroomStatus.ACTIVE,
        deleted_at__isnull=True,
    ).order_by("name", "id")


@school_admin
def student_add(request: HttpRequest, school_id: int) -> HttpResponse:
    """GET: the form; POST: create the student (optionally enrolled), then their page."""
    scope, school, product = context.school_page(request, school_id)
    values = {k: request.POST.get(k, "").strip() for k in STUDENT_INPUTS}
    values["classroom"] = request.POST.get("classroom") or request.GET.get("classroom", "")
    error: SeatkeeperError | None = None
    if request.method == "POST":
        classroom = (
            _school_classroom(scope, school, int(values["classroom"]))
            if values["classroom"].isdigit()
            else None
        )
        extra = {
            k: values[k] for k in ("grade", "student_number", "username", "email") if values[k]
        }
        try:
            student = roster.student_create(
                scope=scope,
                district=school.district,
                school=school,
                classroom=classroom,
                first_name=values["first_name"],
                last_name=values["last_name"],
                **extra,
            )
        except SeatkeeperError as exc:
            error = exc  # the form keeps what was typed
        else:
            where = f" and enrolled in {classroom.name}" if classroom else ""
            messages.success(request, f"{student} added to {school.name}{where}.")
            return context.seats_changed(
                redirect("web:student_detail", school_id=school.pk, student_id=student.pk)
            )
    return TemplateResponse(
        request,
        "roster/student_add.html",
        {
            "header": context.school_header(scope, school, product),
            "school": school,
            "product": product,
            "values": values,
            "error": error,
            "classrooms": _active_classrooms(scope, school),
            "page_title": "Add a student",
        },
    )


@school_admin
def student_detail(request: HttpRequest, school_id: int, student_id: int) -> HttpResponse:
    scope, school, product = context.school_page(request, school_id)
    student = get_student_for(scope, student_id)
    profile = student_profile(scope=scope, student=student)
    return TemplateResponse(
        request,
        "roster/student_detail.html",
        {
            "header": context.school_header(scope, school, product),
            "school": school,
            "product": product,
            "profile": profile,
            "student": student,
            "deletable": can_delete_student(scope, student),
            "history_url": context.url_or_none(
                "web:audit_object", kind="student", object_id=student.pk
            ),
            "page_title": str(student),
        },
    )


@school_admin
def classroom_add(request: HttpRequest, school_id: int) -> HttpResponse:
    """GET: the form; POST: create the classroom, then its roster."""
    scope, school, product = context.school_page(request, school_id)
    p = request.POST
    values = {
        "name": p.get("name", "").strip(),
        "course_code": p.get("course_code", "").strip(),
        "term": p.get("term", ""),
        "teacher": p.get("teacher", ""),
    }
    error: SeatkeeperError | None = None
    if request.method == "POST":
        try:
            term = get_term_for(scope, values["term"]) if values["term"].isdigit() else None
            teacher = (
                get_teacher_for(scope, values["teacher"]) if values["teacher"].isdigit() else None
            )
            classroom = roster.classroom_create(
                scope=scope,
                school=school,
                name=values["name"],
                term=term,
                primary_teacher=teacher,
                course_code=values["course_code"],
            )
        except SeatkeeperError as exc:
            error = exc
        else:
            messages.success(request, f"Classroom {classroom.name} created at {school.name}.")
            return redirect("web:classroom_roster", school_id=school.pk, classroom_id=classroom.pk)
    terms = Term.objects.filter(district_id=school.district_id).order_by("-starts_on", "name")
    return TemplateResponse(
        request,
        "roster/classroom_add.html",
        {
            "header": context.school_header(scope, school, product),
            "school": school,
            "product": product,
            "values": values,
            "error": error,
            "terms": terms,
            "teachers": teacher_list(scope=scope, school=school),
            "page_title": "Create a classroom",
        },
    )


@school_admin
def classroom_roster_page(request: HttpRequest, school_id: int, classroom_id: int) -> HttpResponse:
    scope, school, product = context.school_page(request, school_id)
    classroom = _school_classroom(scope, school, classroom_id)
    q = request.GET.get("q", "").strip()
    return TemplateResponse(
        request,
        "roster/classroom_roster.html",
        {
            "header": context.school_header(scope, school, product),
            "school": school,
            "product": product,
            "classroom": classroom,
            "rows": classroom_roster(scope=scope, classroom=classroom, product=product),
            "q": q,
            "found": roster_candidates(scope=scope, classroom=classroom, query=q),
            "history_url": context.url_or_none(
                "web:audit_object", kind="classroom", object_id=classroom.pk
            ),
            "page_title": classroom.name,
        },
    )


@school_admin
@require_POST
def classroom_roster_action(
    request: HttpRequest, school_id: int, classroom_id: int, op: str
) -> HttpResponse:
    """Enroll or un-enroll one student (the roster services; hard enforcement may refuse)."""
    scope, school, _ = context.school_page(request, school_id)
    classroom = _school_classroom(scope, school, classroom_id)
    student = get_student_for(scope, request.POST.get("student"))
    back = reverse("web:classroom_roster", args=[school.pk, classroom.pk])
    if op == "enroll":
        roster.enrollment_create(scope=scope, student=student, classroom=classroom)
        messages.success(request, f"{student} enrolled in {classroom.name}.")
    elif op == "unenroll":
        effect = roster.student_unenroll(scope=scope, student=student, classroom=classroom)
        messages.success(
            request, context.seats_message(f"{student} un-enrolled from {classroom.name}", effect)
        )
    else:
        raise NotFound(f"No action {op!r}.")
    return context.seats_changed(redirect(back))


# --- issue 17.9/17.10: bulk un-enroll, delete and restore on Students, with a confirm page ----

BULK = {
    "unenroll": ("Un-enroll", "un-enrolled from every classroom of {school}"),
    "delete": ("Delete", "deleted (restore from “Deleted students”)"),
    "restore": ("Restore", "restored; their enrollments count again"),
}


def _picked_students(scope: Any, school: Any, ids: list[str], action: str) -> list[Any]:
    wanted = {int(i) for i in ids if str(i).isdigit()}
    if not wanted:
        return []
    return list(
        students_at_school(scope=scope, school=school, deleted=action == "restore")
        .filter(pk__in=wanted)
        .order_by("last_name", "first_name", "id")
    )


def _freed_lines(scope: Any, freed: list[Any]) -> tuple[list[Any], int]:
    """Seats freed per school in the scope, and the seats freed at schools outside it."""
    shown = [f for f in freed if scope.covers_school(f.school.pk)]
    elsewhere = sum(f.seats for f in freed if not scope.covers_school(f.school.pk))
    return shown, elsewhere


@school_admin
def students_bulk(request: HttpRequest, school_id: int) -> HttpResponse:
    """GET: the confirm page saying what the change will do (seats freed, from the what-if
    model); POST: do it (one transaction, each student through the roster services)."""
    scope, school, product = context.school_page(request, school_id)
    data = request.POST if request.method == "POST" else request.GET
    action = data.get("action", "")
    if action not in BULK:
        raise invalid("action", "choose Un-enroll, Delete or Restore", action)
    back = context.safe_back(request, data.get("back"), reverse("web:students", args=[school.pk]))
    picked = _picked_students(scope, school, data.getlist("ids"), action)
    skipped: list[Any] = []
    if action in ("delete", "restore"):
        skipped = [s for s in picked if not can_delete_student(scope, s)]
        picked = [s for s in picked if can_delete_student(scope, s)]
    if not picked:
        messages.warning(
            request,
            "Select at least one student first."
            if not skipped
            else "Only an admin of these students' home school or a district admin may "
            + ("delete" if action == "delete" else "restore")
            + " them.",
        )
        return redirect(back)
    error = ""
    if request.method == "POST":
        if action == "delete" and not request.user.check_password(data.get("password", "")):
            error = "That password is not right. No student was deleted."
        else:
            return _bulk_apply(request, scope, school, action, picked, back)
    freed: list[Any] = []
    if action in (UNENROLL_HERE, DELETE_STUDENTS):
        freed = seats_freed_preview(
            scope=scope, school=school, student_ids=[s.pk for s in picked], kind=action
        )
    shown, elsewhere = _freed_lines(scope, freed)
    return TemplateResponse(
        request,
        "roster/students_confirm.html",
        {
            "header": context.school_header(scope, school, product),
            "school": school,
            "product": product,
            "action": action,
            "verb": BULK[action][0],
            "picked": picked,
            "skipped": skipped,
            "freed": shown,
            "freed_total": sum(f.seats for f in shown) + elsewhere,
            "freed_elsewhere": elsewhere,
            "back": back,
            "error": error,
            "page_title": f"{BULK[action][0]} students",
        },
    )


def _bulk_apply(request, scope, school, action, picked, back):  # type: ignore[no-untyped-def]
    freed = 0
    with transaction.atomic():
        for student in picked:
            if action == "unenroll":
                for c in student_classrooms_at(scope=scope, student=student, school=school):
                    freed += roster.student_unenroll(
                        scope=scope, student=student, classroom=c
                    ).total_freed
            elif action == "delete":
                freed += roster.student_delete(scope=scope, student=student)[1].total_freed
            else:
                roster.student_restore(scope=scope, student=student)
    names = ", ".join(str(s) for s in picked[:3]) + (
        f" and {len(picked) - 3} more" if len(picked) > 3 else ""
    )
    what = f"{context.plural(len(picked), 'student')} {BULK[action][1].format(school=school.name)}"
    if action == "restore":
        messages.success(request, f"{what} ({names}).")
    else:
        messages.success(
            request, context.seats_message(f"{what} ({names})", roster.SeatEffect(0, {"": freed}))
        )
    return context.seats_changed(redirect(back))
