"""The NinjaAPI instance of REST API v1, mounted at /api/v1/ (docs /api/v1/docs).

How to add a router (one additive line per area, at the end of this file):

    api.add_router("/", "seatkeeper.api.<area>.router")

In `api/<area>.py`: `router = Router(tags=["<area>"])` -- no `auth=`: every router inherits
`api.auth.API_AUTH` (Bearer token or session+CSRF). Handlers stay thin:

    from seatkeeper.api.common import ERRORS, PageParams, page_of, paginate, scope_from_request

    @router.get("/districts/{slug}/things/{thing_id}", response={200: ThingOut, **ERRORS})
    def thing_get(request, slug: str, thing_id: int):
        scope, district = scope_from_request(request, slug)   # 404 outside the caller's scope
        return get_thing_for(scope, thing_id)                 # a selector / service call

Raise `seatkeeper.errors` classes; `api.errors` (installed below) maps every SeatkeeperError and
ninja ValidationError to application/problem+json. No try/except or problem decorators needed.
Lists: take `page: Query[PageParams]`, answer `paginate(request, qs, page)` with
`response=page_of(ThingOut)` -> {"count", "limit", "offset", "next", "items"}.
tests/api/test_isolation.py walks every route registered here automatically.
"""

from typing import Any

from ninja import NinjaAPI

from seatkeeper.api import errors
from seatkeeper.api.auth import API_AUTH


class SeatkeeperAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return errors.document_problems(super().get_openapi_schema(**kwargs))


api = SeatkeeperAPI(
    title="Seatkeeper API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=API_AUTH,
)
errors.install(api)
api.add_decorator(errors.reject_nul, mode="view")

api.add_router("/", "seatkeeper.api.dedup.router")
api.add_router("/", "seatkeeper.api.fixes.router")
api.add_router("/", "seatkeeper.api.usage.router")
api.add_router("/", "seatkeeper.api.settings.router")
api.add_router("/", "seatkeeper.api.schools.router")
api.add_router("/", "seatkeeper.api.products.router")
api.add_router("/", "seatkeeper.api.purchases.router")
api.add_router("/", "seatkeeper.api.terms.router")
api.add_router("/", "seatkeeper.api.teachers.router")
api.add_router("/", "seatkeeper.api.classrooms.router")
api.add_router("/", "seatkeeper.api.students.router")
api.add_router("/", "seatkeeper.api.enrollments.router")
api.add_router("/", "seatkeeper.api.activity.router")
api.add_router("/", "seatkeeper.api.audit.router")
api.add_router("/", "seatkeeper.api.alerts.router")
