from django.core.management import call_command
from django.db import migrations, models


def create_cache_table(apps, schema_editor):  # type: ignore[no-untyped-def]
    # The shared cache (settings.CACHES, sign-in throttling) is a table Django makes with
    # `createcachetable`, not a model: make it here so `migrate` is all an install needs.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="WorkerProcess",
            fields=[
                ("key", models.CharField(max_length=120, primary_key=True, serialize=False)),
                (
                    "kind",
                    models.CharField(
                        choices=[("worker", "task worker"), ("supervisor", "supervisor")],
                        max_length=12,
                    ),
                ),
                ("host", models.CharField(max_length=255)),
                ("pid", models.IntegerField()),
                ("started_at", models.DateTimeField()),
                ("beat_at", models.DateTimeField()),
                ("stopped_at", models.DateTimeField(blank=True, null=True)),
                ("state", models.CharField(default="up", max_length=12)),
                ("info", models.JSONField(blank=True, default=dict)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["kind", "beat_at"], name="jobs_worker_kind_29b63a_idx")
                ]
            },
        ),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
