"""Web fixtures: a fresh cache (sign-in throttle), signed-in clients."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client


@pytest.fixture(autouse=True)
def _clear_cache():  # type: ignore[no-untyped-def]
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
