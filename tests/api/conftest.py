"""API test helpers: a token per role of district A (and B) and a JSON client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from seatkeeper.api.services import token_create
from tests.factories import DistrictWorld, sys_scope


class Api:
    """Calls /api/v1 with `Authorization: Bearer <token>`."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        kwargs: dict[str, Any] = {"headers": headers}
        if method.lower() == "get":
            return self.client.get(url, params, **kwargs)
        data = json.dumps(body) if body is not None else None
        return getattr(self.client, method.lower())(
            url, data=data, content_type="application/json", **kwargs
        )

    def get(self, path: str, **params: Any) -> Any:
        return self.call("get", path, **params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("post", path, body)

    def put(self, path: str, body: Any = None) -> Any:
        return self.call("put", path, body)

    def patch(self, path: str, body: Any = None) -> Any:
        return self.call("patch", path, body)

    def delete(self, path: str) -> Any:
        return self.call("delete", path)


def api_as(user: Any) -> Api:
    _, secret = token_create(scope=sys_scope(), user=user, label="test")
    return Api(secret)


@pytest.fixture
def apis(world_a: DistrictWorld) -> dict[str, Api]:
    """One client per role of district A."""
    return {role: api_as(user) for role, user in world_a.users.items()}
