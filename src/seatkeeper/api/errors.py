"""One place that turns errors into RFC 9457 problem details (`application/problem+json`).

SeatkeeperError -> its status with `type`, `title`, `status`, `detail`, `code`, `errors[]`
(field/message/value) and its `.extra` (CapacityExceeded: school, product, capacity, used).
ninja's ValidationError -> 422 with one `errors[]` item per bad field; HttpError (401 etc.) and
Http404 -> problems too. `install(api)` registers the handlers on the NinjaAPI.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError

from seatkeeper.errors import SeatkeeperError

PROBLEM = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid input",
}


class FieldProblemOut(Schema):
    field: str
    message: str
    value: Any = None


class ProblemOut(Schema):
    """RFC 9457 problem details; extra members (e.g. capacity, used) may follow."""

    type: str
    title: str
    status: int
    detail: str
    code: str | None = None
    errors: list[FieldProblemOut] | None = None

    model_config = {"extra": "allow"}


def problem(status: int, detail: str, *, code: str | None = None, **extra: Any) -> JsonResponse:
    body: dict[str, Any] = {
        "type": f"https://seatkeeper.invalid/problems/{code}" if code else "about:blank",
        "title": TITLES.get(status, "Request failed"),
        "status": status,
        "detail": detail,
        **({"code": code} if code else {}),
        **extra,
    }
    return JsonResponse(
        body, status=status, content_type=PROBLEM, json_dumps_params={"default": str}
    )


def seatkeeper_problem(exc: SeatkeeperError) -> JsonResponse:
    body = exc.as_dict()
    body.pop("detail", None)
    code = body.pop("code", exc.code)
    resp = problem(exc.status, exc.message, code=code, **body)
    return resp


def _on_seatkeeper(request: HttpRequest, exc: SeatkeeperError) -> HttpResponse:
    resp = seatkeeper_problem(exc)
    resp["Content-Language"] = "en"
    return resp


def _field_name(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def _on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for e in exc.errors:
        value = e.get("input")
        if not isinstance(value, (str, int, float, bool, type(None))):
            value = None
        errors.append(
            {"field": _field_name(e.get("loc", ())), "message": e.get("msg", ""), "value": value}
        )
    return problem(422, "The request has invalid fields.", code="invalid", errors=errors)


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {401: "not_authenticated", 403: "forbidden", 404: "not_found"}.get(
        exc.status_code, "error"
    )
    resp = problem(exc.status_code, str(exc), code=code)
    if exc.status_code == 401:
        resp["WWW-Authenticate"] = "Bearer"
    return resp


def _on_404(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(404, "Not found.", code="not_found")


def install(api: NinjaAPI) -> None:
    api.add_exception_handler(SeatkeeperError, _on_seatkeeper)
    api.add_exception_handler(ValidationError, _on_validation)
    api.add_exception_handler(HttpError, _on_http_error)
    api.add_exception_handler(Http404, _on_404)


PROBLEM_STATUSES = (400, 401, 403, 404, 409, 422)


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation may answer the problems the handlers above produce: declare them all,
    as `application/problem+json` (RFC 9457), in the OpenAPI schema."""
    ref = {"$ref": "#/components/schemas/ProblemOut"}
    comps = schema.setdefault("components", {}).setdefault("schemas", {})
    comps.setdefault(
        "ProblemOut", ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    for defn in (
        ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}")
        .get("$defs", {})
        .items()
    ):
        comps.setdefault(*defn)
    comps["ProblemOut"].pop("$defs", None)
    for path_item in schema.get("paths", {}).values():
        for op in path_item.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            responses = op["responses"]
            for status in PROBLEM_STATUSES:
                resp = responses.setdefault(status, {"description": TITLES[status]})
                content = resp.get("content", {})
                body = content.pop("application/json", None) or {"schema": ref}
                content[PROBLEM] = body
                resp["content"] = content
    return schema


def reject_nul(view: Any) -> Any:
    """NUL characters cannot be stored (PostgreSQL text refuses them): answer 422 for any in the
    path, query or body before parsing (added to every operation in api/app.py)."""
    from functools import wraps

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        where = None
        if any("\x00" in str(v) for v in kwargs.values()) or "\x00" in request.path:
            where = "path"
        elif any("\x00" in k or "\x00" in v for k, vs in request.GET.lists() for v in vs):
            where = "query"
        elif request.body and (b"\x00" in request.body or b"\\u0000" in request.body):
            where = "body"
        if where:
            return problem(
                422,
                "NUL characters are not allowed.",
                code="invalid",
                errors=[{"field": where, "message": "contains a NUL character", "value": None}],
            )
        return view(request, *args, **kwargs)

    return wrapper
