"""Every web view has an access policy; anonymous users are sent to sign in."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

KNOWN = {
    "public",
    "signed_in",
    "district_admin",
    "school_admin",
    "teacher",
    "operator",
}  # operator: issue 17.12


def _walk(patterns, prefix=""):  # type: ignore[no-untyped-def]
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def _web_patterns():  # type: ignore[no-untyped-def]
    for route, p in _walk(get_resolver().url_patterns):
        if route.startswith("api/"):
            continue
        yield route, p


def test_every_web_view_has_an_access_policy() -> None:
    missing = []
    for route, p in _web_patterns():
        policy = getattr(p.callback, "access_policy", None)
        if policy is None:
            missing.append(f"/{route} ({p.lookup_str})")
    assert missing == []


def test_policies_are_known_ones() -> None:
    seen = {getattr(p.callback, "access_policy", None) for _, p in _web_patterns()}
    assert seen <= KNOWN


def test_web_app_views_are_reachable_only_with_sign_in(db: None, client) -> None:  # type: ignore[no-untyped-def]
    for route, p in _walk(get_resolver().url_patterns):
        if not p.lookup_str.startswith("seatkeeper.web.") or p.callback.access_policy == "public":
            continue
        url = "/" + re.sub(r"<int:\w+>", "1", re.sub(r"<(str|slug):\w+>", "x", route))
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/signin/"), url


@pytest.mark.parametrize("role", ["teacher", "integration"])
def test_non_admins_get_403_on_district_pages(world_a, client, role) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world_a.users[role])
    assert client.get("/district/").status_code == 403
    assert client.get("/district/settings/").status_code == 403
