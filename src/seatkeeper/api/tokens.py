"""Creating, finding, listing and revoking API tokens (used by the CLI and the auth class)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from seatkeeper.api.models import ApiToken
from seatkeeper.errors import NotFound

PREFIX_LEN = 8


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: Any, label: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the secret (shown once, never stored)."""
    secret = "sk_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, label=label, prefix=secret[:PREFIX_LEN], digest=digest_of(secret)
    )
    return token, secret


def token_user(secret: str) -> Any | None:
    """The active user a live token belongs to, or None."""
    if not secret or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest_of(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_list(*, username: str | None = None) -> QuerySet[ApiToken]:
    qs = ApiToken.objects.select_related("user")
    if username:
        if not get_user_model().objects.filter(username=username).exists():
            raise NotFound(f"No user named {username!r}.")
        qs = qs.filter(user__username=username)
    return qs


@transaction.atomic
def token_revoke(*, pk: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=pk).first()
    if token is None:
        raise NotFound(f"No token {pk}.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
