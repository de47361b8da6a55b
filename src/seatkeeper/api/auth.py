"""Authentication for every API route: `Authorization: Bearer <token>` or the web session.

`API_AUTH` is the NinjaAPI default (routers inherit it; do not pass `auth=` to a router).
Session auth checks CSRF for unsafe methods (ninja's SessionAuth), but only when a session cookie
was sent: a script's request with a wrong or revoked token (no cookie) is a 401, not a CSRF 403. Both put the user on
`request.auth`; `common.scope_from_request` turns that into an orgs.scoping.Scope.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from seatkeeper.api.tokens import token_user


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


class Session(SessionAuth):
    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None  # no session to authenticate: answer 401 without a CSRF verdict
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


API_AUTH = [BearerToken(), Session()]
