"""`seatkeeper import oneroster|csv ...` and `seatkeeper export oneroster ...`."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from seatkeeper.orgs.models import District
from tests.roster.oneroster.helpers import FILES, write_set


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import", *args, stdout=out)
    return out.getvalue()


def test_import_json_summary_and_dry_run(db, tmp_path):
    folder = str(write_set(tmp_path / "set"))
    dry = json.loads(run("oneroster", folder, "--district", "lake", "--dry-run", "--json"))
    assert dry["dry_run"] is True
    assert dry["applied"] is False
    assert not District.objects.filter(slug="lake").exists()
    applied = json.loads(run("oneroster", folder, "--district", "lake", "--json"))
    assert applied["entities"] == dry["entities"]
    assert set(applied) >= {"entities", "seats", "warnings", "held_back", "errors", "import_run"}
    again = run("oneroster", folder, "--district", "lake")
    assert "Applied: oneroster import of set into lake" in again
    assert "│ students    │       0 │       0 │       0 │         3 │" in again


def test_refused_import_exits_non_zero_naming_file_line_column(db, tmp_path):
    users = FILES["users.csv"] + "u3,active,,true,s1,student,x,,D,L,,,,,,,09,\n"
    folder = str(write_set(tmp_path / "set", **{"users.csv": users}))
    with pytest.raises(CommandError) as info:
        run("oneroster", folder, "--district", "lake")
    assert info.value.returncode == 2
    assert "users.csv:8:sourcedId" in str(info.value)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "oneroster", folder, "--district", "lake", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["code"] == "import_refused"
    assert body["errors"][0]["line"] == 8


def test_csv_template_is_printed(db):
    assert run("csv", "--template").startswith("student_id,first_name,last_name")


def test_export_writes_a_zip(db, tmp_path):
    run("oneroster", str(write_set(tmp_path / "set")), "--district", "lake")
    out = io.StringIO()
    call_command("export", "oneroster", str(tmp_path / "x.zip"), district="lake", stdout=out)
    assert "3 students" not in out.getvalue()  # users are counted together
    assert "5 users" in out.getvalue()
    assert (tmp_path / "x.zip").stat().st_size > 0


def test_issue_17_10_import_undo_from_the_cli(db, tmp_path):
    from seatkeeper.roster.models import ImportRun, Student

    folder = str(write_set(tmp_path / "set"))
    run("oneroster", folder, "--district", "lake", "--json")
    changed = write_set(tmp_path / "b", **{"users.csv": FILES["users.csv"].replace("Bo,", "Bob,")})
    second = json.loads(run("oneroster", str(changed), "--district", "lake", "--json"))
    n = second["import_run"]
    dry = json.loads(run("undo", str(n), "--dry-run", "--json"))
    assert dry["dry_run"] is True
    assert dry["undone"] is False
    assert {"what": "students", "table": "roster_student", "updated": 1} in dry["changes"]
    assert Student.objects.get(sourced_id="u4").first_name == "Bob"
    text = run("undo", str(n))
    assert f"Undone: put back import #{n} (b)." in text
    assert "students: 1 changed, put back" in text
    assert Student.objects.get(sourced_id="u4").first_name == "Bo"
    assert ImportRun.objects.get(pk=n).status == "undone"
    with pytest.raises(CommandError, match="already undone") as info:
        run("undo", str(n))
    assert info.value.returncode == 1
    with pytest.raises(CommandError, match="No applied import 999") as info:
        run("undo", "999")
    assert info.value.returncode == 2
