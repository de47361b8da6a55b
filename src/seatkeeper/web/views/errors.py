"""The site-wide error pages (issue 17.5): a styled 404 with the same layout and navigation as
the 403 pages. Wired as `handler404` in seatkeeper/urls.py; API paths keep a JSON problem."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse

from seatkeeper.errors import NotFound, SeatkeeperError
from seatkeeper.web.context import scope_for_request
from seatkeeper.web.nav import shell_for


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "type": "https://seatkeeper.invalid/problems/not_found",
                "title": "Not found",
                "status": 404,
                "detail": "Not found.",
                "code": "not_found",
            },
            status=404,
            content_type="application/problem+json",
        )
    if request.user.is_authenticated and not hasattr(request, "shell"):
        try:
            scope = scope_for_request(request)
            request.scope = scope  # type: ignore[attr-defined]
            request.shell = shell_for(request, scope)  # type: ignore[attr-defined]
        except SeatkeeperError:  # no role yet: the page without navigation
            pass
    error = NotFound("This page does not exist, or you cannot see it. Check the address.")
    response = TemplateResponse(
        request, "web/error.html", {"title": "Page not found", "error": error}, status=404
    )
    response.render()
    response["Cache-Control"] = "no-store"
    return response
