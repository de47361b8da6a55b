"""Secrets of API tokens: the digest stored for a secret and the user a live secret belongs to
(used by the auth class). Creating and revoking are audited writes in `api/services.py`; reads
for people are in `api/selectors.py`."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone

from seatkeeper.api.models import ApiToken

PREFIX_LEN = 8


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


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
