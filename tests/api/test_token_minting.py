"""Minting a token for another person is refused; only integration users (service accounts)
may get a token from the admin who manages them (issue 19 item 9). Web page, service and CLI."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from seatkeeper.api.models import ApiToken
from seatkeeper.api.services import token_create
from seatkeeper.audit import actions
from seatkeeper.audit.models import AuditEntry
from seatkeeper.errors import Forbidden
from tests.factories import DistrictWorld
from tests.web.conftest import client_for


def test_district_admin_may_not_mint_a_token_for_a_teacher(world_a: DistrictWorld) -> None:
    with pytest.raises(Forbidden, match="integration users only"):
        token_create(
            scope=world_a.scope("district_admin"), user=world_a.users["teacher"], label="x"
        )
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(action=actions.API_TOKEN_CREATED).exists()


def test_web_page_refuses_minting_for_a_teacher_and_offers_only_integration_users(
    world_a: DistrictWorld,
) -> None:
    da = client_for(world_a.users["district_admin"])
    html = da.get("/account/tokens/").content.decode()
    assert f'value="{world_a.users["integration"].pk}"' in html
    assert f'value="{world_a.users["teacher"].pk}"' not in html
    assert f'value="{world_a.users["school_admin"].pk}"' not in html
    r = da.post("/account/tokens/", {"label": "as teacher", "user": world_a.users["teacher"].pk})
    assert r.status_code == 302
    assert not ApiToken.objects.exists()
    r = da.post("/account/tokens/", {"label": "lms", "user": world_a.users["integration"].pk})
    assert r.status_code == 302  # POST/redirect/GET (issue 17.3): the secret shows on the GET
    assert 'id="new-token-secret"' in da.get("/account/tokens/").content.decode()
    assert ApiToken.objects.get().user == world_a.users["integration"]


def test_cli_as_an_admin_refuses_a_token_for_a_teacher(world_a: DistrictWorld) -> None:
    with pytest.raises(CommandError, match="integration users only"):
        call_command("token", "create", "a-t", "--as", "a-da", stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()
    call_command("token", "create", "a-int", "--as", "a-da", stdout=StringIO(), stderr=StringIO())
    call_command("token", "create", "a-da", "--as", "a-da", stdout=StringIO(), stderr=StringIO())
    assert sorted(ApiToken.objects.values_list("user__username", flat=True)) == ["a-da", "a-int"]


def test_operator_may_not_mint_for_a_district_admin(world_a: DistrictWorld, operator) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import scope_for_user

    with pytest.raises(Forbidden):
        token_create(scope=scope_for_user(operator), user=world_a.users["district_admin"])
    assert not ApiToken.objects.exists()
