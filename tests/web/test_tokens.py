"""The API tokens page (/account/tokens/), through the Django test client against the real
database: only tokens of users in scope (orgs.scoping.users_managed) are listed, a new secret is
shown once and works as a bearer token, revoking makes it 401, a token outside the scope is a 404
and stays unchanged (domain.md "Who may do what": out of scope answers not found), and every
create/revoke writes an audit entry naming the right actor and never the secret or its digest.
"""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command

from seatkeeper.api.models import ApiToken
from seatkeeper.api.services import token_create
from seatkeeper.audit import actions
from seatkeeper.audit.models import AuditEntry
from tests.api.conftest import Api
from tests.factories import DistrictWorld, sys_scope
from tests.web.conftest import client_for

SECRET = re.compile(r'value="(sk_[A-Za-z0-9_\-]+)"')


def _msgs(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _token_for(user: Any, label: str) -> tuple[ApiToken, str]:
    return token_create(scope=sys_scope(), user=user, label=label)


def _no_secret_in_audit(secret: str, token: ApiToken) -> None:
    dump = str(list(AuditEntry.objects.values()))
    assert secret not in dump
    assert token.digest not in dump


def test_user_menu_links_to_the_page(world_a: DistrictWorld, sa) -> None:  # type: ignore[no-untyped-def]
    page = sa.get(f"/schools/{world_a.schools[0].pk}/").content.decode()
    assert 'href="/account/tokens/"' in page


def test_page_lists_only_tokens_in_scope(world_a: DistrictWorld, world_b: DistrictWorld) -> None:
    own_sa, _ = _token_for(world_a.users["school_admin"], "sa-own")
    own_da, _ = _token_for(world_a.users["district_admin"], "da-own")
    integ, _ = _token_for(world_a.users["integration"], "lms-feed")
    other, _ = _token_for(world_b.users["district_admin"], "b-secret-label")

    page = client_for(world_a.users["district_admin"]).get("/account/tokens/")
    assert page.status_code == 200
    html = page.content.decode()
    for t in (own_sa, own_da, integ):
        assert t.label in html
        assert t.prefix in html
    assert other.label not in html
    assert other.prefix not in html
    # the integration user is offered in the "for user" choice; B's users are not
    assert "a-int" in html
    assert "b-int" not in html

    html = client_for(world_a.users["school_admin"]).get("/account/tokens/").content.decode()
    assert own_sa.label in html
    for t in (own_da, integ, other):
        assert t.label not in html
        assert t.prefix not in html
    assert 'name="user"' not in html  # nobody else to create a token for


def test_empty_state_says_what_to_do(world_a: DistrictWorld, sa) -> None:  # type: ignore[no-untyped-def]
    html = sa.get("/account/tokens/").content.decode()
    assert "You have no API tokens yet" in html
    assert "Create token" in html


def test_create_shows_the_secret_once_and_it_works_then_revoke_makes_it_401(
    world_a: DistrictWorld, da
) -> None:  # type: ignore[no-untyped-def]
    r = da.post("/account/tokens/", {"label": "nightly sync"}, follow=True)
    assert r.status_code == 200
    html = r.content.decode()
    secret = SECRET.search(html).group(1)  # type: ignore[union-attr]
    assert "Copy it now, it will not be shown again" in html
    assert "no-store" in r.get("Cache-Control", "")
    token = ApiToken.objects.get(label="nightly sync")
    assert token.user == world_a.users["district_admin"]
    assert any("nightly sync" in m and "created for a-da" in m for m in _msgs(r))

    api = Api(secret)
    usage = api.get("/districts/a/usage")
    assert usage.status_code == 200
    assert usage.json()  # the same JSON as `seatkeeper usage --json`

    again = da.get("/account/tokens/").content.decode()
    assert secret not in again
    assert token.prefix in again

    r = da.post(f"/account/tokens/{token.pk}/revoke/", follow=True)
    assert r.status_code == 200
    assert any("revoked" in m and token.prefix in m for m in _msgs(r))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/districts/a/usage").status_code == 401

    created = AuditEntry.objects.get(action=actions.API_TOKEN_CREATED, target_id=token.pk)
    revoked = AuditEntry.objects.get(action=actions.API_TOKEN_REVOKED, target_id=token.pk)
    for entry in (created, revoked):
        assert entry.actor == world_a.users["district_admin"]
        assert entry.via == "web"
        assert entry.district_id == world_a.district.pk
        assert entry.target_type == "apitoken"
    assert created.data["new"] == {"label": "nightly sync", "prefix": token.prefix, "owner": "a-da"}
    _no_secret_in_audit(secret, token)


def test_district_admin_creates_and_revokes_a_token_for_the_integration_user(
    world_a: DistrictWorld, da
) -> None:  # type: ignore[no-untyped-def]
    integ = world_a.users["integration"]
    r = da.post("/account/tokens/", {"label": "LMS", "user": integ.pk}, follow=True)
    secret = SECRET.search(r.content.decode()).group(1)  # type: ignore[union-attr]
    token = ApiToken.objects.get(label="LMS")
    assert token.user == integ
    student = world_a.students[0]
    body = {"items": [{"student": student.pk, "kind": "sign_in", "at": "2026-01-05T08:00:00Z"}]}
    assert Api(secret).post("/districts/a/activity", body).status_code < 300
    assert Api(secret).get("/districts/a/schools").status_code == 404  # integration: activity only
    entry = AuditEntry.objects.get(action=actions.API_TOKEN_CREATED, target_id=token.pk)
    assert entry.actor == world_a.users["district_admin"]
    assert entry.data["new"]["owner"] == "a-int"
    assert da.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    assert Api(secret).post("/districts/a/activity", body).status_code == 401
    _no_secret_in_audit(secret, token)


def test_other_districts_token_is_404_and_unchanged(
    world_a: DistrictWorld, world_b: DistrictWorld, da, sa
) -> None:  # type: ignore[no-untyped-def]
    b_token, b_secret = _token_for(world_b.users["integration"], "b-lms")
    da_token, _ = _token_for(world_a.users["district_admin"], "da-own")
    audit_before = AuditEntry.objects.count()

    assert da.post(f"/account/tokens/{b_token.pk}/revoke/").status_code == 404
    # a school admin may not touch the district admin's token either (same district, not theirs)
    assert sa.post(f"/account/tokens/{da_token.pk}/revoke/").status_code == 404
    # nor create one for a user outside their scope
    assert (
        da.post(
            "/account/tokens/", {"user": world_b.users["district_admin"].pk}, follow=True
        ).status_code
        == 404
    )
    assert (
        sa.post(
            "/account/tokens/", {"user": world_a.users["integration"].pk}, follow=True
        ).status_code
        == 404
    )

    b_token.refresh_from_db()
    da_token.refresh_from_db()
    assert b_token.revoked_at is None
    assert da_token.revoked_at is None
    assert ApiToken.objects.count() == 2
    assert AuditEntry.objects.count() == audit_before
    assert (
        Api(b_secret)
        .post(
            "/districts/b/activity",
            {
                "items": [
                    {
                        "student": world_b.students[0].pk,
                        "kind": "work",
                        "at": "2026-01-05T08:00:00Z",
                    }
                ]
            },
        )
        .status_code
        < 300
    )


def test_operator_manages_anyone(world_b: DistrictWorld, operator) -> None:  # type: ignore[no-untyped-def]
    token, _ = _token_for(world_b.users["teacher"], "b-teacher")
    client = client_for(operator)
    assert token.label in client.get("/account/tokens/").content.decode()
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = AuditEntry.objects.get(action=actions.API_TOKEN_REVOKED, target_id=token.pk)
    assert entry.actor == operator
    assert entry.district_id == world_b.district.pk


def test_get_on_revoke_changes_nothing_and_forms_carry_csrf(world_a: DistrictWorld, da) -> None:  # type: ignore[no-untyped-def]
    token, _ = _token_for(world_a.users["district_admin"], "x")
    assert da.get(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is None
    html = da.get("/account/tokens/").content.decode()
    assert html.count("csrfmiddlewaretoken") >= html.count("<form")
    strict = client_for(world_a.users["district_admin"])
    strict.handler.enforce_csrf_checks = True
    assert strict.post("/account/tokens/", {"label": "no csrf"}, follow=True).status_code == 403
    assert not ApiToken.objects.filter(label="no csrf").exists()


def test_cli_is_audited_and_narrowed_by_as(world_a: DistrictWorld, world_b: DistrictWorld) -> None:
    out = StringIO()
    call_command("token", "create", "a-int", "--as", "a-da", stdout=out, stderr=StringIO())
    token = ApiToken.objects.get(user=world_a.users["integration"])
    entry = AuditEntry.objects.get(action=actions.API_TOKEN_CREATED, target_id=token.pk)
    assert entry.actor == world_a.users["district_admin"]
    assert entry.via == "cli"
    assert out.getvalue().strip() not in str(entry.data)
    with pytest.raises(CommandError, match="No user named 'b-int'"):
        call_command(
            "token", "create", "b-int", "--as", "a-da", stdout=StringIO(), stderr=StringIO()
        )
    call_command("token", "revoke", str(token.pk), stdout=StringIO())
    entry = AuditEntry.objects.get(action=actions.API_TOKEN_REVOKED, target_id=token.pk)
    assert entry.actor is None
    assert entry.actor_label == "system"
    assert entry.via == "cli"


def test_page_queries_do_not_grow_with_tokens(world_a: DistrictWorld, da) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert da.get("/account/tokens/").status_code == 200
        return len(ctx.captured_queries)

    _token_for(world_a.users["integration"], "one")
    few = queries()
    for user in world_a.users.values():
        for n in range(5):
            _token_for(user, f"{user.get_username()}-{n}")
    many = queries()
    print(f"/account/tokens/ queries: {few} with 1 token, {many} with {ApiToken.objects.count()}")
    assert many == few
