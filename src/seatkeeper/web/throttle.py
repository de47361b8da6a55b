"""Failed sign-in throttling, counted in the shared cache so the limits hold across processes.

The cache is `settings.CACHES["default"]`: the database cache (one table every gunicorn process
and host shares), or Redis when `SEATKEEPER_REDIS_URL` is set. The rule (README "Sign-in
throttling"):

- Failed sign-ins are counted for `WINDOW` (15 minutes) per username and per client address.
- `LIMIT` (5) failures for one username lock that username for the rest of the window, for
  every browser that has not signed into it before; `ADDRESS_LIMIT` (20) failures from one
  address lock that address, for every username. A locked attempt answers 429 with
  Retry-After, and its password is not even checked.
- A browser that signed into an account before carries a signed device cookie naming it. For
  that account it has its own count (5 failures lock that browser only) and neither the
  username's nor the address's lock holds it back. So someone guessing one account's password,
  or spraying many accounts from one address (a school's shared address included), is stopped
  after 5 and 20 tries, while the real user, on the browser they use, still signs in with the
  right password (OWASP "device cookies" against lock-out).

Counting is atomic on both stores: the n-th failure takes slot key `...:n` with `cache.add`
(an INSERT on the database cache, SET NX on Redis), so parallel attempts cannot share a slot and
slip past the limit; the lock is the presence of slot `limit`, which expires `WINDOW` after the
failure that filled it.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from dataclasses import dataclass

from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = 15 * 60
DEVICE_COOKIE = "sk_device"
DEVICE_MAX_AGE = 180 * 24 * 3600
_SALT = "seatkeeper.signin.device"
_DEVICES_KEPT = 5  # accounts a browser remembers (a shared classroom computer has a few)


def _h(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _devices(request: HttpRequest) -> dict[str, str]:
    """{username hash: device nonce} from the signed cookie (empty when absent or forged)."""
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return {}
    try:
        value = signing.loads(raw, salt=_SALT, max_age=DEVICE_MAX_AGE)
    except signing.BadSignature:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Attempt:
    """The counters one sign-in attempt is held by: a trusted browser's own, or the username's
    and the address's."""

    counters: tuple[tuple[str, int], ...]
    trusted: bool

    @property
    def retry_after(self) -> int | None:
        """Seconds until the attempt may be made, or None when it may be made now."""
        now = time.time()
        until = [cache.get(f"{key}:{limit}") for key, limit in self.counters]
        waits = [float(u) - now for u in until if u is not None]
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self) -> bool:
        """Count a failure; True when it reached a limit (the lock starts now)."""
        reached = False
        for key, limit in self.counters:
            reached |= _take_slot(key, limit) >= limit
        return reached

    def succeeded(self) -> None:
        """A right password clears the count that held this client (not the address's)."""
        key, limit = self.counters[0]
        cache.delete_many([f"{key}:{i}" for i in range(1, limit + 1)])


def attempt(request: HttpRequest, username: str) -> Attempt:
    user = _h(username.strip().lower())
    nonce = _devices(request).get(user)
    if nonce:
        return Attempt(counters=((f"signin:device:{_h(nonce)}", LIMIT),), trusted=True)
    return Attempt(
        counters=(
            (f"signin:user:{user}", LIMIT),
            (f"signin:addr:{_h(_address(request))}", ADDRESS_LIMIT),
        ),
        trusted=False,
    )


def _take_slot(key: str, limit: int) -> int:
    slots = [f"{key}:{i}" for i in range(1, limit + 1)]
    taken = cache.get_many(slots)
    expires = time.time() + WINDOW
    for i, slot in enumerate(slots, start=1):
        if slot not in taken and cache.add(slot, expires, WINDOW):
            return i
    return limit


def remember_device(request: HttpRequest, response: HttpResponse, username: str) -> None:
    """After a right password: this browser is trusted for this account from now on."""
    devices = _devices(request)
    user = _h(username.strip().lower())
    devices.pop(user, None)
    devices[user] = secrets.token_urlsafe(16)
    kept = dict(list(devices.items())[-_DEVICES_KEPT:])
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(kept, salt=_SALT, compress=True),
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
