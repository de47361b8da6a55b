"""Import performance and memory: the reader streams, chunks agree, the schema stays lean.

Memory is not timed here (bench/bench_import.py measures it); these check the properties that
keep it bounded: a row holds only its cells, the reader never reads ahead of the row asked
for, and the two ways a file is staged in SQL (COPY of its bytes on PostgreSQL, the Python
reader elsewhere) agree cell for cell and line for line.
"""

from __future__ import annotations

import pytest
from django.db import connection

from seatkeeper.roster.models import Enrollment
from seatkeeper.roster.oneroster import stage
from seatkeeper.roster.oneroster.importer import ImportRefused, oneroster_import
from seatkeeper.roster.oneroster.reader import ReadError, open_source, read_rows
from tests.roster.oneroster.helpers import FILES, op, totals, write_set

USERS_HEADER = FILES["users.csv"].splitlines()[0]


def test_rows_share_the_header_index_and_hold_only_their_cells(tmp_path):
    src = open_source(write_set(tmp_path / "set"))
    header, rows = read_rows(src, "users.csv")
    got = list(rows)
    assert header[:3] == ["sourcedId", "status", "dateLastModified"]
    assert len(got) == 6
    assert all(r.index is got[0].index for r in got)  # one index per file, no dict per row
    assert not hasattr(got[0], "__dict__")
    assert got[2].get("givenName") == "Ana"
    assert got[2].line == 4


def test_short_rows_empty_and_repeated_header_cells(tmp_path):
    users = "sourcedId,givenName,,givenName\n u1 ,Ana,x,Anna\nu2\n"
    src = open_source(write_set(tmp_path / "set", **{"users.csv": users}))
    header, rows = read_rows(src, "users.csv")
    first, second = list(rows)
    assert header == ["sourcedId", "givenName", "givenName"]
    assert first.get("sourcedId") == "u1"  # cells are trimmed
    assert first.get("givenName") == "Anna"  # of two equal names the last wins
    assert first.get("") == ""  # an empty header cell names no column
    assert second.get("givenName") == ""  # short row: missing cells are empty


def test_the_reader_never_reads_ahead_of_the_row_asked_for(tmp_path):
    """A bad byte far down the file is only met when the rows reach it: nothing is preloaded."""
    good = "".join(
        f"u{i},active,,true,s1,student,s{i},,Ana{i},Diaz,,{i},,,,,09,\n" for i in range(3000)
    )
    data = (USERS_HEADER + "\n" + good).encode() + b"ubad,active,,true,s1,student,x,,Jos\xe9,Q\n"
    src = open_source(write_set(tmp_path / "set", **{"users.csv": data}))
    _, rows = read_rows(src, "users.csv")
    assert next(rows).get("sourcedId") == "u0"  # served although the file is broken later
    with pytest.raises(ReadError) as err:
        for _ in rows:
            pass
    assert err.value.problem.line == 3002
    assert err.value.problem.file == "users.csv"


@pytest.mark.parametrize("raw_copy", [True, False])
def test_r1_same_pair_twice_is_one_enrollment_on_both_staging_paths(
    db, tmp_path, monkeypatch, raw_copy
):
    """The same student listed twice in a class is one enrollment (R1), whether the file was
    staged by COPY of its bytes or through the Python reader; a re-import changes nothing."""
    monkeypatch.setattr(stage, "RAW_COPY", raw_copy)
    twice = FILES["enrollments.csv"] + "e4b,active,,c1,s1,u3,student,false,2026-09-01,\n"
    folder = write_set(tmp_path / "a", **{"enrollments.csv": twice})
    first = oneroster_import(scope=op(), path=folder, district_slug="lake")
    assert first["entities"]["enrollments"]["created"] == 4
    assert (
        Enrollment.objects.filter(student__sourced_id="u3", classroom__sourced_id="c1").count() == 1
    )
    again = oneroster_import(scope=op(), path=folder, district_slug="lake")
    assert set(totals(again, "created").values()) == {0}
    assert set(totals(again, "updated").values()) == {0}
    assert set(totals(again, "deleted").values()) == {0}
    assert first["entities"]["enrollments"]["unchanged"] == 0  # the pair counts once
    assert again["entities"]["enrollments"]["unchanged"] == 4


AWKWARD_USERS = (
    "\ufeff" + USERS_HEADER + "\n"
    'u1,active,,true,s1,teacher,tkim,,"Tara\nMaria",Kim,,T1,,,,,,\n'
    ",,,,,,,,,,,,,,,,,\n"
    "u2,active,,true,s1,student,s2,,\u00a0Ana ,\tDiaz,,1002,,,,,09,\n"
    'u3,active,,true,s1,student,s3,,"Bo, Jr","Chen\r\nLi",,1003,,,,,09,\n'
    "u4,active,,true,s1,student,s4,,Cy,Ng,,1004,,,,,07,\n"
)


def _staged(tmp_path, users: str) -> list[tuple]:
    from seatkeeper.roster.oneroster.validate import FIELDS

    src = open_source(write_set(tmp_path, **{"users.csv": users}))
    st = stage.stage(src, "users.csv", FIELDS["users.csv"])
    with connection.cursor() as cur:
        cur.execute(f"SELECT line, sid, given, family, grades FROM {st.table} ORDER BY n")
        rows = cur.fetchall()
    stage.drop_all()
    return rows


def test_both_staging_paths_give_the_same_cells_and_physical_lines(db, tmp_path, monkeypatch):
    """BOM, quoted newlines (\n and \r\n), a line of empty cells, padded cells: COPY of the
    bytes (PostgreSQL) and the Python reader stage the same values on the same lines."""
    expected = [
        (2, "u1", "Tara\nMaria", "Kim", ""),
        (5, "u2", "Ana", "Diaz", "09"),
        (6, "u3", "Bo, Jr", "Chen\r\nLi", "09"),
        (8, "u4", "Cy", "Ng", "07"),
    ]
    monkeypatch.setattr(stage, "RAW_COPY", True)
    assert _staged(tmp_path / "a", AWKWARD_USERS) == expected
    monkeypatch.setattr(stage, "RAW_COPY", False)
    assert _staged(tmp_path / "b", AWKWARD_USERS) == expected


def test_rows_copy_cannot_take_fall_back_to_the_reader(db, tmp_path, monkeypatch):
    """A short row and a blank line make COPY refuse the file; the reader stages it instead
    (short rows padded with empty cells), with the same lines."""
    monkeypatch.setattr(stage, "RAW_COPY", True)
    users = USERS_HEADER + "\nu1,active,,true,s1,teacher,tkim,,Tara,Kim\n\nu2,active,,true\n"
    assert _staged(tmp_path, users) == [(2, "u1", "Tara", "Kim", ""), (4, "u2", "", "", "")]


def test_refused_import_names_file_line_column_value_and_writes_nothing(db, tmp_path):
    users = FILES["users.csv"].replace("u4,active", "u4,sleeping").replace("u5,", "u3,")
    with pytest.raises(ImportRefused) as err:
        oneroster_import(
            scope=op(), path=write_set(tmp_path / "a", **{"users.csv": users}), district_slug="lk"
        )
    errors = err.value.extra["summary"]["errors"]
    got = {(p.get("file"), p.get("line"), p.get("column"), p.get("value")) for p in errors}
    assert ("users.csv", 5, "status", "sleeping") in got
    assert ("users.csv", 6, "sourcedId", "u3") in got  # duplicate sourcedId
    assert not Enrollment.objects.exists()


def test_enrollment_has_no_redundant_single_column_indexes(db):
    """district_id and classroom_id lead a composite index and the unique constraint."""
    with connection.cursor() as cur:
        cons = connection.introspection.get_constraints(cur, Enrollment._meta.db_table)
    indexed = [tuple(c["columns"]) for c in cons.values() if c["index"] or c["unique"]]
    assert ("district_id",) not in indexed
    assert ("classroom_id",) not in indexed
    assert ("district_id", "classroom_id", "student_id") in indexed
    assert ("classroom_id", "student_id") in indexed
    # the importer's "existing enrollments of these students" lookup, district in the WHERE
    assert ("district_id", "student_id", "classroom_id") in indexed
    assert ("student_id",) in indexed  # deleting a student looks its enrollments up by it
