"""Export, then import into an empty district: the same usage figures (R1-R8 carried over)."""

from __future__ import annotations

import csv
import io
import zipfile

from django.core.management import call_command

from seatkeeper.demo import maple_valley
from seatkeeper.orgs.models import District, Product, School
from seatkeeper.orgs.scoping import district_for
from seatkeeper.roster.oneroster.exporter import export_oneroster
from seatkeeper.roster.oneroster.importer import oneroster_import
from seatkeeper.seats.selectors import used_by_school
from tests.roster.oneroster.helpers import op, totals


def used(slug: str) -> dict[str, int]:
    d = District.objects.get(slug=slug)
    core = Product.objects.get(district=d, code="core")
    names = dict(School.objects.filter(district=d).values_list("id", "sourced_id"))
    return {names[s]: n for s, n in used_by_school(district_id=d.pk, product_id=core.pk).items()}


def test_export_then_import_into_an_empty_district_gives_the_same_usage(db, tmp_path):
    maple_valley.load()
    out = tmp_path / "mv.zip"
    call_command("export", "oneroster", str(out), district="maple-valley", stdout=io.StringIO())
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        users = list(csv.DictReader(io.TextIOWrapper(zf.open("users.csv"), encoding="utf-8")))
    assert {"manifest.csv", "orgs.csv", "users.csv", "classes.csv", "enrollments.csv"} <= names
    assert len({u["sourcedId"] for u in users}) == len(users)
    summary = oneroster_import(scope=op(), path=out, district_slug="mv-copy")
    assert summary["errors"] == []
    assert used("mv-copy") == used("maple-valley")
    assert sum(used("mv-copy").values()) > 3000
    # ... and importing the export again changes nothing.
    again = oneroster_import(scope=op(), path=out, district_slug="mv-copy")
    assert set(totals(again).values()) == {0}
    assert set(totals(again, "updated").values()) == {0}


def test_export_of_an_imported_district_round_trips_its_sourcedids(db, tmp_path):
    from tests.roster.oneroster.helpers import write_set

    oneroster_import(scope=op(), path=write_set(tmp_path / "set"), district_slug="lake")
    scope, district = district_for(op(), "lake")
    out = tmp_path / "lake.zip"
    counts = export_oneroster(scope=scope, district=district, out=out)
    assert counts["users.csv"] == 5  # 2 teachers + 3 students (the admin invite is no user)
    assert counts["enrollments.csv"] == 7
    again = oneroster_import(scope=op(), path=out, district_slug="lake")
    assert set(totals(again).values()) == {0}
    assert set(totals(again, "updated").values()) == {0}
    assert set(totals(again, "deleted").values()) == {0}
