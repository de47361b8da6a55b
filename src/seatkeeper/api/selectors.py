"""Reads of API tokens, narrowed to the users the scope manages (orgs.scoping.users_managed)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from seatkeeper.api.models import ApiToken
from seatkeeper.errors import NotFound
from seatkeeper.orgs.models import Role
from seatkeeper.orgs.scoping import Scope, users_managed


def token_list(*, scope: Scope, username: str | None = None) -> QuerySet[ApiToken]:
    """Tokens of the users the scope manages, newest first; `username` narrows to one of them
    (NotFound when that user is not among them)."""
    users = users_managed(scope)
    qs = ApiToken.objects.select_related("user").filter(user__in=users)
    if username:
        if not users.filter(username=username).exists():
            raise NotFound(f"No user named {username!r}.")
        qs = qs.filter(user__username=username)
    return qs


def token_owners(*, scope: Scope) -> QuerySet[Any]:
    """The users the scope may create a token for, by username: themself and the integration
    users they manage (`api.tokens.may_mint_for`)."""
    qs = users_managed(scope).select_related("membership").order_by("username")
    if scope.user is None:
        return qs
    return qs.filter(Q(pk=scope.user.pk) | Q(membership__role=Role.INTEGRATION))
