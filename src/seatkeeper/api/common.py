"""Shared pieces for API routers: the caller's scope, pagination, common responses.

- `scope_from_request(request, slug)` -> (Scope, District): the authenticated user's scope bound to
  the district in the URL (NotFound -> 404 outside it). Integration-role users (the learning
  platform) get NotFound everywhere except where a handler passes `integration=True`.
- `paginate(qs, page, out)` -> {"count", "limit", "offset", "next", "items"}; use `PageParams` as
  a `Query[...]` parameter and `page_of(Schema)` as the response schema.
- `ERRORS` is the response map for documented problem responses; spread it into `response=`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import BeforeValidator, StrictBool, StrictInt, create_model, model_validator

from seatkeeper.api.errors import ProblemOut
from seatkeeper.errors import NotFound
from seatkeeper.orgs.models import District, Role
from seatkeeper.orgs.scoping import Scope, district_for
from seatkeeper.roster.scoping import scope_for_user

MAX_LIMIT = 500
MAX_ID = 2**63 - 1
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso(pattern: re.Pattern[str], what: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, (dt.date, dt.datetime)):
            return value
        if not isinstance(value, str) or not pattern.match(value):
            raise ValueError(f"must be an ISO 8601 {what}")
        return value

    return check


# Input types: exact (no "0" -> epoch dates, no 0 -> false), ids bounded to the database's range.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
StrictId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Count = Annotated[StrictInt, Field(ge=0, le=10_000_000)]
Positive = Annotated[StrictInt, Field(ge=1, le=10_000_000)]
Days = Annotated[StrictInt, Field(ge=1, le=3650)]
Bool = StrictBool
Date = Annotated[dt.date, BeforeValidator(_iso(_DATE, "date (YYYY-MM-DD)"))]
DateTime = Annotated[dt.datetime, BeforeValidator(_iso(_DATETIME, "date-time"))]


class In(Schema):
    """Base of request bodies: a JSON object, nothing else (ninja would read attributes of any
    value, so `false` or `[]` would pass as an empty object)."""

    @model_validator(mode="before")
    @classmethod
    def _object_only(cls, data: Any) -> Any:
        if not isinstance(getattr(data, "_obj", data), dict):  # ninja wraps it in a DjangoGetter
            raise ValueError("the body must be a JSON object")
        return data


ERRORS: dict[int, Any] = {
    400: ProblemOut,
    401: ProblemOut,
    403: ProblemOut,
    404: ProblemOut,
    409: ProblemOut,
    422: ProblemOut,
}


def scope_from_request(
    request: HttpRequest, slug: str, *, integration: bool = False
) -> tuple[Scope, District]:
    user = getattr(request, "auth", None) or request.user
    scope = scope_for_user(user, via="api")
    if scope.role == Role.INTEGRATION and not integration:
        raise NotFound(f"No district {slug!r}.")
    return district_for(scope, slug)


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"Page size (max {MAX_LIMIT}).")
    offset: int = Field(0, ge=0, le=10_000_000, description="Rows to skip.")


_PAGES: dict[type, type] = {}


def page_of(item: type[Schema]) -> type[Schema]:
    """The response schema of one page of `item`s (cached per item schema)."""
    if item not in _PAGES:
        _PAGES[item] = create_model(
            f"{item.__name__}Page",
            __base__=Schema,
            count=(int, ...),
            limit=(int, ...),
            offset=(int, ...),
            next=(str | None, None),
            items=(list[item], ...),  # type: ignore[valid-type]
        )
    return _PAGES[item]


def paginate(
    request: HttpRequest, qs: QuerySet[Any] | list[Any], page: PageParams
) -> dict[str, Any]:
    count = qs.count() if isinstance(qs, QuerySet) else len(qs)
    items = list(qs[page.offset : page.offset + page.limit])
    nxt = None
    if page.offset + page.limit < count:
        q = request.GET.copy()
        q["offset"] = str(page.offset + page.limit)
        q["limit"] = str(page.limit)
        nxt = f"{request.path}?{q.urlencode()}"
    return {"count": count, "limit": page.limit, "offset": page.offset, "next": nxt, "items": items}
