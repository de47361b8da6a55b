"""Fewer indexes to maintain on every imported row (issue 15, import speed).

- roster_student, roster_teacher, roster_classroom: no single-column district index (each
  table has composite indexes that start with the district).

On SQLite, Django rebuilds a table to change its constraints or a column's index (create a copy,
copy the rows, drop the old table, rename), and dropping the old table drops its triggers: the
seat ledger's journal triggers (seats 0004) on these tables. The migration keeps the CREATE
TRIGGER statements of the tables it rebuilds before it starts and re-creates any that are
missing at the end, as they were. PostgreSQL alters the tables in place; its triggers stay.
"""

import django.db.models.deletion
from django.db import migrations, models

REBUILT = ("roster_student", "roster_teacher", "roster_classroom")
_kept: dict[str, str] = {}


def _sqlite_triggers(schema_editor) -> dict[str, str]:
    placeholders = ", ".join("?" * len(REBUILT))
    with schema_editor.connection.cursor() as cur:
        cur.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            f"AND tbl_name IN ({placeholders})",
            list(REBUILT),
        )
        return dict(cur.fetchall())


def keep_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _kept.clear()
        _kept.update(_sqlite_triggers(schema_editor))


def restore_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    present = _sqlite_triggers(schema_editor)
    with schema_editor.connection.cursor() as cur:
        for name, sql in sorted(_kept.items()):
            if name not in present:
                cur.execute(sql)
    _kept.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0001_districts_schools_products_roles"),
        ("roster", "0005_classroom_courses_terms_teacher_middle_name"),
    ]

    operations = [
        migrations.RunPython(keep_triggers, restore_triggers),
        migrations.AlterField(
            model_name="classroom",
            name="district",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="orgs.district",
            ),
        ),
        migrations.AlterField(
            model_name="student",
            name="district",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="orgs.district",
            ),
        ),
        migrations.AlterField(
            model_name="teacher",
            name="district",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="orgs.district",
            ),
        ),
        migrations.RunPython(restore_triggers, keep_triggers),
    ]
