"""Web fixtures: a fresh cache (sign-in throttle), signed-in clients."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

DB_FIXTURES = {"db", "transactional_db", "live_server"}


@pytest.fixture(autouse=True)
def _clear_cache(request):  # type: ignore[no-untyped-def]
    """The cache is the database cache (shared by every process): empty it around each test
    that has the database (its table is not flushed between transactional tests)."""
    names = set(request.fixturenames)
    if not DB_FIXTURES & names and not request.node.get_closest_marker("django_db"):
        yield
        return
    request.getfixturevalue(
        "transactional_db" if names & {"transactional_db", "live_server"} else "db"
    )
    cache.clear()
    yield
    cache.clear()


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def da(world_a) -> Client:  # type: ignore[no-untyped-def]
    return client_for(world_a.users["district_admin"])


@pytest.fixture
def sa(world_a) -> Client:  # type: ignore[no-untyped-def]
    return client_for(world_a.users["school_admin"])


@pytest.fixture
def teacher_client(world_a) -> Client:  # type: ignore[no-untyped-def]
    return client_for(world_a.users["teacher"])
