"""API tokens page (/account/tokens/): a user's tokens, create one (secret shown once), revoke.

Who may manage whose tokens is `orgs.scoping.users_managed` (through api.selectors/services):
everyone their own; a district admin also their district's users (integration users included);
an operator anyone. Another user's token id answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

from seatkeeper.api import selectors, services
from seatkeeper.orgs.scoping import get_user_managed_for
from seatkeeper.web.policies import signed_in


def _page(request: HttpRequest, *, created: tuple | None = None) -> TemplateResponse:  # type: ignore[type-arg]
    scope = request.scope  # type: ignore[attr-defined]
    tokens = list(selectors.token_list(scope=scope))
    owners = list(selectors.token_owners(scope=scope))
    mine = [t for t in tokens if t.user_id == request.user.pk]
    others = [t for t in tokens if t.user_id != request.user.pk]
    return TemplateResponse(
        request,
        "account/tokens.html",
        {
            "mine": mine,
            "others": others,
            "owners": owners if len(owners) > 1 else [],
            "created": created,
            "page_title": "API tokens",
        },
    )


NEW_SECRET_KEY = "web.new_token_secret"  # noqa: S105 - a session key, not a secret


@never_cache
@signed_in
def tokens_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        # POST/redirect/GET (issue 17.3): the new secret waits in the session for this one
        # page view and is forgotten as it is shown; a reload shows it no more and creates none.
        created = None
        pending = request.session.pop(NEW_SECRET_KEY, None)
        if pending:
            token = next(
                (t for t in selectors.token_list(scope=request.scope) if t.pk == pending["id"]),  # type: ignore[attr-defined]
                None,
            )
            created = (token, pending["secret"]) if token is not None else None
        return _page(request, created=created)
    scope = request.scope  # type: ignore[attr-defined]
    owner_id = request.POST.get("user") or request.user.pk
    owner = get_user_managed_for(scope, owner_id)
    token, secret = services.token_create(
        scope=scope, user=owner, label=request.POST.get("label", "")
    )
    messages.success(
        request,
        f"Token {token.prefix}… ({token.label or 'no label'}) created for "
        f"{owner.get_username()}. Copy it now: it will not be shown again.",
    )
    request.session[NEW_SECRET_KEY] = {"id": token.pk, "secret": secret}
    return redirect("web:tokens")


@signed_in
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if request.method != "POST":
        # Back to the list, but only for a token the user may see (issue 18.5: an id of
        # another tenant's token answers 404 whatever the method).
        if not selectors.token_list(scope=request.scope).filter(pk=token_id).exists():  # type: ignore[attr-defined]
            raise Http404(f"No token {token_id}.")
        return redirect("web:tokens")
    token = services.token_revoke(scope=request.scope, pk=token_id)  # type: ignore[attr-defined]
    messages.success(
        request,
        f"Token {token.prefix}… ({token.label or 'no label'}) of {token.user.get_username()} "
        "revoked: requests using it now get 401.",
    )
    return redirect("web:tokens")
