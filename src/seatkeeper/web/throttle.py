"""Failed sign-in throttling: a small cache-based limiter (no extra tables or middleware).

After `LIMIT` failed attempts for one username, or `IP_LIMIT` from one address, within `WINDOW`
seconds, further attempts are refused until the window passes. Counting per username stops
password guessing against one account; per address stops spraying across accounts. The cache is
Django's default (per-process memory unless CACHES says otherwise), which suits the single-process
server `seatkeeper serve` runs; a multi-process deployment should point CACHES at a shared cache.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

LIMIT = 5
IP_LIMIT = 20
WINDOW = 15 * 60


def _keys(request: HttpRequest, username: str) -> list[tuple[str, int]]:
    ip = request.META.get("REMOTE_ADDR", "") or "unknown"
    return [
        (f"signin-fail:user:{username.strip().lower()}", LIMIT),
        (f"signin-fail:ip:{ip}", IP_LIMIT),
    ]


def is_locked(request: HttpRequest, username: str) -> bool:
    return any(cache.get(key, 0) >= limit for key, limit in _keys(request, username))


def record_failure(request: HttpRequest, username: str) -> None:
    for key, _ in _keys(request, username):
        if cache.add(key, 1, WINDOW):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, WINDOW)


def reset(request: HttpRequest, username: str) -> None:
    cache.delete(_keys(request, username)[0][0])
