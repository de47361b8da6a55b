"""Import page: upload a OneRoster zip (district admins) or a student CSV (school admins too),
see the dry-run summary with its seat effect, then Apply. Every run goes to the background
worker (the request only stores the upload and queues the run), and the run's page shows its
progress at once; past imports are listed with summaries and errors."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from seatkeeper.errors import Conflict, InvalidInput
from seatkeeper.jobs.selectors import worker_status
from seatkeeper.orgs.models import District, RosterSource
from seatkeeper.orgs.scoping import can_manage_district
from seatkeeper.roster.csv_upload import TEMPLATE
from seatkeeper.roster.models import ImportStatus
from seatkeeper.roster.oneroster import archive
from seatkeeper.roster.oneroster.runs import (
    get_import_run_for,
    import_run_apply,
    import_run_create,
    import_runs_visible,
)
from seatkeeper.roster.oneroster.summary import seat_outlook
from seatkeeper.roster.oneroster.undo import import_undo as undo_service
from seatkeeper.web import context, uploads
from seatkeeper.web.policies import district_admin, school_admin


def _upload(request: HttpRequest, kind: str) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    refused = uploads.refusal(request)
    if refused is not None:
        raise refused
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput("Choose a file to upload.")
    district = District.objects.get(pk=scope.require_district())
    run = import_run_create(
        scope=scope,
        district_slug=district.slug,
        kind=kind,
        name=upload.name or "upload",
        data=upload,
        size=upload.size or 0,
    )
    return redirect("web:import_run", run_id=run.pk)


def _page(request: HttpRequest, template: str, **ctx: object) -> TemplateResponse:
    scope = request.scope  # type: ignore[attr-defined]
    runs = import_runs_visible(scope).select_related("actor")[:30]
    limits = archive.Limits.current()
    return TemplateResponse(
        request,
        template,
        {
            "runs": runs,
            "page_title": "Import",
            "template_header": TEMPLATE.splitlines()[0],
            "max_upload_bytes": limits.upload_bytes,
            "max_upload_text": archive.size_text(limits.upload_bytes),
            **ctx,
        },
    )


@district_admin
def imports(request: HttpRequest) -> HttpResponse:
    """District import page: OneRoster zip or student CSV."""
    if request.method == "POST":
        kind = request.POST.get("kind", RosterSource.ONEROSTER)
        return _upload(request, kind)
    return _page(request, "imports/index.html", kinds=True)


@school_admin
def school_import(request: HttpRequest, school_id: int) -> HttpResponse:
    """A school's import page: student CSV for schools without a SIS."""
    scope, school, product = context.school_page(request, school_id)
    if request.method == "POST":
        return _upload(request, RosterSource.CSV)
    return _page(
        request,
        "imports/index.html",
        school=school,
        header=context.school_header(scope, school, product),
    )


@school_admin
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(TEMPLATE, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="seatkeeper-students-template.csv"'
    return response


@school_admin
def import_run(request: HttpRequest, run_id: int) -> HttpResponse:
    """One import: progress while it runs, then its summary (or its errors)."""
    run = get_import_run_for(request.scope, run_id)  # type: ignore[attr-defined]
    running = run.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    ctx = {
        "run": run,
        "summary": run.summary or {},
        "running": running,
        "worker": worker_status() if run.status == ImportStatus.QUEUED else None,
        "page_title": "Import",
        "may_undo": run.status == ImportStatus.APPLIED and can_manage_district(request.scope),  # type: ignore[attr-defined]
    }
    if getattr(request, "htmx", False) and request.GET.get("part") == "progress":
        response = TemplateResponse(request, "imports/run.html#progress", ctx)
        if not running:
            response["HX-Refresh"] = "true"
        return response
    return TemplateResponse(request, "imports/run.html", ctx)


@school_admin
def import_apply(request: HttpRequest, run_id: int) -> HttpResponse:
    """GET: the confirmation (issue 17.10) saying what applying will do, from the dry run's
    summary (computed by the importer inside a rolled-back transaction: what applying yields);
    POST: queue the apply."""
    run = get_import_run_for(request.scope, run_id)  # type: ignore[attr-defined]
    if request.method != "POST":
        if run.status != ImportStatus.PREVIEWED:
            return redirect("web:import_run", run_id=run_id)
        summary = run.summary or {}
        entities = summary.get("entities", {})
        seats = summary.get("seats", [])
        return TemplateResponse(
            request,
            "imports/confirm.html",
            {
                "run": run,
                "summary": summary,
                "totals": {
                    k: sum(int(c.get(k, 0)) for c in entities.values())
                    for k in ("created", "updated", "deleted")
                },
                "changes": [
                    (name, c)
                    for name, c in entities.items()
                    if c.get("created") or c.get("updated") or c.get("deleted")
                ],
                **seat_outlook(seats),
                "held_back": len(summary.get("held_back", [])),
                "page_title": "Apply import",
            },
        )
    applied = import_run_apply(scope=request.scope, run=run)  # type: ignore[attr-defined]
    return context.seats_changed(redirect("web:import_run", run_id=applied.pk))


@district_admin
def import_undo(request: HttpRequest, run_id: int) -> HttpResponse:
    """issue 17.10: undo a whole applied import. GET: the confirmation, from a dry run of the
    undo (what it puts back, the seats per school), or why it cannot be undone now; POST: undo
    it, in one transaction, and go back to the import's page."""
    scope = request.scope  # type: ignore[attr-defined]
    run = get_import_run_for(scope, run_id)
    if request.method == "POST":
        out = undo_service(scope=scope, run=run)
        n = sum(sum(c.get(k, 0) for k in ("created", "updated", "removed")) for c in out["changes"])
        messages.success(
            request, f"Import undone: {n} row{'s' if n != 1 else ''} put back as they were."
        )
        return context.seats_changed(redirect("web:import_run", run_id=run.pk))
    # The dry run of the undo is the confirmation: what it puts back, or why it is refused
    # (changed since, a later import, hard mode over capacity), said before asking.
    try:
        preview, blocked = undo_service(scope=scope, run=run, dry_run=True), ""
    except Conflict as exc:
        preview, blocked = {}, exc.message
    return TemplateResponse(
        request,
        "imports/undo.html",
        {
            "run": run,
            "blocked": blocked,
            "changes": preview.get("changes", []),
            **seat_outlook(preview.get("seats", [])),
            "page_title": "Undo import",
        },
    )
