"""SQLite: the enrollment journal triggers write a student once, not once per enrollment.

SQLite triggers run per row: a first import of 500k enrollments journaled 500k rows (five per
student), which `seats.ledger.sync` then read DISTINCT and deleted. The journal means "these
students were touched" and every reader takes it DISTINCT, so a student already journaled in
the district needs no second row: the triggers check the journal's (district, kind, ref) index
first (issue 15, import speed). PostgreSQL's statement-level triggers already write each
student once per statement; they are unchanged.
"""

from django.db import migrations

NOT_YET = (
    "NOT EXISTS (SELECT 1 FROM seats_seatjournal WHERE district_id = {r}.district_id "
    "AND kind = 's' AND ref = {r}.student_id)"
)


def _trigger(name: str, event: str, row: str, when: str) -> str:
    cond = f" WHEN {when}" if when else ""
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON roster_enrollment{cond} BEGIN "
        "INSERT INTO seats_seatjournal (district_id, kind, ref) "
        f"VALUES ({row}.district_id, 's', {row}.student_id); END;"
    )


ONCE = [
    _trigger("seats_j_enrollment_ins", "INSERT", "NEW", NOT_YET.format(r="NEW")),
    _trigger("seats_j_enrollment_del", "DELETE", "OLD", NOT_YET.format(r="OLD")),
]
EVERY = [
    _trigger("seats_j_enrollment_ins", "INSERT", "NEW", ""),
    _trigger("seats_j_enrollment_del", "DELETE", "OLD", ""),
]


def _replace(schema_editor, statements: list[str]) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cur:
        for name in ("seats_j_enrollment_ins", "seats_j_enrollment_del"):
            cur.execute(f"DROP TRIGGER IF EXISTS {name}")
        for sql in statements:
            cur.execute(sql)


def forwards(apps, schema_editor):
    _replace(schema_editor, ONCE)


def backwards(apps, schema_editor):
    _replace(schema_editor, EVERY)


class Migration(migrations.Migration):
    dependencies = [
        ("seats", "0005_usage_history_and_alerts"),
        # after the roster tables' rebuild, which re-creates the triggers it found
        ("roster", "0006_fewer_roster_indexes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
