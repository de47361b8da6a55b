"""Every API route, walked from the URL resolver (so a new route is covered automatically by the
tests that use it: the isolation matrix and the audit-of-every-write proof)."""

from __future__ import annotations

import re
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def api_routes() -> list[tuple[str, str]]:
    """(method, route) for every URL under /api/v1/ that resolves to a ninja operation."""
    out: list[tuple[str, str]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                cells = [c.cell_contents for c in (getattr(p.callback, "__closure__", None) or ())]
                views = [c for c in cells if hasattr(c, "operations")]
                for view in views:
                    for op in view.operations:
                        out.extend((m, route) for m in op.methods)

    walk(get_resolver().url_patterns, "/")
    return sorted({(m, r) for m, r in out if r.startswith("/api/v1/")})


def fill(route: str, params: dict[str, Any]) -> str:
    """The route with each <param> replaced by its value (KeyError names a missing one)."""
    return PARAM.sub(lambda m: str(params[m.group(1)]), route)
