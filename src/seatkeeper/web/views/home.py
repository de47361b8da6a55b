"""Landing page (sends each role to its home), health check and the background-work status."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from seatkeeper.jobs.selectors import worker_status
from seatkeeper.orgs.models import Role
from seatkeeper.orgs.scoping import DISTRICT_ROLES
from seatkeeper.web.policies import public, signed_in


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    shell = request.shell  # type: ignore[attr-defined]
    if scope.role == Role.OPERATOR and scope.district_id is None:
        return redirect("web:choose_district")
    if scope.role in DISTRICT_ROLES and scope.launched_by is None:
        return redirect("web:district_license")
    if scope.role == Role.TEACHER:
        return redirect("web:teacher_home")
    if scope.role == Role.SCHOOL_ADMIN and shell.school is not None:
        return redirect("web:school_license", school_id=shell.school.pk)
    return TemplateResponse(request, "web/no_pages.html", {})


@public
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"ok": True})


@public
def status(request: HttpRequest) -> JsonResponse:
    """`/status`: the database and the background worker (jobs.selectors.worker_status).
    200 while a worker is up, 503 while none is (queued imports then wait)."""
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    worker = worker_status()
    ok = worker["state"] == "up"
    response = JsonResponse(
        {"ok": ok, "database": "up", "worker": worker}, status=200 if ok else 503
    )
    response["Cache-Control"] = "no-store"
    return response
