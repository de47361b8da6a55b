"""`seatkeeper fix plan|apply|undo --json`: the contract other tools read."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from seatkeeper.seats import services as lic
from tests.factories import DistrictWorld, sys_scope


def run(*args: str) -> dict:
    out = StringIO()
    call_command("fix", *args, "--json", stdout=out, skip_checks=True)
    return json.loads(out.getvalue())


def test_plan_json_contract_then_apply_and_undo(world_a: DistrictWorld) -> None:
    w = world_a
    lic.allocation_set(scope=sys_scope(w.district), school=w.schools[0], product=w.product, seats=4)
    body = run("plan", "--district", "a")
    assert list(body) == ["id", "district", "product", "schools", "steps", "unresolved"]
    assert body["district"] == "a"
    assert body["product"] == "core"
    school = next(s for s in body["schools"] if s["id"] == w.schools[0].pk)
    assert set(school) == {"id", "name", "sourced_id", "before", "after"}
    assert school["before"] == {"capacity": 4, "used": 6, "remaining": -2}
    assert school["after"] == {"capacity": 6, "used": 6, "remaining": 0}
    for step in body["steps"]:
        assert list(step) == ["kind", "objects", "seats_freed", "students_affected", "reason"]
    applied = run("apply", str(body["id"]))
    assert applied["schools"] == body["schools"]
    undone = run("undo", str(body["id"]))
    assert undone["status"] == "undone"


def test_unknown_plan_is_a_clear_error(world_a: DistrictWorld) -> None:
    with pytest.raises(CommandError, match="No fix plan 999"):
        call_command("fix", "apply", "999", stdout=StringIO(), skip_checks=True)
