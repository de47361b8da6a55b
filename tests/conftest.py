"""Shared fixtures: two districts (A and B) built through the services, and each role's user."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import DistrictWorld, make_operator, make_world
from tests.web.browser import launch

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:  # type: ignore[no-untyped-def]
    """Hashing with the production hasher costs ~0.3 s a user; tests do not test the hasher."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


def pytest_configure(config: pytest.Config) -> None:
    """WhiteNoise warns when STATIC_ROOT is missing (it is filled by `serve`'s collectstatic).

    Made here, before collection: some test modules build the WSGI app at import time.
    """
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture
def world_a(db: None) -> DistrictWorld:
    return make_world("a")


@pytest.fixture
def world_b(db: None) -> DistrictWorld:
    return make_world("b")


@pytest.fixture
def operator(db: None):  # type: ignore[no-untyped-def]
    return make_operator()


def _uses_db(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return bool(
        item.get_closest_marker("django_db")
        or {"db", "transactional_db", "live_server", "django_db_reset_sequences"} & set(names)
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):  # type: ignore[no-untyped-def]
    """After every test that touched the database, while its data is still there: the seat
    ledger of every district equals a recount and no change is left unsynced (issue 13: `seats
    verify` reports zero differences after the whole suite). Tests that break the ledger on
    purpose say so with @pytest.mark.ledger_unchecked."""
    result = yield
    if _uses_db(item) and not item.get_closest_marker("ledger_unchecked"):
        from seatkeeper.orgs.models import District
        from seatkeeper.seats.verify import verify

        bad = [r.as_dict() for r in map(verify, District.objects.order_by("id")) if not r.ok]
        assert not bad, f"seat ledger differs from a recount after this test: {bad}"
    return result


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """One headless Debian chromium per test module (tests/web/browser.py)."""
    yield from launch()
