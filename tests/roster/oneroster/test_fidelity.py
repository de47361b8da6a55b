"""Issue 15: refuse what would corrupt (located errors, nothing written), and read what has one
obvious meaning, each with a note in the summary (file and count)."""

from __future__ import annotations

import pytest

from seatkeeper.roster.models import Classroom, ClassroomTeacher, Student, Teacher
from seatkeeper.roster.oneroster.importer import oneroster_import
from tests.roster.oneroster.helpers import FILES, op, write_set
from tests.roster.oneroster.test_broken_files import refused, where


def imported(tmp_path, **changes):
    return oneroster_import(
        scope=op(), path=write_set(tmp_path / "set", **changes), district_slug="lake"
    )


def note(summary, code: str) -> dict:
    found = {w["code"]: w for w in summary["warnings"]}
    assert code in found, sorted(found)
    return found[code]


# --- refused --------------------------------------------------------------------------------


def test_a_row_with_more_fields_than_its_header_is_refused_with_both_counts(db, tmp_path):
    """An unquoted comma in a name shifts every later column: "Jr" is no surname."""
    users = FILES["users.csv"].replace("Ana,Diaz,", "Ana,Diaz, Jr,")
    exc = refused(tmp_path, **{"users.csv": users})
    assert where(exc) == [("users.csv", 4, None, None)]
    (p,) = exc.problems
    assert "19 fields" in p.message
    assert "header 18" in p.message
    assert not Student.objects.exists()


def test_a_wide_row_is_refused_in_a_small_file_too(db, tmp_path):
    orgs = FILES["orgs.csv"].replace("s2,active,,Lakeside Middle,", "s2,active,,Lakeside, Middle,")
    exc = refused(tmp_path, **{"orgs.csv": orgs})
    assert ("orgs.csv", 4, None, None) in where(exc)
    assert "8 fields" in exc.problems[0].message
    assert "header 7" in exc.problems[0].message
    # The classes of the refused school are not reported a second time.
    assert [w for w in where(exc) if w[0] == "classes.csv"] == []


def test_a_short_row_is_an_error_unless_only_trailing_optional_fields_are_missing(db, tmp_path):
    enrollments = FILES["enrollments.csv"].replace(
        "e7,active,,c3,s2,u5,student,false,,", "e7,active,,c3,s2"
    )
    exc = refused(tmp_path, **{"enrollments.csv": enrollments})
    assert where(exc) == [("enrollments.csv", 8, None, None)]
    assert "5 fields" in exc.problems[0].message
    assert "userSourcedId" in exc.problems[0].message
    # users.csv ends with grades,password; enrollments with primary,beginDate,endDate: rows
    # without them read them as empty.
    users = FILES["users.csv"].replace(
        "u1,active,,true,s1,teacher,tkim,,Tara,Kim,,T1,tara.kim@example.org,,,,,",
        "u1,active,,true,s1,teacher,tkim,,Tara,Kim,,T1,tara.kim@example.org",
    )
    enrollments = FILES["enrollments.csv"].replace(
        "e4,active,,c1,s1,u3,student,false,,", "e4,active,,c1,s1,u3,student"
    )
    summary = imported(tmp_path, **{"users.csv": users, "enrollments.csv": enrollments})
    assert Teacher.objects.get(sourced_id="u1").email == "tara.kim@example.org"
    assert summary["entities"]["enrollments"]["created"] == 4


def test_role_errors_from_roles_csv_are_placed_in_roles_csv(db, tmp_path):
    """OneRoster 1.2: the role is in roles.csv, so is its error (line and value)."""
    users = (
        FILES["users.csv"]
        .replace(",role,", ",")
        .replace(",teacher,", ",")
        .replace(",student,", ",")
        .replace(",administrator,", ",")
    )
    roles = (
        "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,"
        "orgSourcedId\n"
        "r1,,,u1,primary,teacher,,,s1\n"
        "r2,,,u2,primary,teacher,,,s2\n"
        "r3,,,u3,primary,student,,,s1\n"
        "r4,,,u4,primary,pupil,,,s1\n"
        "r5,,,u5,primary,student,,,s2\n"
        "r6,,,u6,primary,administrator,,,s1\n"
    )
    exc = refused(tmp_path, **{"users.csv": users, "roles.csv": roles})
    # Only the roles.csv row is reported: u4 itself and its enrollment are not reported again.
    assert where(exc) == [("roles.csv", 5, "role", "pupil")]
    # A role in users.csv (OneRoster 1.1) is reported there.
    users = FILES["users.csv"].replace("u4,active,,true,s1,student", "u4,active,,true,s1,pupil")
    exc = refused(tmp_path / "b", **{"users.csv": users})
    assert where(exc) == [("users.csv", 5, "role", "pupil")]


def test_the_same_primary_teacher_listed_for_two_terms_makes_no_co_teacher(db, tmp_path):
    enrollments = FILES["enrollments.csv"] + "e1b,active,,c1,s1,u1,teacher,true,2027-01-10,\n"
    summary = imported(tmp_path, **{"enrollments.csv": enrollments})
    codes = {w["code"] for w in summary["warnings"]}
    assert "several-primaries" not in codes
    w = note(summary, "primary-repeated")
    assert "no co-teacher" in w["message"]
    assert w["count"] == 1
    assert w["examples"] == [{"file": "enrollments.csv", "line": 2, "value": "c1"}]
    assert not ClassroomTeacher.objects.exists()


def test_two_teachers_marked_primary_say_the_second_became_a_co_teacher(db, tmp_path):
    enrollments = FILES["enrollments.csv"] + "e9,active,,c1,s1,u2,teacher,true,,\n"
    summary = imported(tmp_path, **{"enrollments.csv": enrollments})
    w = note(summary, "several-primaries")
    assert "co-teachers" in w["message"]
    assert w["count"] == 1
    assert w["examples"] == [{"file": "enrollments.csv", "line": 2, "value": "c1"}]
    c1 = Classroom.objects.get(sourced_id="c1")
    assert c1.primary_teacher.sourced_id == "u1"
    assert list(ClassroomTeacher.objects.values_list("teacher__sourced_id", flat=True)) == ["u2"]


# --- read, with a note ----------------------------------------------------------------------


def test_header_names_differing_only_in_case_are_read_with_a_note(db, tmp_path):
    demographics = "sourcedid,status,datelastmodified,birthdate\nu3,,,2011-04-02\n"
    users = FILES["users.csv"].replace("givenName,familyName", "GivenName,FAMILYNAME")
    summary = imported(tmp_path, **{"demographics.csv": demographics, "users.csv": users})
    assert str(Student.objects.get(sourced_id="u3").date_of_birth) == "2011-04-02"
    assert Student.objects.get(sourced_id="u3").last_name == "Diaz"
    w = note(summary, "demographics.csv:header-case")
    assert w["count"] == 3
    assert {"file": "demographics.csv", "line": 1, "value": "birthdate as birthDate"} in w[
        "examples"
    ]
    assert note(summary, "users.csv:header-case")["count"] == 2


@pytest.mark.parametrize(("yes", "no"), [("yes", "no"), ("TRUE", "False"), ("1", "0")])
def test_booleans_as_yes_no_true_false_or_1_0_are_read(db, tmp_path, yes, no):
    enrollments = (
        FILES["enrollments.csv"]
        .replace(",teacher,true,", f",teacher,{yes},")
        .replace(",student,false,", f",student,{no},")
    )
    summary = imported(tmp_path, **{"enrollments.csv": enrollments})
    assert Classroom.objects.get(sourced_id="c1").primary_teacher.sourced_id == "u1"
    assert "no-primary" not in {w["code"] for w in summary["warnings"]}
    assert note(summary, "enrollments.csv:primary-spelling")["count"] == 7


def test_oneroster_1_0_singular_termsourcedid_is_read(db, tmp_path):
    classes = FILES["classes.csv"].replace("termSourcedIds", "termSourcedId")
    summary = imported(tmp_path, **{"classes.csv": classes})
    assert Classroom.objects.get(sourced_id="c1").term.sourced_id == "t1"
    assert note(summary, "classes.csv:termSourcedId")["examples"] == [
        {"file": "classes.csv", "line": 1, "value": "termSourcedId"}
    ]


@pytest.mark.parametrize("roles", [False, True])
def test_no_manifest_is_read_as_bulk_and_said(db, tmp_path, roles):
    changes: dict = {"manifest.csv": None}
    if roles:
        changes["roles.csv"] = (
            "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,"
            "orgSourcedId\nr1,,,u1,primary,teacher,,,s1\n"
        )
    summary = imported(tmp_path, **changes)
    version = "1.2" if roles else "1.1"
    assert (summary["version"], summary["mode"]) == (version, "bulk")
    assert f"read as OneRoster {version} bulk" in note(summary, "no-manifest")["message"]
    assert summary["entities"]["students"]["created"] == 3


def test_tobedeleted_in_any_case_deletes_with_a_note(db, tmp_path):
    imported(tmp_path)
    users = FILES["users.csv"].replace("u5,active,", "u5,toBeDeleted,")
    enrollments = FILES["enrollments.csv"].replace("e7,active,", "e7,TOBEDELETED,")
    summary = oneroster_import(
        scope=op(),
        path=write_set(tmp_path / "b", **{"users.csv": users, "enrollments.csv": enrollments}),
        district_slug="lake",
    )
    assert Student.objects.get(sourced_id="u5").deleted_at is not None
    assert note(summary, "users.csv:status-case")["count"] == 1
    assert note(summary, "enrollments.csv:status-case")["count"] == 1


def test_data_files_that_hold_only_a_header_are_noted(db, tmp_path):
    header = FILES["classes.csv"].splitlines()[0] + "\n"
    enrollments = FILES["enrollments.csv"].splitlines()[0] + "\n"
    summary = imported(tmp_path, **{"classes.csv": header, "enrollments.csv": enrollments})
    assert note(summary, "classes.csv:header-only")["examples"] == [
        {"file": "classes.csv", "line": 1}
    ]
    assert "un-enrolled" in note(summary, "enrollments.csv:header-only")["message"]
    assert summary["entities"]["classrooms"]["created"] == 0


def test_classes_with_no_teacher_are_noted_with_their_line(db, tmp_path):
    enrollments = "\n".join(
        line for line in FILES["enrollments.csv"].splitlines() if not line.startswith("e3,")
    )
    summary = imported(tmp_path, **{"enrollments.csv": enrollments + "\n"})
    w = note(summary, "class-no-teacher")
    assert "R8" in w["message"]
    assert w["examples"] == [{"file": "classes.csv", "line": 4, "value": "c3"}]
    assert w["count"] == 1


def test_users_with_no_org_are_noted(db, tmp_path):
    users = FILES["users.csv"].replace("u5,active,,true,s2,", "u5,active,,true,,")
    summary = imported(tmp_path, **{"users.csv": users})
    w = note(summary, "user-no-org")
    assert w["examples"] == [{"file": "users.csv", "line": 6, "value": "u5"}]
    assert Student.objects.get(sourced_id="u5").school is None


def test_a_class_whose_school_is_the_district_is_said_so(db, tmp_path):
    classes = FILES["classes.csv"].replace("M7,scheduled,,s2,", "M7,scheduled,,d1,")
    exc = refused(tmp_path, **{"classes.csv": classes})
    assert where(exc) == [("classes.csv", 4, "schoolSourcedId", "d1")]
    assert "names the district" in exc.problems[0].message
    assert "names no school" not in exc.problems[0].message


def test_a_class_of_the_district_goes_to_its_only_school_with_a_note(db, tmp_path):
    orgs = "\n".join(line for line in FILES["orgs.csv"].splitlines() if not line.startswith("s2"))
    classes = FILES["classes.csv"].replace("M7,scheduled,,s2,", "M7,scheduled,,d1,")
    users = FILES["users.csv"].replace(",s2,", ",s1,")
    enrollments = FILES["enrollments.csv"].replace(",s2,", ",s1,")
    summary = imported(
        tmp_path,
        **{
            "orgs.csv": orgs + "\n",
            "classes.csv": classes,
            "users.csv": users,
            "enrollments.csv": enrollments,
        },
    )
    assert Classroom.objects.get(sourced_id="c3").school.sourced_id == "s1"
    assert note(summary, "class-school-is-district")["examples"][0]["line"] == 4


def test_values_beginning_or_ending_with_v_keep_it(db, tmp_path):
    """Trimming took every 'v' off both ends on PostgreSQL (E'\\v' is no escape there): an
    email `victoria@...` became `ictoria@...`, a surname `Ivanov` became `Ivano`."""
    users = FILES["users.csv"].replace("Ana,Diaz,,1003,,", "Ana,Ivanov,,1003,vana@example.org,")
    imported(tmp_path, **{"users.csv": users})
    ana = Student.objects.get(sourced_id="u3")
    assert (ana.last_name, ana.email) == ("Ivanov", "vana@example.org")
