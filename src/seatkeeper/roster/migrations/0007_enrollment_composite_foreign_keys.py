"""PostgreSQL: an enrollment's classroom and student must be of its own district, checked by two
composite foreign keys instead of three single-column ones (issue 15, import speed).

Before: roster_enrollment had foreign keys district_id -> district, classroom_id -> classroom
and student_id -> student, each checked row by row at COMMIT (Django's are DEFERRABLE INITIALLY
DEFERRED): three checks per imported enrollment, ~a quarter of a first import. After:
(district_id, classroom_id) -> classroom (district_id, id) and (district_id, student_id) ->
student (district_id, id): two checks, and stronger (an enrollment can no longer name another
district's classroom or student; the district exists because the classroom's key says so).
They need a unique (district_id, id) index on roster_classroom and roster_student.

Django's model state still declares the three single-column keys (Django models no composite
foreign key): a later AlterField of Enrollment.district, .classroom or .student on PostgreSQL
must drop these two constraints first (`COMPOSITE` below names them). SQLite keeps its
single-column keys: a composite key there lives in CREATE TABLE, which Django's table rebuilds
would write back without it.
"""

from django.db import migrations

COMPOSITE = {
    "enrollment_classroom_in_district": ("classroom_id", "roster_classroom"),
    "enrollment_student_in_district": ("student_id", "roster_student"),
}


def _fk_names(cur, column: str) -> list[str]:
    cur.execute(
        "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
        "AND a.attnum = ANY (c.conkey) WHERE c.contype = 'f' "
        "AND c.conrelid = 'roster_enrollment'::regclass AND a.attname = %s "
        "AND array_length(c.conkey, 1) = 1",
        [column],
    )
    return [r[0] for r in cur.fetchall()]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for table in ("roster_classroom", "roster_student"):
            cur.execute(f"CREATE UNIQUE INDEX {table}_district_id_id ON {table} (district_id, id)")
        for column in ("district_id", "classroom_id", "student_id"):
            for name in _fk_names(cur, column):
                cur.execute(f"ALTER TABLE roster_enrollment DROP CONSTRAINT {name}")
        for name, (column, table) in COMPOSITE.items():
            cur.execute(
                f"ALTER TABLE roster_enrollment ADD CONSTRAINT {name} FOREIGN KEY "
                f"(district_id, {column}) REFERENCES {table} (district_id, id) "
                "DEFERRABLE INITIALLY DEFERRED"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for name in COMPOSITE:
            cur.execute(f"ALTER TABLE roster_enrollment DROP CONSTRAINT {name}")
        for column, target in (
            ("district_id", "orgs_district"),
            ("classroom_id", "roster_classroom"),
            ("student_id", "roster_student"),
        ):
            cur.execute(
                f"ALTER TABLE roster_enrollment ADD CONSTRAINT roster_enrollment_{column}_fk "
                f"FOREIGN KEY ({column}) REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
            )
        for table in ("roster_classroom", "roster_student"):
            cur.execute(f"DROP INDEX {table}_district_id_id")


class Migration(migrations.Migration):
    dependencies = [("roster", "0006_fewer_roster_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
