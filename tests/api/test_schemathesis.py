"""Schemathesis against the live OpenAPI schema, in-process over WSGI, with a district admin's
token: no 5xx for any generated input (valid and invalid), and every response matches the schema
(status code, content type, body). Path ids point at real objects of district A half of the
time so the handlers behind the 404s run too. Bounded: a few examples per operation, one world.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS

from seatkeeper.wsgi import application
from tests.api.conftest import api_as
from tests.factories import DistrictWorld

MAX_EXAMPLES = 5
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

# `positive_data_acceptance` expects 2xx for any schema-valid input, but ids generated at random
# name nothing in scope (404 by design).
EXCLUDED = [c for c in CHECKS.get_all() if c.__name__ == "positive_data_acceptance"]

# Failures in routers other engineers own, reported as warnings until they are fixed there
# (remove an entry once it passes).
KNOWN: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Any:
    """The WSGI handler closes DB connections when a request ends; Django's own test client
    disconnects that, and so must we (the test's transaction lives on that connection)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _real_ids(world: DistrictWorld) -> dict[str, Any]:
    return {
        "slug": "a",
        "school_id": world.schools[0].pk,
        "classroom_id": world.classrooms[0].pk,
        "student_id": world.students[0].pk,
        "teacher_id": world.teachers[0].pk,
        "term_id": world.term.pk,
        "product_id": world.product.pk,
        "product": world.product.code,
        "kind": "students",
    }


def _session_only(operation: Any) -> str | None:
    """A router that still sets its own `auth=` (session only) refuses tokens (api/app.py)."""
    from ninja.constants import NOT_SET

    from seatkeeper.api.app import api

    for _, router in api._routers:
        for path in router.path_operations:
            if router.auth is not NOT_SET and operation.path.endswith(path.rstrip("/")):
                return f"router still has auth={router.auth!r}"
    return None


def test_every_operation_answers_within_its_schema(world_a: DistrictWorld) -> None:
    token = api_as(world_a.users["district_admin"]).token
    real = _real_ids(world_a)
    failures: dict[str, str] = {}
    ran = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if reason := _session_only(operation):
            warnings.warn(f"schemathesis skipped {label}: {reason}", stacklevel=1)
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            for name in list(case.path_parameters or {}):
                if name == "slug" or (name in real and hash(repr(case.body)) % 2 == 0):
                    case.path_parameters[name] = real[name]
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"}, excluded_checks=EXCLUDED
            )

        try:
            check()
            ran += 1
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report
            failures[label] = str(exc)[:2000]
    for label in set(failures) & set(KNOWN):
        warnings.warn(f"{label}: {KNOWN[label]}", stacklevel=1)
        failures.pop(label)
    assert ran > 40
    assert failures == {}, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
