"""Shared fixtures: two districts (A and B) built through the services, and each role's user."""

from __future__ import annotations

import pytest

from tests.factories import DistrictWorld, make_operator, make_world


@pytest.fixture
def world_a(db: None) -> DistrictWorld:
    return make_world("a")


@pytest.fixture
def world_b(db: None) -> DistrictWorld:
    return make_world("b")


@pytest.fixture
def operator(db: None):  # type: ignore[no-untyped-def]
    return make_operator()
