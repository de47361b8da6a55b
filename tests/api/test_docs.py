"""The OpenAPI schema and the human docs are served; problems are documented as problem+json."""

from __future__ import annotations

from django.test import Client


def test_openapi_and_docs_are_served(db: None) -> None:
    client = Client()
    schema = client.get("/api/v1/openapi.json").json()
    usage = schema["paths"]["/api/v1/districts/{slug}/usage"]["get"]
    assert "application/problem+json" in usage["responses"]["404"]["content"]
    assert client.get("/api/v1/docs").status_code == 200
