"""Plain student CSV upload: template, validation, dry run, summary, matching on re-upload."""

from __future__ import annotations

import pytest

from seatkeeper.audit.models import AuditEntry
from seatkeeper.roster.csv_upload import TEMPLATE, csv_import
from seatkeeper.roster.models import Classroom, Enrollment, Student
from seatkeeper.roster.oneroster.importer import ImportRefused

HEADER = TEMPLATE.splitlines()[0]


def upload(tmp_path, world, text: str, **kw):
    path = tmp_path / "students.csv"
    path.write_text(text, encoding="utf-8")
    return csv_import(
        scope=world.scope("district_admin"),
        path=path,
        district_slug=world.district.slug,
        **kw,
    )


def rows(world) -> str:
    school = world.schools[0]
    teacher = world.teachers[0]
    return (
        f"{HEADER}\n"
        f"S-1,Maya,Lopez,,2014-03-09,5,1001,,,{school.name},{world.classrooms[0].name},\n"
        f"S-2,Noah,Kim,,,5,1002,,,{school.sourced_id},Reading Club,{teacher.email}\n"
        f"S-2,Noah,Kim,,,5,1002,,,{school.sourced_id},{world.classrooms[0].name},\n"
    )


def test_template_has_every_column_and_an_example_row():
    header, example = TEMPLATE.splitlines()
    assert header.startswith("student_id,first_name,last_name")
    assert len(example.split(",")) == len(header.split(","))


def test_upload_adds_students_classroom_and_enrollments(world_a, tmp_path):
    summary = upload(tmp_path, world_a, rows(world_a))
    assert summary["kind"] == "csv"
    assert summary["entities"]["students"]["created"] == 2
    assert summary["entities"]["classrooms"]["created"] == 1
    assert summary["entities"]["enrollments"]["created"] == 3
    maya = Student.objects.get(district=world_a.district, sourced_id="S-1")
    assert maya.roster_source == "csv"
    assert str(maya.date_of_birth) == "2014-03-09"
    club = Classroom.objects.get(district=world_a.district, name="Reading Club")
    assert club.primary_teacher == world_a.teachers[0]
    assert Enrollment.objects.filter(student__sourced_id="S-2").count() == 2
    seats = {r["school_id"]: r for r in summary["seats"]}
    s = seats[world_a.schools[0].pk]
    assert s["used_after"] == s["used_before"] + 2
    again = upload(tmp_path, world_a, rows(world_a))
    assert again["entities"]["students"] == {
        "created": 0,
        "updated": 0,
        "deleted": 0,
        "unchanged": 2,
    }
    assert again["entities"]["enrollments"]["created"] == 0


def test_dry_run_writes_nothing(world_a, tmp_path):
    before = (Student.objects.count(), Enrollment.objects.count(), AuditEntry.objects.count())
    summary = upload(tmp_path, world_a, rows(world_a), dry_run=True)
    assert summary["entities"]["students"]["created"] == 2
    assert (
        Student.objects.count(),
        Enrollment.objects.count(),
        AuditEntry.objects.count(),
    ) == before


def test_errors_name_line_column_and_value_and_nothing_is_written(world_a, tmp_path):
    school = world_a.schools[0].name
    text = (
        f"{HEADER}\n"
        f"S-1,Maya,Lopez,,2014-31-09,5,,,,{school},,\n"
        f",,,,,5,,,,Nowhere High,,\n"
        f"S-3,Ann,Lee,,,5,,not-an-email,,{school},Math,ghost@example.org\n"
    )
    before = Student.objects.count()
    with pytest.raises(ImportRefused) as info:
        upload(tmp_path, world_a, text)
    got = {(p.line, p.column, p.value) for p in info.value.problems}
    assert got == {
        (2, "date_of_birth", "2014-31-09"),
        (3, "student_id", None),
        (3, "last_name", None),
        (3, "school", "Nowhere High"),
        (4, "email", "not-an-email"),
        (4, "teacher_email", "ghost@example.org"),
    }
    assert Student.objects.count() == before


def test_other_districts_schools_are_unknown(world_a, world_b, tmp_path):
    text = f"{HEADER}\nS-1,Maya,Lopez,,,5,,,,{world_b.schools[0].sourced_id},,\n"
    with pytest.raises(ImportRefused) as info:
        upload(tmp_path, world_a, text)
    assert [p.column for p in info.value.problems] == ["school"]


def test_teacher_may_not_upload(world_a, tmp_path):
    from seatkeeper.errors import Forbidden

    path = tmp_path / "s.csv"
    path.write_text(rows(world_a))
    with pytest.raises(Forbidden):
        csv_import(scope=world_a.scope("teacher"), path=path, district_slug=world_a.district.slug)


def test_same_rules_as_oneroster_wide_rows_refused_and_header_case_read(world_a, tmp_path):
    """Issue 15, for the student CSV too: an unquoted comma shifts every later column."""
    school = world_a.schools[0]
    text = (
        f"{HEADER}\n"
        f"S-1,Maya,Lopez, Jr,,2014-03-09,5,1001,,,{school.name},,\n"
        f"S-2,Noah,Kim,,,5,1002,,,{school.name},,\n"
    )
    with pytest.raises(ImportRefused) as info:
        upload(tmp_path, world_a, text)
    (p,) = info.value.problems
    assert (p.file, p.line) == ("students.csv", 2)
    assert "13 fields" in p.message
    assert "header 12" in p.message
    assert not Student.objects.filter(sourced_id__in=["S-1", "S-2"]).exists()
    summary = upload(
        tmp_path,
        world_a,
        HEADER.replace("first_name", "First_Name")
        + f"\nS-3,Ada,Byron,,,5,1003,,,{school.name},,\n",
    )
    assert Student.objects.get(sourced_id="S-3").first_name == "Ada"
    (w,) = [w for w in summary["warnings"] if w["code"] == "csv-header-case"]
    assert w["examples"] == [
        {"file": "students.csv", "line": 1, "value": "First_Name as first_name"}
    ]
