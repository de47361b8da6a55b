"""Real OneRoster files written by other projects (../shared/oneroster-samples, see its README):
each imports what is valid, says in the summary how it handled the defects, and re-imports
with no change."""

from __future__ import annotations

import pytest

from seatkeeper.orgs.models import District, Product, School
from seatkeeper.roster.models import Classroom, RosterInvite, Student, Teacher
from seatkeeper.roster.oneroster.importer import oneroster_import
from seatkeeper.seats.selectors import used_by_school
from tests.roster.oneroster.helpers import SAMPLES, op, totals

pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"the shared OneRoster samples are not at {SAMPLES}"
)


def codes(summary) -> set[str]:
    return {w["code"] for w in summary["warnings"]}


def used(slug: str) -> dict[str, int]:
    d = District.objects.get(slug=slug)
    core = Product.objects.get(district=d, code="core")
    names = dict(School.objects.filter(district=d).values_list("id", "sourced_id"))
    return {names[s]: n for s, n in used_by_school(district_id=d.pk, product_id=core.pk).items()}


def assert_reimport_is_a_no_op(path, slug: str) -> None:
    again = oneroster_import(scope=op(), path=path, district_slug=slug)
    for what in ("created", "updated", "deleted"):
        assert set(totals(again, what).values()) == {0}, what


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_roster_hub_student_who_teaches_becomes_a_teacher(db, lang):
    path = SAMPLES / f"roster-hub-{lang}"
    summary = oneroster_import(scope=op(), path=path, district_slug="hub")
    district = District.objects.get(slug="hub")
    # No district org: the district is named after the slug.
    assert district.name == "hub"
    assert totals(summary) == {
        "schools": 1,
        "terms": 4,
        "courses": 2,
        "teachers": 2,
        "students": 18,
        "invites": 0,
        "classrooms": 5,
        "co_teachers": 0,
        "enrollments": 25,
    }
    assert "role-contradicted:student->teacher" in codes(summary)
    assert set(Teacher.objects.filter(district=district).values_list("sourced_id", flat=True)) == {
        "us0001",
        "us0002",
    }
    assert not Student.objects.filter(
        district=district, sourced_id__in=["us0001", "us0002"]
    ).exists()
    assert used("hub") == {"or0001": 18}
    if lang == "ja":
        assert School.objects.get(district=district).name == "動作検証大学"
        assert (
            Classroom.objects.get(district=district, sourced_id="cl0003").name == "情報システム特論"
        )
    assert_reimport_is_a_no_op(path, "hub")


def test_catalyst_full_set_department_without_parent_is_the_school(db):
    path = SAMPLES / "catalyst" / "Test_full_data_set.zip"
    summary = oneroster_import(scope=op(), path=path, district_slug="cat")
    district = District.objects.get(slug="cat")
    assert {
        "org-as-school:department",
        "role-contradicted:teacher->student",
        "no-primary",
    } <= codes(summary)
    assert "classes.csv:tobedeleted-in-bulk" in codes(summary)
    school = School.objects.get(district=district)
    assert (school.sourced_id, school.name) == ("org-sch-222-456", "History Department")
    # The class marked tobedeleted is not created, nor are its three enrollments.
    assert list(
        Classroom.objects.filter(district=district).values_list("sourced_id", flat=True)
    ) == ["cls-222-123456"]
    physics = Classroom.objects.get(district=district)
    assert physics.primary_teacher.sourced_id == "usr-222-123456"
    # "teacher" Jim Smith is only ever enrolled as a student: imported as a student.
    assert Student.objects.filter(district=district, sourced_id="usr-222-987654").exists()
    assert not Teacher.objects.filter(sourced_id="usr-222-987654").exists()
    assert summary["ignored"]["enrollments: in a class deleted (tobedeleted) or not imported"] == 3
    assert used("cat") == {"org-sch-222-456": 2}
    assert_reimport_is_a_no_op(path, "cat")


def test_catalyst_minimal_set(db):
    path = SAMPLES / "catalyst" / "Test_minimal_data_set.zip"
    summary = oneroster_import(scope=op(), path=path, district_slug="cat")
    assert summary["entities"]["classrooms"]["created"] == 2
    assert summary["entities"]["enrollments"]["created"] == 4
    assert "role-ignored:parent" in codes(summary)
    assert used("cat") == {"org-sch-222-456": 2}
    assert_reimport_is_a_no_op(path, "cat")


def test_catalyst_v1p2_bulk_roles_file_gives_roles_and_a_site_admin_invite(db):
    path = SAMPLES / "catalyst" / "v1p2_full_dataset.zip"
    summary = oneroster_import(scope=op(), path=path, district_slug="cat")
    assert summary["version"] == "1.2"
    assert "users.csv:dateLastModified" in codes(summary)
    invite = RosterInvite.objects.get(district__slug="cat")
    assert (invite.sourced_id, invite.role) == ("usr-222-1234561", "school_admin")
    assert Teacher.objects.get(district__slug="cat").sourced_id == "usr-222-123456"
    assert used("cat") == {"org-sch-222-456": 2}
    assert_reimport_is_a_no_op(path, "cat")


def test_catalyst_v1p2_delta_set_with_demographics(db):
    path = SAMPLES / "catalyst" / "oneroster_test_data.zip"
    summary = oneroster_import(scope=op(), path=path, district_slug="cat")
    assert (summary["version"], summary["mode"]) == ("1.2", "delta")
    bruce = Student.objects.get(district__slug="cat", sourced_id="USER_0")
    assert str(bruce.date_of_birth) == "2010-04-17"
    # The class has no teacher, so it is licensed for nobody: no seat (R1).
    assert used("cat") == {}
    assert_reimport_is_a_no_op(path, "cat")
