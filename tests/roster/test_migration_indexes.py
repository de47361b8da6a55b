"""Issue 15 (import speed): the index migration (roster 0006) keeps the rows and the seat
ledger's journal triggers. On SQLite it rebuilds three roster tables, which drops their
triggers; the migration re-creates them."""

from __future__ import annotations

import importlib

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("roster", "0005_classroom_courses_terms_teacher_middle_name")]
LEDGER = importlib.import_module(
    "seatkeeper.seats.migrations.0004_journal_triggers_and_first_build"
)


def expected_triggers() -> set[tuple[str, str]]:
    """(trigger, table) of every journal trigger seats 0004 creates on this backend."""
    if connection.vendor == "postgresql":
        return {
            (sql.split()[4], sql.split()[6].rstrip(";"))
            for sql in LEDGER.PG_DROP
            if sql.startswith("DROP TRIGGER")
        }
    return {
        (sql.split()[2], sql.split(" ON ", 1)[1].split()[0])
        for sql in LEDGER.SQLITE
        if sql.startswith("CREATE TRIGGER")
    }


def present_triggers() -> set[tuple[str, str]]:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal"
            )
        else:
            cur.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
        return {(n, t) for n, t in cur.fetchall()}


@pytest.mark.django_db
def test_every_ledger_trigger_exists_after_migrating() -> None:
    """Issue 15: after every migration, each journal trigger is on its table."""
    expected = expected_triggers()
    assert len(expected) >= 11
    assert expected <= present_triggers()


def enrollment_indexes() -> list[tuple[bool, list[str]]]:
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, "roster_enrollment")
    return sorted(
        (bool(c["unique"]), list(c["columns"]))
        for c in found.values()
        if c["index"] or c["unique"]
        if not c["primary_key"]
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.ledger_unchecked  # rows are written with historical models, below the ledger
def test_index_migration_keeps_rows_and_journal_triggers() -> None:  # noqa: PLR0915
    """Issue 15: roster 0006 on a database with rows: the rows stay, the triggers stay (and
    journal), and the unique index still refuses a student twice in a class (R1)."""
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        with transaction.atomic():  # PostgreSQL: the journal must be empty at COMMIT
            District = old.get_model("orgs", "District")
            d = District.objects.create(slug="old", name="Old")
            school = old.get_model("orgs", "School").objects.create(district=d, name="Old School")
            t = old.get_model("roster", "Teacher").objects.create(
                district=d, first_name="T", last_name="One"
            )
            room = old.get_model("roster", "Classroom").objects.create(
                district=d, school=school, name="Room", primary_teacher=t
            )
            Student = old.get_model("roster", "Student")
            students = [
                Student.objects.create(district=d, first_name="S", last_name=str(i))
                for i in range(3)
            ]
            for s in students:
                old.get_model("roster", "Enrollment").objects.create(
                    district=d, student=s, classroom=room
                )
            with connection.cursor() as cur:
                cur.execute("DELETE FROM seats_seatjournal")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)

    from seatkeeper.roster.models import Enrollment
    from seatkeeper.roster.models import Student as S
    from seatkeeper.seats.models import SeatJournal

    assert expected_triggers() <= present_triggers()
    assert Enrollment.objects.filter(district__slug="old").count() == 3
    assert enrollment_indexes() == [
        (False, ["district_id", "classroom_id", "student_id"]),
        (False, ["district_id", "student_id", "classroom_id"]),
        (False, ["student_id"]),
        (True, ["classroom_id", "student_id"]),
    ]
    first = Enrollment.objects.filter(district__slug="old").order_by("id").first()
    assert first is not None
    new = S.objects.create(district_id=first.district_id, first_name="N", last_name="New")
    with transaction.atomic():
        Enrollment.objects.create(
            district_id=first.district_id, classroom_id=first.classroom_id, student=new
        )
        # the rebuilt table's insert trigger journaled the student
        assert SeatJournal.objects.filter(kind="s", ref=new.pk).exists()
        SeatJournal.objects.all().delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(
            district_id=first.district_id,
            classroom_id=first.classroom_id,
            student_id=first.student_id,
        )


@pytest.mark.django_db
def test_roster_tables_have_no_single_column_district_index() -> None:
    """Issue 15: students, teachers and classrooms are found by district through composite
    indexes that start with it; a district-only index was one more btree per imported row."""
    for table in ("roster_student", "roster_teacher", "roster_classroom", "roster_enrollment"):
        with connection.cursor() as cur:
            found = connection.introspection.get_constraints(cur, table)
        columns = [list(c["columns"]) for c in found.values() if c["index"] or c["unique"]]
        assert ["district_id"] not in columns, table
        assert any(c[0] == "district_id" and len(c) > 1 for c in columns), table


@pytest.mark.django_db
@pytest.mark.ledger_unchecked  # the refused row is rolled back before any sync
def test_enrollment_keys_hold_it_to_its_district(world_a, world_b) -> None:
    """Issue 15: on PostgreSQL two composite keys, (district, classroom) and (district,
    student), replace three single-column ones; an enrollment naming another district's
    classroom or student is refused. SQLite keeps its single-column keys."""
    from seatkeeper.roster.models import Enrollment

    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, "roster_enrollment")
    keys = sorted(
        (tuple(c["columns"]), c["foreign_key"][0]) for c in found.values() if c["foreign_key"]
    )
    if connection.vendor != "postgresql":
        assert [cols for cols, _ in keys] == [("classroom_id",), ("district_id",), ("student_id",)]
        return
    assert keys == [
        (("district_id", "classroom_id"), "roster_classroom"),
        (("district_id", "student_id"), "roster_student"),
    ]
    a, b = world_a, world_b

    def enroll(classroom, student) -> None:  # type: ignore[no-untyped-def]
        with transaction.atomic():
            Enrollment.objects.create(district=a.district, classroom=classroom, student=student)
            with connection.cursor() as cur:
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")

    for classroom, student in ((b.classrooms[0], a.students[-1]), (a.classrooms[0], b.students[0])):
        with pytest.raises(IntegrityError):
            enroll(classroom, student)
