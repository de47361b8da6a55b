"""The seat ledger's change journal: database triggers on every table seats are counted from,
and the ledger's first build for the districts that exist.

A trigger journals what a change touched (kind, id) into seats_seatjournal; `seats.ledger.sync`
folds the journal into the ledger in the same transaction. Which changes are journaled (R1-R8):

- roster_enrollment: every insert, delete, and change of student or classroom (merges move
  enrollments between accounts): the student(s);
- roster_classroom: a change of status (archive, R5), deletion (R5), primary teacher (R8) or
  school: the classroom (its students are found at sync);
- roster_teacher: deletion or restore (R5, R8): the teacher;
- roster_student: deletion or restore (R5), and a hard delete: the student;
- seats_teacheraccess: every insert, delete and switch (R4): the teacher;
- orgs_school: deletion or restore: the school.

PostgreSQL triggers are statement-level with transition tables, so a set-based import of 500k
enrollments journals its students in one INSERT ... SELECT DISTINCT; SQLite has row triggers
only (cheap there: no round trip). On PostgreSQL a deferred constraint trigger refuses the
COMMIT of a transaction that journaled a change and never synced it.
"""

from django.db import migrations

# (table, event, journal kind, key column, changed-when condition for UPDATE)
KEY_CHANGES = {
    "roster_enrollment": "o.student_id <> n.student_id OR o.classroom_id <> n.classroom_id",
    "roster_classroom": (
        "o.status IS DISTINCT FROM n.status OR (o.deleted_at IS NULL) <> (n.deleted_at IS NULL) "
        "OR o.primary_teacher_id IS DISTINCT FROM n.primary_teacher_id "
        "OR o.school_id <> n.school_id"
    ),
    "roster_teacher": "(o.deleted_at IS NULL) <> (n.deleted_at IS NULL)",
    "roster_student": "(o.deleted_at IS NULL) <> (n.deleted_at IS NULL)",
    "seats_teacheraccess": (
        'o."on" <> n."on" OR o.teacher_id <> n.teacher_id OR o.product_id <> n.product_id'
    ),
    "orgs_school": "(o.deleted_at IS NULL) <> (n.deleted_at IS NULL)",
}


def _pg_function(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {body}; RETURN NULL; END $$;"
    )


def _pg_trigger(name: str, table: str, event: str, referencing: str, function: str) -> str:
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
    )


def _journal(select: str) -> str:
    return f"INSERT INTO seats_seatjournal (district_id, kind, ref) {select}"


PG = [
    # enrollments: the students
    _pg_function(
        "seats_j_enrollment_ins",
        _journal("SELECT DISTINCT district_id, 's', student_id FROM new_rows"),
    ),
    _pg_function(
        "seats_j_enrollment_del",
        _journal("SELECT DISTINCT district_id, 's', student_id FROM old_rows"),
    ),
    _pg_function(
        "seats_j_enrollment_upd",
        _journal(
            "SELECT DISTINCT x.district_id, 's', x.student_id FROM ("
            "SELECT o.district_id, o.student_id FROM old_rows o JOIN new_rows n ON n.id = o.id "
            f"WHERE {KEY_CHANGES['roster_enrollment']} UNION ALL "
            "SELECT n.district_id, n.student_id FROM old_rows o JOIN new_rows n ON n.id = o.id "
            f"WHERE {KEY_CHANGES['roster_enrollment']}) x"
        ),
    ),
    _pg_trigger(
        "seats_j_enrollment_ins",
        "roster_enrollment",
        "INSERT",
        "NEW TABLE AS new_rows",
        "seats_j_enrollment_ins",
    ),
    _pg_trigger(
        "seats_j_enrollment_del",
        "roster_enrollment",
        "DELETE",
        "OLD TABLE AS old_rows",
        "seats_j_enrollment_del",
    ),
    _pg_trigger(
        "seats_j_enrollment_upd",
        "roster_enrollment",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "seats_j_enrollment_upd",
    ),
    # classrooms, teachers, schools, students: the changed row when a counted column changed
    *[
        sql
        for table, kind in (
            ("roster_classroom", "c"),
            ("roster_teacher", "t"),
            ("roster_student", "s"),
            ("orgs_school", "h"),
        )
        for sql in (
            _pg_function(
                f"seats_j_{table}_upd",
                _journal(
                    f"SELECT n.district_id, '{kind}', n.id FROM old_rows o "
                    f"JOIN new_rows n ON n.id = o.id WHERE {KEY_CHANGES[table]}"
                ),
            ),
            _pg_trigger(
                f"seats_j_{table}_upd",
                table,
                "UPDATE",
                "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                f"seats_j_{table}_upd",
            ),
        )
    ],
    _pg_function("seats_j_student_del", _journal("SELECT district_id, 's', id FROM old_rows")),
    _pg_trigger(
        "seats_j_student_del",
        "roster_student",
        "DELETE",
        "OLD TABLE AS old_rows",
        "seats_j_student_del",
    ),
    # access rows: the teacher
    _pg_function(
        "seats_j_access_ins",
        _journal("SELECT DISTINCT district_id, 't', teacher_id FROM new_rows"),
    ),
    _pg_function(
        "seats_j_access_del",
        _journal("SELECT DISTINCT district_id, 't', teacher_id FROM old_rows"),
    ),
    _pg_function(
        "seats_j_access_upd",
        _journal(
            "SELECT DISTINCT x.district_id, 't', x.teacher_id FROM ("
            "SELECT o.district_id, o.teacher_id FROM old_rows o JOIN new_rows n ON n.id = o.id "
            f"WHERE {KEY_CHANGES['seats_teacheraccess']} UNION ALL "
            "SELECT n.district_id, n.teacher_id FROM old_rows o JOIN new_rows n ON n.id = o.id "
            f"WHERE {KEY_CHANGES['seats_teacheraccess']}) x"
        ),
    ),
    _pg_trigger(
        "seats_j_access_ins",
        "seats_teacheraccess",
        "INSERT",
        "NEW TABLE AS new_rows",
        "seats_j_access_ins",
    ),
    _pg_trigger(
        "seats_j_access_del",
        "seats_teacheraccess",
        "DELETE",
        "OLD TABLE AS old_rows",
        "seats_j_access_del",
    ),
    _pg_trigger(
        "seats_j_access_upd",
        "seats_teacheraccess",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "seats_j_access_upd",
    ),
    # the safety net: a journal row still there at COMMIT means a write path skipped the sync
    "CREATE OR REPLACE FUNCTION seats_journal_synced() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN IF EXISTS (SELECT 1 FROM seats_seatjournal WHERE id = NEW.id) THEN "
    "RAISE EXCEPTION 'seat ledger not synced: district % (%: %) changed seat facts and reached "
    "COMMIT without seats.ledger.sync()', NEW.district_id, NEW.kind, NEW.ref "
    "USING ERRCODE = 'check_violation'; END IF; RETURN NULL; END $$;",
    "CREATE CONSTRAINT TRIGGER seats_journal_synced AFTER INSERT ON seats_seatjournal "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION seats_journal_synced();",
]

PG_DROP = [
    *[
        f"DROP TRIGGER IF EXISTS {name} ON {table};"
        for name, table in (
            ("seats_j_enrollment_ins", "roster_enrollment"),
            ("seats_j_enrollment_del", "roster_enrollment"),
            ("seats_j_enrollment_upd", "roster_enrollment"),
            ("seats_j_roster_classroom_upd", "roster_classroom"),
            ("seats_j_roster_teacher_upd", "roster_teacher"),
            ("seats_j_roster_student_upd", "roster_student"),
            ("seats_j_orgs_school_upd", "orgs_school"),
            ("seats_j_student_del", "roster_student"),
            ("seats_j_access_ins", "seats_teacheraccess"),
            ("seats_j_access_del", "seats_teacheraccess"),
            ("seats_j_access_upd", "seats_teacheraccess"),
            ("seats_journal_synced", "seats_seatjournal"),
        )
    ],
    *[
        f"DROP FUNCTION IF EXISTS {name}();"
        for name in (
            "seats_j_enrollment_ins",
            "seats_j_enrollment_del",
            "seats_j_enrollment_upd",
            "seats_j_roster_classroom_upd",
            "seats_j_roster_teacher_upd",
            "seats_j_roster_student_upd",
            "seats_j_orgs_school_upd",
            "seats_j_student_del",
            "seats_j_access_ins",
            "seats_j_access_del",
            "seats_j_access_upd",
            "seats_journal_synced",
        )
    ],
]


def _sqlite_trigger(name: str, event: str, table: str, when: str, rows: list[str]) -> str:
    inserts = " ".join(
        f"INSERT INTO seats_seatjournal (district_id, kind, ref) VALUES ({r});" for r in rows
    )
    cond = f" WHEN {when}" if when else ""
    return f"CREATE TRIGGER {name} AFTER {event} ON {table}{cond} BEGIN {inserts} END;"


def _sqlite_changed(table: str) -> str:
    """The PostgreSQL condition, in SQLite's words (OLD/NEW, IS NOT for IS DISTINCT FROM)."""
    cond = KEY_CHANGES[table].replace("IS DISTINCT FROM", "IS NOT")
    return cond.replace("o.", "OLD.").replace("n.", "NEW.")


SQLITE = [
    _sqlite_trigger(
        "seats_j_enrollment_ins",
        "INSERT",
        "roster_enrollment",
        "",
        ["NEW.district_id, 's', NEW.student_id"],
    ),
    _sqlite_trigger(
        "seats_j_enrollment_del",
        "DELETE",
        "roster_enrollment",
        "",
        ["OLD.district_id, 's', OLD.student_id"],
    ),
    _sqlite_trigger(
        "seats_j_enrollment_upd",
        "UPDATE OF student_id, classroom_id",
        "roster_enrollment",
        _sqlite_changed("roster_enrollment"),
        ["OLD.district_id, 's', OLD.student_id", "NEW.district_id, 's', NEW.student_id"],
    ),
    _sqlite_trigger(
        "seats_j_roster_classroom_upd",
        "UPDATE OF status, deleted_at, primary_teacher_id, school_id",
        "roster_classroom",
        _sqlite_changed("roster_classroom"),
        ["NEW.district_id, 'c', NEW.id"],
    ),
    _sqlite_trigger(
        "seats_j_roster_teacher_upd",
        "UPDATE OF deleted_at",
        "roster_teacher",
        _sqlite_changed("roster_teacher"),
        ["NEW.district_id, 't', NEW.id"],
    ),
    _sqlite_trigger(
        "seats_j_roster_student_upd",
        "UPDATE OF deleted_at",
        "roster_student",
        _sqlite_changed("roster_student"),
        ["NEW.district_id, 's', NEW.id"],
    ),
    _sqlite_trigger(
        "seats_j_student_del", "DELETE", "roster_student", "", ["OLD.district_id, 's', OLD.id"]
    ),
    _sqlite_trigger(
        "seats_j_orgs_school_upd",
        "UPDATE OF deleted_at",
        "orgs_school",
        _sqlite_changed("orgs_school"),
        ["NEW.district_id, 'h', NEW.id"],
    ),
    _sqlite_trigger(
        "seats_j_access_ins",
        "INSERT",
        "seats_teacheraccess",
        "",
        ["NEW.district_id, 't', NEW.teacher_id"],
    ),
    _sqlite_trigger(
        "seats_j_access_del",
        "DELETE",
        "seats_teacheraccess",
        "",
        ["OLD.district_id, 't', OLD.teacher_id"],
    ),
    _sqlite_trigger(
        "seats_j_access_upd",
        'UPDATE OF "on", teacher_id, product_id',
        "seats_teacheraccess",
        _sqlite_changed("seats_teacheraccess"),
        ["OLD.district_id, 't', OLD.teacher_id", "NEW.district_id, 't', NEW.teacher_id"],
    ),
]

SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in (
        "seats_j_enrollment_ins",
        "seats_j_enrollment_del",
        "seats_j_enrollment_upd",
        "seats_j_roster_classroom_upd",
        "seats_j_roster_teacher_upd",
        "seats_j_roster_student_upd",
        "seats_j_student_del",
        "seats_j_orgs_school_upd",
        "seats_j_access_ins",
        "seats_j_access_del",
        "seats_j_access_upd",
    )
]

# The ledger's first build: the rows of every counted seat (R1-R8), then the counters. The same
# statement as seats.ledger's rebuild, frozen here as migrations must be.
BUILD_SEATS = (
    "INSERT INTO seats_seat (district_id, school_id, product_id, student_id, classrooms, "
    "classroom_id) "
    "SELECT e.district_id, c.school_id, a.product_id, e.student_id, COUNT(*), MIN(c.id) "
    "FROM roster_enrollment e "
    "JOIN roster_classroom c ON c.id = e.classroom_id "
    "JOIN roster_teacher t ON t.id = c.primary_teacher_id "
    "JOIN seats_teacheraccess a ON a.teacher_id = t.id "
    "JOIN roster_student s ON s.id = e.student_id "
    "JOIN orgs_school h ON h.id = c.school_id "
    "WHERE c.status = 'active' AND c.deleted_at IS NULL AND t.deleted_at IS NULL "
    'AND a."on" = %s AND s.deleted_at IS NULL AND h.deleted_at IS NULL '
    "GROUP BY e.district_id, c.school_id, a.product_id, e.student_id"
)
BUILD_COUNTS = (
    "INSERT INTO seats_seatcount (district_id, school_id, product_id, used) "
    "SELECT district_id, school_id, product_id, COUNT(*) FROM seats_seat "
    "GROUP BY district_id, school_id, product_id"
)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = PG if vendor == "postgresql" else SQLITE if vendor == "sqlite" else None
    if statements is None:
        raise RuntimeError(
            f"The seat ledger's triggers exist for PostgreSQL and SQLite, not {vendor}"
        )
    with schema_editor.connection.cursor() as cur:
        for sql in statements:
            cur.execute(sql)
        cur.execute("DELETE FROM seats_seat")
        cur.execute("DELETE FROM seats_seatcount")
        cur.execute(BUILD_SEATS, [True])
        cur.execute(BUILD_COUNTS)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cur:
        for sql in PG_DROP if vendor == "postgresql" else SQLITE_DROP:
            cur.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("seats", "0003_seat_ledger")]

    operations = [migrations.RunPython(forwards, backwards)]
