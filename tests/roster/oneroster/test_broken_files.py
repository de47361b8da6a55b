"""Broken files are refused with every problem named (file, line, column, value), and nothing
is written; what is merely awkward (BOM, quoted commas and newlines, extra zip folders) works."""

from __future__ import annotations

import pytest

from seatkeeper.audit.models import AuditEntry
from seatkeeper.errors import InvalidInput
from seatkeeper.orgs.models import District
from seatkeeper.roster.models import Classroom, Student
from seatkeeper.roster.oneroster.importer import ImportRefused, oneroster_import
from tests.roster.oneroster.helpers import FILES, op, write_set, zip_folder


def refused(tmp_path, **changes) -> ImportRefused:
    folder = write_set(tmp_path / "set", **changes)
    with pytest.raises(ImportRefused) as info:
        oneroster_import(scope=op(), path=folder, district_slug="lake")
    assert not District.objects.filter(slug="lake").exists()
    assert AuditEntry.objects.count() == 0
    return info.value


def where(exc: ImportRefused) -> list[tuple]:
    return [(p.file, p.line, p.column, p.value) for p in exc.problems]


def test_missing_columns_are_named(db, tmp_path):
    users = FILES["users.csv"].replace("givenName,familyName", "first,familyName")
    enrollments = FILES["enrollments.csv"].replace("classSourcedId,", "klass,")
    exc = refused(tmp_path, **{"users.csv": users, "enrollments.csv": enrollments})
    assert ("users.csv", 1, "givenName", None) in where(exc)
    assert ("enrollments.csv", 1, "classSourcedId", None) in where(exc)


def test_bad_dates_are_refused_with_line_and_value(db, tmp_path):
    sessions = FILES["academicSessions.csv"].replace("2026-08-01", "08/01/2026")
    enrollments = FILES["enrollments.csv"].replace(
        "e7,active,,c3,s2,u5,student,false,,", "e7,active,,c3,s2,u5,student,false,2026-13-01,"
    )
    exc = refused(tmp_path, **{"academicSessions.csv": sessions, "enrollments.csv": enrollments})
    assert ("academicSessions.csv", 2, "startDate", "08/01/2026") in where(exc)
    assert ("enrollments.csv", 8, "beginDate", "2026-13-01") in where(exc)


def test_end_before_start_is_refused(db, tmp_path):
    sessions = FILES["academicSessions.csv"].replace("2027-06-30", "2025-06-30")
    exc = refused(tmp_path, **{"academicSessions.csv": sessions})
    assert where(exc) == [("academicSessions.csv", 2, "endDate", "2025-06-30")]


def test_unknown_sourcedid_references_are_refused(db, tmp_path):
    enrollments = (
        FILES["enrollments.csv"]
        + "e9,active,,c9,s1,u3,student,false,,\ne10,active,,c1,s1,u99,student,false,,\n"
    )
    classes = FILES["classes.csv"].replace("M7,scheduled,,s2,t1", "M7,scheduled,,s7,t8")
    exc = refused(tmp_path, **{"enrollments.csv": enrollments, "classes.csv": classes})
    assert ("enrollments.csv", 9, "classSourcedId", "c9") in where(exc)
    assert ("enrollments.csv", 10, "userSourcedId", "u99") in where(exc)
    assert ("classes.csv", 4, "schoolSourcedId", "s7") in where(exc)
    assert ("classes.csv", 4, "termSourcedIds", "t8") in where(exc)


def test_duplicate_sourcedids_are_refused(db, tmp_path):
    users = FILES["users.csv"] + "u3,active,,true,s1,student,x,,Dup,Licate,,,,,,,09,\n"
    exc = refused(tmp_path, **{"users.csv": users})
    assert where(exc) == [("users.csv", 8, "sourcedId", "u3")]
    assert "first on line 4" in exc.problems[0].message


def test_every_error_is_collected_not_just_the_first(db, tmp_path):
    enrollments = FILES["enrollments.csv"] + "".join(
        f"x{i},active,,c1,s1,nobody{i},student,false,,\n" for i in range(250)
    )
    exc = refused(tmp_path, **{"enrollments.csv": enrollments})
    assert exc.extra["summary"]["error_count"] == 250
    assert len(exc.problems) == 200  # the limit
    assert "the first 200 are listed" in exc.message


def test_wrong_encoding_is_refused_with_the_line(db, tmp_path):
    users = FILES["users.csv"].replace("Ana,Diaz", "José,Núñez").encode("cp1252")
    exc = refused(tmp_path, **{"users.csv": users})
    (p,) = exc.problems
    assert (p.file, p.line, p.field) == ("users.csv", 4, "encoding")
    assert "Jos" in p.value
    assert "UTF-8" in p.message


def test_utf8_bom_and_quoted_commas_and_newlines_work(db, tmp_path):
    users = FILES["users.csv"].replace("Ana,Diaz", '"Ana, Maria","Diaz\nLopez"')
    folder = write_set(
        tmp_path / "set",
        **{
            "users.csv": b"\xef\xbb\xbf" + users.encode("utf-8"),
            "orgs.csv": "\ufeff" + FILES["orgs.csv"],
        },
    )
    summary = oneroster_import(scope=op(), path=folder, district_slug="lake")
    ana = Student.objects.get(sourced_id="u3")
    assert (ana.first_name, ana.last_name) == ("Ana, Maria", "Diaz\nLopez")
    assert summary["entities"]["schools"]["created"] == 2


def test_line_numbers_count_physical_lines_after_a_quoted_newline(db, tmp_path):
    users = (
        FILES["users.csv"].replace("Ana,Diaz", '"Ana","Diaz\nLopez"')
        + "u9,active,,true,s1,student,x,,,,,,,,,,09,\n"
    )
    exc = refused(tmp_path, **{"users.csv": users})
    assert where(exc) == [("users.csv", 9, "familyName", "u9")]


def test_empty_file_is_refused(db, tmp_path):
    exc = refused(tmp_path, **{"classes.csv": ""})
    assert any(p.file == "classes.csv" and "empty" in p.message for p in exc.problems)


def test_header_only_files_import_nothing_from_them(db, tmp_path):
    header = FILES["enrollments.csv"].splitlines()[0] + "\n"
    summary = oneroster_import(
        scope=op(),
        path=write_set(tmp_path / "set", **{"enrollments.csv": header}),
        district_slug="lake",
    )
    assert summary["entities"]["enrollments"]["created"] == 0
    assert Classroom.objects.filter(primary_teacher__isnull=False).count() == 0


def test_zip_with_a_top_folder_and_extra_folders_works(db, tmp_path):
    folder = write_set(tmp_path / "set")
    out = zip_folder(folder, tmp_path / "set.zip", prefix="export-2026/")
    import zipfile

    with zipfile.ZipFile(out, "a") as zf:
        zf.writestr("__MACOSX/export-2026/._users.csv", b"\x00\x01junk")
        zf.writestr("export-2026/old/users.csv", "not,the,one\n")
        zf.writestr("readme.txt", "hello")
    summary = oneroster_import(scope=op(), path=out, district_slug="lake")
    assert summary["entities"]["students"]["created"] == 3
    ignored = {w["code"]: w for w in summary["warnings"]}["member-ignored"]
    assert ignored["count"] == 3


def test_not_a_zip_and_no_oneroster_files_are_refused(db, tmp_path):
    junk = tmp_path / "x.zip"
    junk.write_bytes(b"PK nope")
    with pytest.raises(InvalidInput, match="not a zip"):
        oneroster_import(scope=op(), path=junk, district_slug="lake")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidInput, match="no OneRoster files"):
        oneroster_import(scope=op(), path=tmp_path / "empty", district_slug="lake")
    assert not District.objects.filter(slug="lake").exists()


def test_refused_import_into_an_existing_district_changes_nothing(db, tmp_path):
    oneroster_import(scope=op(), path=write_set(tmp_path / "a"), district_slug="lake")
    counts = (Student.objects.count(), Classroom.objects.count(), AuditEntry.objects.count())
    users = (
        FILES["users.csv"].replace("Ana,Diaz", "Anna,Diaz")
        + "u3,active,,true,s1,student,x,,D,L,,,,,,,09,\n"
    )
    folder = write_set(tmp_path / "b", **{"users.csv": users})
    with pytest.raises(ImportRefused):
        oneroster_import(scope=op(), path=folder, district_slug="lake")
    assert (
        Student.objects.count(),
        Classroom.objects.count(),
        AuditEntry.objects.count(),
    ) == counts
    assert Student.objects.get(sourced_id="u3").first_name == "Ana"


def test_errors_are_listed_file_by_file_in_line_order(db, tmp_path):
    """Each rule is its own query; the admin still reads the errors line by line."""
    enrollments = (
        FILES["enrollments.csv"]
        + "e9,active,,c9,s1,u3,student,false,2026-13-01,\n"
        + "e3,active,,c1,s1,u4,student,false,,\n"
    )
    exc = refused(tmp_path, **{"enrollments.csv": enrollments})
    assert [(p.line, p.column) for p in exc.problems] == [
        (9, "classSourcedId"),
        (9, "beginDate"),
        (10, "sourcedId"),
    ]


def test_a_sourcedid_too_long_to_store_is_an_error_not_a_crash(db, tmp_path):
    long_id = "u" * 256
    row = f"{long_id},active,,true,s1,student,x,,Al,Long,,,,,,,09,\n"
    users = FILES["users.csv"] + row + row  # twice: still one error per row, no duplicate
    orgs = FILES["orgs.csv"] + f"{'s' * 300},active,,Far School,school,,d1\n"
    exc = refused(tmp_path, **{"users.csv": users, "orgs.csv": orgs})
    assert [w for w in where(exc) if w[0] == "users.csv"] == [
        ("users.csv", 8, "sourcedId", long_id),
        ("users.csv", 9, "sourcedId", long_id),
    ]
    assert ("orgs.csv", 5, "sourcedId", "s" * 300) in where(exc)
    assert all("longer than 255" in p.message for p in exc.problems)
