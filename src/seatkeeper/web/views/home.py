"""Landing page and health check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        "<!doctype html><title>Seatkeeper</title><h1>Seatkeeper</h1>"
        '<p>The API is at <a href="/api/v1/docs">/api/v1/docs</a>.</p>'
    )


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"ok": True})
