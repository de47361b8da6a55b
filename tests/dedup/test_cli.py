"""`seatkeeper dedup students|teachers --json`: the contract, and the demo's planted duplicates."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from seatkeeper.demo import maple_valley
from seatkeeper.roster.models import Student
from tests.dedup.test_services import kate_pair
from tests.factories import DistrictWorld


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command("dedup", *args, stdout=out)
    return json.loads(out.getvalue())


def test_json_contract_shape(world_a: DistrictWorld) -> None:
    kath, kate = kate_pair(world_a)
    data = run("students", "--district", "a", "--json")
    assert list(data) == ["district", "groups"]
    assert data["district"] == "a"
    [g] = data["groups"]
    assert list(g)[:5] == ["score", "accounts", "keeper", "evidence", "seats_freed"]
    assert list(g)[5:] == ["pairs", "possible"]  # issue 14.1: added, nothing renamed
    assert 0 <= g["score"] <= 1
    assert g["keeper"] == kath.pk
    assert g["seats_freed"] == 1
    assert "Katherine ~ Kate (nickname)" in g["evidence"]
    acc = {a["id"]: a for a in g["accounts"]}
    assert set(acc) == {kath.pk, kate.pk}
    assert list(acc[kate.pk]) == ["id", "sourced_id", "first_name", "last_name", "in_use"]
    assert acc[kate.pk]["first_name"] == "Kate"
    assert set(acc[kate.pk]["in_use"]) == {"last_sign_in", "activity", "enrollments", "seats"}


def test_min_score_and_school_filter(world_a: DistrictWorld) -> None:
    kate_pair(world_a)
    assert run("students", "--district", "a", "--json", "--min-score", "1.0")["groups"] == []
    other = str(world_a.schools[1].pk)
    assert run("students", "--district", "a", "--school", other, "--json")["groups"] == []
    low = run("students", "--district", "a", "--json", "--min-score", "0")["groups"]
    assert [g["score"] for g in low] == sorted((g["score"] for g in low), reverse=True)


def test_unknown_district_is_an_error(world_a: DistrictWorld) -> None:
    with pytest.raises(CommandError, match="No district"):
        run("students", "--district", "nope", "--json")


def test_teachers_json(world_a: DistrictWorld) -> None:
    data = run("teachers", "--district", "a", "--json")
    assert data == {"district": "a", "groups": []}


def test_demo_planted_duplicates_are_found(db: None) -> None:
    district = maple_valley.load()
    planted = set(
        Student.objects.filter(district=district, roster_source__in=["manual", "csv"]).values_list(
            "id", flat=True
        )
    )
    assert len(planted) == 40
    data = run("students", "--district", district.slug, "--json")
    grouped = {a["id"] for g in data["groups"] for a in g["accounts"]}
    assert planted <= grouped
    keepers = {g["keeper"] for g in data["groups"]}
    assert not keepers & planted  # the account in use is the original, never the second one
    assert len(data["groups"]) == 40
