"""Access policies: every web view is wrapped in exactly one of these decorators.

A policy (1) sends anonymous users to sign in, (2) builds `request.scope` through
`web.context.scope_for_request`, (3) checks the role, and (4) turns our errors into pages:
NotFound -> 404 (absent and out of scope look the same), Forbidden -> 403 page,
other SeatkeeperError on a POST -> an error message and back to the page, and (5) marks every
answer `Cache-Control: no-store` (they show student data). The decorated view
carries `access_policy`, which `tests/web/test_policies.py` checks for every URL of the web app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from seatkeeper.errors import Forbidden, InvalidInput, NotFound, SeatkeeperError
from seatkeeper.orgs.models import Role
from seatkeeper.web.context import scope_for_request
from seatkeeper.web.nav import shell_for

View = Callable[..., HttpResponse]

DISTRICT = frozenset({Role.OPERATOR, Role.DISTRICT_ADMIN})
SCHOOL = frozenset({Role.OPERATOR, Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN})
TEACHER = frozenset({Role.TEACHER})
ANY_ROLE = frozenset(Role.values)


def back_url(request: HttpRequest, default: str | None = None) -> str:
    """Where to return after a failed POST: a safe `next`, the referrer, or this path."""
    for candidate in (request.POST.get("next"), request.META.get("HTTP_REFERER")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return default or request.get_full_path()


def problem_texts(exc: SeatkeeperError) -> list[str]:
    """The field problems of an error as a person reads them (issue 17.6): never an internal
    field name, never the summary again; where it happened (file, line, column) when known."""
    out: list[str] = []
    for p in exc.problems:
        where = ", ".join(
            part
            for part in (
                p.file or "",
                f"line {p.line}" if p.line is not None else "",
                f"column {p.column}" if p.column else "",
            )
            if part
        )
        text = f"{where}: {p.message}" if where else p.message
        if text != exc.message and text not in out:
            out.append(text)
    return out


def refuse_nul_bytes(request: HttpRequest) -> None:
    """A NUL character cannot be stored (PostgreSQL refuses it with an error): any field that
    holds one is refused before the view runs, with a clear message (issue 17 crawl)."""
    sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
    for data in sources:
        for key, values in data.lists():
            if any("\x00" in v for v in values) or "\x00" in key:
                raise InvalidInput("A field holds a NUL character, which cannot be stored.")


def _page_of_action(request: HttpRequest) -> str:
    """The nearest page above an action URL that a GET may open (its path, shortened)."""
    from django.urls import Resolver404, resolve

    parts = request.path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        candidate = "/".join(parts) + "/"
        try:
            resolve(candidate)
        except Resolver404:
            continue
        return candidate  # a POST-only parent answers the same way, one level further up
    return "/"


def error_response(request: HttpRequest, exc: SeatkeeperError) -> HttpResponse:
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    if request.method == "GET":
        return TemplateResponse(
            request, "web/error.html", {"title": exc.title, "error": exc}, status=exc.status
        )
    messages.error(request, exc.message)
    for text in problem_texts(exc):
        messages.error(request, text)
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = back_url(request)
        return response
    return HttpResponseRedirect(back_url(request))


def public(view: View) -> View:
    """No sign-in needed (sign-in page, health check)."""
    view.access_policy = "public"  # type: ignore[attr-defined]
    return view


def _policy(
    name: str, roles: Iterable[str], *, launched: bool | None = None
) -> Callable[[View], View]:
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                # A query too long to carry through sign-in is dropped (Django refuses a
                # redirect over 16 KiB): back to this page without it (issue 17 crawl).
                back = request.get_full_path()
                return redirect_to_login(back if len(back) < 4000 else request.path)
            try:
                scope = scope_for_request(request)
            except NotFound as exc:
                return TemplateResponse(
                    request, "web/error.html", {"title": "No role yet", "error": exc}, status=403
                )
            request.scope = scope  # type: ignore[attr-defined]
            request.shell = shell_for(request, scope)  # type: ignore[attr-defined]
            if scope.role not in allowed:
                return TemplateResponse(
                    request,
                    "web/error.html",
                    {
                        "title": "Not allowed",
                        "error": Forbidden("Your role cannot open this page."),
                    },
                    status=403,
                )
            if launched is False and scope.launched_by is not None:
                return TemplateResponse(
                    request,
                    "web/error.html",
                    {
                        "title": "Acting as a school admin",
                        "error": Forbidden("Return to the district to open district pages."),
                    },
                    status=403,
                )
            try:
                refuse_nul_bytes(request)
                response = view(request, *args, **kwargs)
                if isinstance(response, TemplateResponse):
                    response.render()
            except SeatkeeperError as exc:
                response = error_response(request, exc)
            if request.method == "GET" and response.status_code == 405:
                # POST/redirect/GET (issue 17.3): reloading or bookmarking an action's URL
                # never shows a bare 405; it goes back to the page the action belongs to.
                response = HttpResponseRedirect(_page_of_action(request))
            # Pages behind sign-in show student data: no browser or proxy may keep a copy
            # (the back button after sign-out, a shared classroom computer; issue 19).
            add_never_cache_headers(response)
            return response

        wrapped.access_policy = name  # type: ignore[attr-defined]
        return wrapped

    return decorator


signed_in = _policy("signed_in", ANY_ROLE)
"""Any signed-in user with a role (home, password change)."""

district_admin = _policy("district_admin", DISTRICT, launched=False)
"""District admins and operators, not while launched into a school."""

school_admin = _policy("school_admin", SCHOOL)
"""School admins of the school in the URL, and district admins (launched or not)."""

teacher = _policy("teacher", TEACHER)
"""Teachers: their own classrooms only (scoping does the narrowing)."""

operator = _policy("operator", frozenset({Role.OPERATOR}))
"""Platform operators only (issue 17.12: districts, purchases, users and roles)."""
