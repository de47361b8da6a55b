"""The `seatkeeper` CLI: `usage` (its JSON contract and table), `user create`, and the real
console script run as a subprocess against a fresh SQLite database (`demo --no-serve` twice
loads once; `usage --json` there equals the in-process figures, so two loads of the demo agree).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from seatkeeper.demo import maple_valley
from seatkeeper.orgs.models import District, Membership, School
from seatkeeper.roster.scoping import scope_for_user
from tests.conftest import FAST_HASHERS

CONTRACT = {"district", "product", "on", "purchased", "allocated", "unallocated", "used", "schools"}
SCHOOL_CONTRACT = {
    "id",
    "name",
    "sourced_id",
    "capacity",
    "allocated",
    "school_purchased",
    "used",
    "remaining",
    "overallocated",
}


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[District]:
    """The demo district, loaded once for this module and removed after it."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        district = maple_valley.load()
    yield district
    with django_db_blocker.unblock():
        maple_valley.unload()


def run(*args: str, stdin: str | None = None, monkeypatch: Any = None) -> str:
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    call_command(*args, stdout=out)
    return out.getvalue()


def usage_json(*extra: str) -> dict[str, Any]:
    return json.loads(run("usage", "--district", "maple-valley", "--json", *extra))


# --- usage ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_usage_json_has_exactly_the_contract_keys(demo: District) -> None:
    data = usage_json()
    assert set(data) == CONTRACT
    assert (data["district"], data["product"]) == ("maple-valley", "core")
    assert len(data["schools"]) == 6
    for s in data["schools"]:
        assert set(s) == SCHOOL_CONTRACT
        assert s["capacity"] == s["allocated"] + s["school_purchased"]
        assert s["remaining"] == s["capacity"] - s["used"]
        assert s["overallocated"] is (s["used"] > s["capacity"])
    assert data["unallocated"] == 40
    assert data["used"] == sum(s["used"] for s in data["schools"])
    assert data["allocated"] == sum(s["allocated"] for s in data["schools"])
    assert data["purchased"] == data["allocated"] + data["unallocated"] + 100  # + Pine Crest's own
    over = [s["name"] for s in data["schools"] if s["overallocated"]]
    assert over == ["Birchwood Elementary", "Cedar Ridge Middle"]
    ids = dict(School.objects.filter(district=demo).values_list("name", "id"))
    assert all(s["id"] == ids[s["name"]] for s in data["schools"])


@pytest.mark.django_db
def test_usage_json_other_product_and_day(demo: District) -> None:
    ela = usage_json("--product", "ela")
    assert ela["product"] == "ela"
    assert not any(s["overallocated"] for s in ela["schools"])
    # A day before this school year's purchases: only the expired one counted then (R7).
    start = maple_valley.school_year(timezone.localdate())
    before = usage_json("--on", f"{start}-06-30")
    assert before["on"] == f"{start}-06-30"
    assert before["purchased"] == 2500
    assert before["unallocated"] == 2500 - before["allocated"]


@pytest.mark.django_db
def test_usage_plain_prints_a_table(demo: District) -> None:
    out = run("usage", "--district", "maple-valley")
    for name in ("Cedar Ridge Middle", "Birchwood Elementary", "Oak Hollow Elementary"):
        assert name in out
    assert "Capacity" in out
    assert "Remaining" in out
    assert out.count("OVERALLOCATED") >= 2
    assert "2 schools over capacity" in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--district", "nowhere"], "No district 'nowhere'"),
        (["--district", "maple-valley", "--product", "chess"], "No product 'chess'"),
        (["--district", "maple-valley", "--on", "31/12/2026"], "is not a date"),
    ],
)
def test_usage_bad_input_is_a_clear_error(demo: District, args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as exc:
        run("usage", *args)
    assert message in str(exc.value)
    assert getattr(exc.value, "returncode", 1) != 0


@pytest.mark.django_db
def test_usage_as_a_school_admin_sees_only_their_school(demo: District) -> None:
    """`--as USERNAME` acts with that user's scope (domain.md roles): the demo school admin
    sees Cedar Ridge only; a user of no district sees nothing of Maple Valley."""
    data = usage_json("--as", "school-admin")
    assert [s["name"] for s in data["schools"]] == ["Cedar Ridge Middle"]
    with pytest.raises(CommandError) as exc:
        run("usage", "--district", "maple-valley", "--as", "nobody-here")
    assert "No user named 'nobody-here'" in str(exc.value)


# --- user create -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["operator", "district_admin", "school_admin", "teacher"])
def test_user_create_each_role_with_password_stdin(
    demo: District, role: str, monkeypatch: Any
) -> None:
    cedar = School.objects.get(district=demo, name="Cedar Ridge Middle")
    args = ["user", "create", f"new-{role}", "--role", role, "--password-stdin"]
    if role != "operator":
        args += ["--district", "maple-valley"]
    if role == "school_admin":
        args += ["--school", str(cedar.pk)]
    out = run(*args, stdin="s3cret-pass-phrase\n", monkeypatch=monkeypatch)
    assert out.strip() == f"Created new-{role} ({role})."
    user = get_user_model().objects.get(username=f"new-{role}")
    assert user.check_password("s3cret-pass-phrase")
    m = Membership.objects.get(user=user)
    assert m.role == role
    assert m.district_id == (None if role == "operator" else demo.pk)
    if role == "school_admin":
        assert scope_for_user(user).school_ids == frozenset([cedar.pk])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--role", "wizard"], "pw-pw-pw-pw\n", "invalid choice: 'wizard'"),
        (["--role", "district_admin"], "pw-pw-pw-pw\n", "district: is required for this role"),
        (["--role", "teacher", "--district", "nowhere"], "pw-pw-pw-pw\n", "no district 'nowhere'"),
        (
            ["--role", "school_admin", "--district", "maple-valley"],
            "pw-pw-pw-pw\n",
            "school: a school admin needs at least one school",
        ),
        (
            ["--role", "school_admin", "--district", "maple-valley", "--school", "999999"],
            "pw-pw-pw-pw\n",
            "no school 999999",
        ),
        (["--role", "operator"], "\n", "no password on standard input"),
    ],
)
def test_user_create_refuses_bad_input_clearly(
    demo: District, args: list[str], stdin: str, message: str, monkeypatch: Any
) -> None:
    users = get_user_model().objects.count()
    with pytest.raises(CommandError) as exc:
        run(
            "user",
            "create",
            "bad-user",
            "--password-stdin",
            *args,
            stdin=stdin,
            monkeypatch=monkeypatch,
        )
    assert message in str(exc.value)
    assert get_user_model().objects.count() == users


@pytest.mark.django_db
def test_user_create_refuses_a_taken_username(demo: District, monkeypatch: Any) -> None:
    with pytest.raises(CommandError) as exc:
        run(
            "user",
            "create",
            "district-admin",
            "--role",
            "operator",
            "--password-stdin",
            stdin="pw-pw-pw-pw\n",
            monkeypatch=monkeypatch,
        )
    assert "username: is taken" in str(exc.value)


# --- the real console script --------------------------------------------------------------------------


@pytest.mark.django_db
def test_console_script_demo_twice_then_usage_json(demo: District, tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "seatkeeper"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SEATKEEPER_VAR_DIR"] = str(tmp_path)

    def seatkeeper(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    first = seatkeeper("demo", "--no-serve")
    assert first.returncode == 0, first.stderr
    assert "Loaded demo district 'maple-valley'" in first.stdout
    assert "district-admin" in first.stdout
    assert "seatkeeper-demo" in first.stdout
    second = seatkeeper("demo", "--no-serve")
    assert second.returncode == 0, second.stderr
    assert "already loaded" in second.stdout
    assert (tmp_path / "seatkeeper.sqlite3").exists()

    result = seatkeeper("usage", "--district", "maple-valley", "--json")
    assert result.returncode == 0, result.stderr
    theirs = json.loads(result.stdout)
    assert set(theirs) == CONTRACT
    # A second, independent load gives the same figures as this process's load.
    ours = usage_json()
    strip = lambda d: {**d, "schools": [{**s, "id": None} for s in d["schools"]]}  # noqa: E731
    assert strip(theirs) == strip(ours)

    bad = seatkeeper("usage", "--district", "nowhere", "--json")
    assert bad.returncode != 0
    assert "No district 'nowhere'" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("123", "This password is too short"),
        ("password", "This password is too common"),
        ("83917465203", "This password is entirely numeric"),
        ("new-weak-user", "The password is too similar to the username"),
    ],
)
def test_user_create_applies_the_web_password_validators(
    demo: District, password: str, message: str, monkeypatch: Any
) -> None:
    """Issue 19 item 11: the CLI accepted "123" and "password"."""
    users = get_user_model().objects.count()
    with pytest.raises(CommandError) as exc:
        run(
            "user",
            "create",
            "new-weak-user",
            "--role",
            "operator",
            "--password-stdin",
            stdin=f"{password}\n",
            monkeypatch=monkeypatch,
        )
    assert f"password: {message}" in str(exc.value)
    assert get_user_model().objects.count() == users
