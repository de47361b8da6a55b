"""The NinjaAPI instance: routers are added per area."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Seatkeeper API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
