"""Secrets of API tokens: the digest stored for a secret and the user a live secret belongs to
(used by the auth class), and who may mint a token for whom. Creating and revoking are audited
writes in `api/services.py`; reads for people are in `api/selectors.py`.

Minting rule (issue 19): a person mints tokens only for themself. The one exception is an
integration user (a service account with no person behind it, e.g. the learning platform that
reports activity), for whom the admins who manage them may mint. A token acts with its owner's
role and the audit names the owner as actor, so a token minted for a teacher would let an admin
act as that teacher with the log naming the teacher: forbidding that keeps "who did it" true
without a second identity on every entry. The platform itself (the CLI without `--as`, i.e.
whoever runs the server) still provisions tokens for anyone, as `seatkeeper token create` has.
Revoking stays wider (`users_managed`): an admin may always cut off a token of their users."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone

from seatkeeper.api.models import ApiToken
from seatkeeper.orgs.models import Membership, Role
from seatkeeper.orgs.scoping import Scope

PREFIX_LEN = 8


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_mint_for(scope: Scope, user: Any) -> bool:
    """May `scope` create a token acting as `user` (already within `users_managed(scope)`)?"""
    if scope.user is None or user.pk == scope.user.pk:
        return True
    return Membership.objects.filter(user_id=user.pk, role=Role.INTEGRATION).exists()


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
