"""issue 17.1: a OneRoster value longer than its column is refused with file, line and column,
never cut; nothing is written."""

from __future__ import annotations

import pytest

from seatkeeper.orgs.models import District
from seatkeeper.roster.oneroster.importer import ImportRefused, oneroster_import
from tests.roster.oneroster.helpers import FILES, op, write_set

LONG = "N" * 400


def test_issue_17_1_oneroster_refuses_over_long_values_with_file_line_column(db, tmp_path):  # type: ignore[no-untyped-def]
    users = FILES["users.csv"].replace(",Ana,Diaz,", f",Ana,{LONG},")
    classes = FILES["classes.csv"].replace(",Biology,", f",{LONG},")
    orgs = FILES["orgs.csv"].replace(",Lakeside Middle,", f",{LONG},")
    sessions = FILES["academicSessions.csv"].replace(",2026-2027,", f",{LONG},")
    folder = write_set(
        tmp_path / "set",
        **{
            "users.csv": users,
            "classes.csv": classes,
            "orgs.csv": orgs,
            "academicSessions.csv": sessions,
        },
    )
    with pytest.raises(ImportRefused) as info:
        oneroster_import(scope=op(), path=folder, district_slug="lake")
    where = {(p.file, p.line, p.column) for p in info.value.problems}
    assert ("users.csv", 4, "familyName") in where
    assert ("classes.csv", 3, "title") in where
    assert ("orgs.csv", 4, "name") in where
    assert ("academicSessions.csv", 2, "title") in where
    long = [p for p in info.value.problems if "too long" in p.message]
    assert all("400 characters, at most" in p.message for p in long)
    assert not District.objects.filter(slug="lake").exists()
