"""Tokens: stored hashed, listed by prefix, revocable; the CLI prints the secret once."""

from __future__ import annotations

import hashlib
from io import StringIO

from django.core.management import call_command

from seatkeeper.api.models import ApiToken
from tests.api.conftest import Api, api_as
from tests.factories import DistrictWorld


def test_token_is_stored_only_as_its_sha256(world_a: DistrictWorld) -> None:
    out = StringIO()
    call_command("token", "create", "a-da", "--label", "ci", stdout=out, stderr=StringIO())
    secret = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:8]
    assert token.label == "ci"
    assert secret not in str(list(ApiToken.objects.values()))
    assert Api(secret).get("/districts/a/schools").status_code == 200


def test_token_list_shows_prefix_and_revoke_stops_it(world_a: DistrictWorld) -> None:
    api = api_as(world_a.users["district_admin"])
    token = ApiToken.objects.get()
    out = StringIO()
    call_command("token", "list", "a-da", stdout=out)
    assert token.prefix in out.getvalue()
    assert api.token not in out.getvalue()
    call_command("token", "revoke", str(token.pk), stdout=StringIO())
    resp = api.get("/districts/a/schools")
    assert resp.status_code == 401
    assert resp["Content-Type"] == "application/problem+json"


def test_no_or_bad_token_is_401_problem(world_a: DistrictWorld) -> None:
    assert Api(None).get("/districts/a/usage").status_code == 401
    resp = Api("sk_nope").get("/districts/a/usage")
    assert resp.status_code == 401
    assert resp.json()["status"] == 401


def test_session_auth_works_and_needs_csrf_for_writes(world_a: DistrictWorld) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world_a.users["district_admin"])
    assert client.get("/api/v1/districts/a/schools").status_code == 200
    resp = client.post(
        "/api/v1/districts/a/schools", data={"name": "X"}, content_type="application/json"
    )
    assert resp.status_code == 403


def test_write_with_a_bad_token_and_no_session_is_401_not_csrf_403(world_a: DistrictWorld) -> None:
    """A script (no session cookie, CSRF enforced as on a real server) with a wrong or revoked
    token gets 401; the CSRF check belongs to session auth only."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    headers = {"Authorization": "Bearer sk_nope"}
    resp = client.post(
        "/api/v1/districts/a/schools",
        data={"name": "X"},
        content_type="application/json",
        headers=headers,
    )
    assert resp.status_code == 401
    assert resp["Content-Type"] == "application/problem+json"
