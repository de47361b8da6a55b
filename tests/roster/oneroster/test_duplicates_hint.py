"""Creating a student by hand who looks like a rostered one is warned about (R3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from seatkeeper.orgs.models import District
from seatkeeper.roster.duplicates_hint import likely_duplicates_for
from seatkeeper.roster.oneroster.importer import oneroster_import
from tests.roster.oneroster.helpers import op, write_set


def test_r3_hand_made_student_matching_a_rostered_one_is_flagged(db, tmp_path):
    folder = write_set(
        tmp_path / "set",
        **{
            "demographics.csv": "sourcedId,status,dateLastModified,birthDate,sex\n"
            "u3,active,,2011-05-02,\n"
        },
    )
    oneroster_import(scope=op(), path=folder, district_slug="lake")
    district = District.objects.get(slug="lake")
    scope = replace(op(), district_id=district.pk)
    hits = likely_duplicates_for(
        scope=scope,
        district=district,
        first_name=" ána ",
        last_name="DIAZ",
        date_of_birth=dt.date(2011, 5, 2),
    )
    assert [(h.sourced_id, h.reason) for h in hits] == [("u3", "same name and date of birth")]
    assert (
        likely_duplicates_for(
            scope=scope,
            district=district,
            first_name="Ana",
            last_name="Diaz",
            date_of_birth=dt.date(2012, 1, 1),
        )
        == []
    )
    assert [
        h.reason
        for h in likely_duplicates_for(
            scope=scope, district=district, first_name="Ana", last_name="Díaz"
        )
    ] == ["same name"]
    assert (
        likely_duplicates_for(scope=scope, district=district, first_name="Ana", last_name="Li")
        == []
    )


def test_other_districts_students_are_never_hinted(world_a, world_b):
    s = world_b.students[0]
    hits = likely_duplicates_for(
        scope=world_a.scope("district_admin"),
        district=world_a.district,
        first_name=s.first_name,
        last_name=s.last_name,
        rostered_only=False,
    )
    assert hits == []
    mine = world_a.students[0]
    found = likely_duplicates_for(
        scope=world_a.scope("district_admin"),
        district=world_a.district,
        first_name=mine.first_name,
        last_name=mine.last_name,
        rostered_only=False,
    )
    assert [h.id for h in found] == [mine.pk]
