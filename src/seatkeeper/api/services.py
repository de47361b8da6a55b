"""Writes on API tokens: create and revoke, each one transaction with its audit entry.

Who may do it for whom is `orgs.scoping.users_managed` (themself; a district admin their
district's users, integration users included; an operator anyone); a token outside that answers
NotFound. Minting is narrower (`api.tokens.may_mint_for`): oneself and integration users only. The audit entry names the token by label, prefix and owner, never the secret or digest.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from seatkeeper.api.models import ApiToken
from seatkeeper.api.tokens import PREFIX_LEN, digest_of, may_mint_for
from seatkeeper.audit import actions
from seatkeeper.audit.services import audit_record
from seatkeeper.errors import Forbidden, NotFound, invalid
from seatkeeper.orgs.models import Membership
from seatkeeper.orgs.scoping import Scope, get_user_managed_for, users_managed

LABEL_MAX = ApiToken._meta.get_field("label").max_length


def _record(scope: Scope, action: str, token: ApiToken, data: dict[str, Any]) -> None:
    district_id = (
        Membership.objects.filter(user_id=token.user_id).values_list("district_id", flat=True)
    ).first()
    audit_record(
        scope=scope,
        action=action,
        target=token,
        target_type="apitoken",
        district_id=district_id,
        data=data,
    )


def _public(token: ApiToken) -> dict[str, Any]:
    return {"label": token.label, "prefix": token.prefix, "owner": token.user.get_username()}


@transaction.atomic
def token_create(*, scope: Scope, user: Any, label: str = "") -> tuple[ApiToken, str]:
    """A new token for `user` (who must be in `users_managed(scope)`); returns the row and the
    secret, which is shown once and never stored."""
    label = label.strip()
    if len(label) > LABEL_MAX:  # type: ignore[operator]
        raise invalid("label", f"at most {LABEL_MAX} characters", label[:40])
    user = get_user_managed_for(scope, user.pk)
    if not may_mint_for(scope, user):
        raise Forbidden(
            f"A token acts as its owner: you may create tokens for yourself and for integration "
            f"users only, not for {user.get_username()}. They can create their own on the API "
            "tokens page."
        )
    secret = "sk_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, label=label, prefix=secret[:PREFIX_LEN], digest=digest_of(secret)
    )
    _record(scope, actions.API_TOKEN_CREATED, token, {"new": _public(token)})
    return token, secret


@transaction.atomic
def token_revoke(*, scope: Scope, pk: Any) -> ApiToken:
    """Revoke a token of a user the scope manages (revoking twice changes nothing more)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(f"No token {pk!r}.") from None
    token = (
        ApiToken.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=pk, user__in=users_managed(scope))
        .first()
    )
    if token is None:
        raise NotFound(f"No token {pk}.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _record(
            scope,
            actions.API_TOKEN_REVOKED,
            token,
            {
                "old": {"revoked_at": None},
                "new": {**_public(token), "revoked_at": token.revoked_at.isoformat()},
            },
        )
    return token
