"""issue 17: rough edges a new admin hits (server-side checks; browser checks live in
tests/web/test_issue17_browser.py)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.web.conftest import client_for


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_issue_17_5_404_is_a_styled_page_with_navigation(world_a) -> None:  # type: ignore[no-untyped-def]
    da = client_for(world_a.users["district_admin"])
    resp = da.get("/no/such/page/")
    assert resp.status_code == 404
    html = resp.content.decode()
    assert "Page not found" in html and "Not Found</h1>" not in html
    assert 'href="/district/"' in html  # the district navigation
    assert "app.css" in html
    # A NotFound from a view (out of scope id) looks the same.
    resp = da.get("/schools/999999/")
    assert resp.status_code == 404 and "Page not found" in resp.content.decode()
    # Anonymous: still styled, with a way home.
    resp = Client().get("/no/such/page/")
    assert resp.status_code == 404 and "Go to your home page" in resp.content.decode()
    # The API keeps its JSON problems.
    resp = da.get("/api/v1/no-such-thing")
    assert resp.status_code == 404 and resp["Content-Type"].startswith("application/problem+json")
