"""Issue 15 (export), issue 17 item 2: an export a strict OneRoster 1.1 bulk consumer accepts;
import, export, re-import into a fresh district gives the same seats, terms, classes and
teachers; and a district's own export re-imports into it as no change."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.db import transaction

from bench.generate import generate_district
from seatkeeper.demo import maple_valley
from seatkeeper.orgs.models import District, Product, School
from seatkeeper.orgs.scoping import district_for
from seatkeeper.roster.models import (
    Classroom,
    ClassroomStatus,
    ClassroomTeacher,
    ClassroomTerm,
    Enrollment,
    Student,
    Teacher,
    Term,
)
from seatkeeper.roster.oneroster.exporter import export_oneroster
from seatkeeper.roster.oneroster.ids import made_up
from seatkeeper.roster.oneroster.importer import oneroster_import
from seatkeeper.seats import ledger
from seatkeeper.seats.models import TeacherAccess
from seatkeeper.seats.selectors import used_by_school
from tests.roster.oneroster import strict
from tests.roster.oneroster.helpers import FILES, SAMPLES, op, totals, write_set

TODAY = dt.date(2026, 11, 28)


def export(slug: str, out) -> dict[str, int]:
    scope, district = district_for(op(), slug)
    return export_oneroster(scope=scope, district=district, out=out)


def read(out, name: str) -> list[dict[str, str]]:
    with zipfile.ZipFile(out) as zf:
        return list(csv.DictReader(io.TextIOWrapper(zf.open(name), encoding="utf-8")))


def manifest(out) -> dict[str, str]:
    return {r["propertyName"]: r["value"] for r in read(out, "manifest.csv")}


def assert_no_change(summary) -> None:
    for what in ("created", "updated", "deleted"):
        assert set(totals(summary, what).values()) == {0}, (what, totals(summary, what))


def copy_access(source: str, copy: str) -> None:
    """Licences are not roster data (not exported): give the copy's teachers the source's."""
    a, b = District.objects.get(slug=source), District.objects.get(slug=copy)
    on = {
        made_up("teacher", pk, s)
        for pk, s in TeacherAccess.objects.filter(
            district=a, product__code="core", on=True
        ).values_list("teacher_id", "teacher__sourced_id")
    }
    rows = TeacherAccess.objects.filter(district=b, product__code="core")
    with transaction.atomic():
        rows.filter(teacher__sourced_id__in=on).update(on=True)
        rows.exclude(teacher__sourced_id__in=on).update(on=False)
        ledger.sync(b.pk)  # a raw write of seat facts ends in the ledger's sync, as services do


def snapshot(slug: str) -> dict[str, object]:
    """Seats per school, terms, classes (what counts) and teachers, named by sourcedId (an
    exported row's made-up one where it has none)."""
    d = District.objects.get(slug=slug)
    school = {
        pk: made_up("school", pk, s)
        for pk, s in School.objects.filter(district=d).values_list("id", "sourced_id")
    }
    term = {
        pk: made_up("term", pk, s)
        for pk, s in Term.objects.filter(district=d).values_list("id", "sourced_id")
    }
    live_teachers = Teacher.objects.filter(district=d, deleted_at=None)
    teacher = {
        pk: made_up("teacher", pk, s) for pk, s in live_teachers.values_list("id", "sourced_id")
    }
    core = Product.objects.get(district=d, code="core")
    seats = {school[s]: n for s, n in used_by_school(district_id=d.pk, product_id=core.pk).items()}
    terms = {
        term[t.pk]: (
            t.name,
            t.starts_on,
            t.ends_on,
            t.type or "term",
            term.get(t.parent_id),
            t.school_year or str(t.ends_on.year),
        )
        for t in Term.objects.filter(district=d)
    }
    further: dict[int, list[str]] = {}
    for cid, tid in ClassroomTerm.objects.filter(district=d).values_list("classroom_id", "term_id"):
        further.setdefault(cid, []).append(term[tid])
    co: dict[int, list[str]] = {}
    for cid, tid in ClassroomTeacher.objects.filter(district=d).values_list(
        "classroom_id", "teacher_id"
    ):
        if tid in teacher:
            co.setdefault(cid, []).append(teacher[tid])
    classes = {
        made_up("classroom", c.pk, c.sourced_id): (
            c.name,
            c.course_code,
            school[c.school_id],
            [term[c.term_id]] if c.term_id else [],
            further.get(c.pk, []),
            teacher.get(c.primary_teacher_id),
            sorted(co.get(c.pk, [])),
            Enrollment.objects.filter(classroom=c, student__deleted_at=None).count(),
        )
        for c in Classroom.objects.filter(
            district=d, status=ClassroomStatus.ACTIVE, deleted_at=None
        )
    }
    teachers = {
        teacher[t.pk]: (t.first_name, t.middle_name, t.last_name, t.email, school.get(t.school_id))
        for t in live_teachers
    }
    return {"seats": seats, "terms": terms, "classes": classes, "teachers": teachers}


def round_trip(tmp_path, slug: str) -> dict[str, object]:
    """Export `slug`, import it into a fresh district, export that again; both exports strict."""
    out = tmp_path / f"{slug}.zip"
    export(slug, out)
    assert strict.problems(out) == []
    summary = oneroster_import(scope=op(), path=out, district_slug=f"{slug}-copy")
    assert summary["errors"] == []
    copy_access(slug, f"{slug}-copy")
    again = tmp_path / f"{slug}-copy.zip"
    export(f"{slug}-copy", again)
    assert strict.problems(again) == []
    return summary


# --- the export -----------------------------------------------------------------------------


RICH = {
    "academicSessions.csv": """sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear
y1,,,2026-2027,schoolYear,2026-08-01,2027-06-30,,2027
t1,,,Fall,semester,2026-08-01,2026-12-20,y1,2027
t2,,,Spring,Semester,2027-01-05,2027-06-30,y1,2027
""",
    "courses.csv": """sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes
co1,,,y1,Algebra I,MA-101,,s1,,
co2,,,,Biology,SC-201,,d1,,
""",
    "classes.csv": """sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods
c1,,,Algebra 1,09,co1,ALG1,scheduled,,s1,"t1,t2",,,
c2,,,Biology,09,co2,,scheduled,,s1,t1,,,
c3,,,Math 7,07,co3,,scheduled,,s2,t2,,,
""",
    "users.csv": FILES["users.csv"].replace("Tara,Kim,,", "Tara,Kim,Lee,"),
}


def test_the_export_keeps_courses_terms_session_types_middle_names_and_class_codes(db, tmp_path):
    oneroster_import(scope=op(), path=write_set(tmp_path / "set", **RICH), district_slug="lake")
    out = tmp_path / "lake.zip"
    export("lake", out)
    assert strict.problems(out) == []
    sessions = {r["sourcedId"]: r for r in read(out, "academicSessions.csv")}
    assert {k: (r["type"], r["parentSourcedId"], r["schoolYear"]) for k, r in sessions.items()} == {
        "y1": ("schoolYear", "", "2027"),
        "t1": ("semester", "y1", "2027"),
        "t2": ("semester", "y1", "2027"),  # "Semester" read as OneRoster's
    }
    classes = {r["sourcedId"]: r for r in read(out, "classes.csv")}
    assert {
        k: (r["termSourcedIds"], r["courseSourcedId"], r["classCode"]) for k, r in classes.items()
    } == {
        "c1": ("t1,t2", "co1", "ALG1"),
        "c2": ("t1", "co2", ""),  # no classCode given: none made up
        "c3": ("t2", "co3", ""),  # co3 is in no courses.csv: kept by its sourcedId
    }
    courses = {r["sourcedId"]: r for r in read(out, "courses.csv")}
    assert {
        k: (r["title"], r["courseCode"], r["orgSourcedId"], r["schoolYearSourcedId"])
        for k, r in courses.items()
    } == {
        "co1": ("Algebra I", "MA-101", "s1", "y1"),
        "co2": ("Biology", "SC-201", "d1", ""),
        "co3": ("Math 7", "", "s2", ""),
    }
    users = {r["sourcedId"]: r for r in read(out, "users.csv")}
    assert users["u1"]["middleName"] == "Lee"
    # No demographics: the file is absent, and said so.
    assert manifest(out)["file.demographics"] == "absent"
    assert manifest(out)["file.courses"] == "bulk"
    with zipfile.ZipFile(out) as zf:
        assert "demographics.csv" not in zf.namelist()
    # ... and it re-imports as no change.
    assert_no_change(oneroster_import(scope=op(), path=out, district_slug="lake"))


def test_round_trip_of_an_imported_set_keeps_terms_classes_and_teachers(db, tmp_path):
    oneroster_import(scope=op(), path=write_set(tmp_path / "set", **RICH), district_slug="lake")
    round_trip(tmp_path, "lake")
    assert snapshot("lake-copy") == snapshot("lake")


SAMPLE_SETS = [
    "roster-hub-en",
    "roster-hub-ja",
    "catalyst/Test_full_data_set.zip",
    "catalyst/Test_minimal_data_set.zip",
    "catalyst/v1p2_full_dataset.zip",
    "catalyst/oneroster_test_data.zip",
]


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"the shared samples are not at {SAMPLES}")
@pytest.mark.parametrize("sample", SAMPLE_SETS)
def test_round_trip_of_the_third_party_samples(db, tmp_path, sample):
    oneroster_import(scope=op(), path=SAMPLES / sample, district_slug="src")
    round_trip(tmp_path, "src")
    assert snapshot("src-copy") == snapshot("src")
    assert_no_change(oneroster_import(scope=op(), path=tmp_path / "src.zip", district_slug="src"))


def test_round_trip_of_a_generated_district(db, tmp_path):
    generate_district("gen", students=900, seed=3, schools=3, today=TODAY)
    round_trip(tmp_path, "gen")
    a, b = snapshot("gen"), snapshot("gen-copy")
    assert sum(a["seats"].values()) > 500  # type: ignore[attr-defined]
    assert b == a


# --- the district's own export, re-imported (issue 17 item 2) -------------------------------


def test_the_demo_export_is_strict_and_reimports_into_its_district_as_no_change(db, tmp_path):
    """Students, classrooms and enrollments added by hand or by CSV have no sourcedId: the
    export names them `seatkeeper-student-599`, and the import reads that back as the row."""
    maple_valley.load()
    before = (Student.objects.count(), Classroom.objects.count(), Enrollment.objects.count())
    assert Student.objects.filter(sourced_id="").exists()  # the case at hand
    out = tmp_path / "mv.zip"
    counts = export("maple-valley", out)
    assert strict.problems(out) == []
    assert counts["courses.csv"] > 0
    courses = {r["sourcedId"] for r in read(out, "courses.csv")}
    assert all(r["courseSourcedId"] in courses for r in read(out, "classes.csv"))
    assert any(r["sourcedId"].startswith("seatkeeper-student-") for r in read(out, "users.csv"))
    summary = oneroster_import(scope=op(), path=out, district_slug="maple-valley")
    assert_no_change(summary)
    assert (
        Student.objects.count(),
        Classroom.objects.count(),
        Enrollment.objects.count(),
    ) == before
    assert not Student.objects.filter(sourced_id__startswith="seatkeeper-").exists()


def test_a_generated_districts_own_export_reimports_as_no_change(db, tmp_path):
    generate_district("gen", students=900, seed=3, schools=3, today=TODAY)
    d = District.objects.get(slug="gen")
    before = snapshot("gen")
    rows = {
        m.__name__: m.objects.filter(district=d).count()
        for m in (Student, Teacher, Classroom, Enrollment, ClassroomTeacher)
    }
    out = tmp_path / "gen.zip"
    export("gen", out)
    assert_no_change(oneroster_import(scope=op(), path=out, district_slug="gen"))
    assert snapshot("gen") == before
    assert {
        m.__name__: m.objects.filter(district=d).count()
        for m in (Student, Teacher, Classroom, Enrollment, ClassroomTeacher)
    } == rows
