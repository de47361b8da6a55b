"""Seats takes over the licensing app's tables (renamed by licensing 0002, rows kept): the
models enter this app's state exactly as they were, with their old index names (0002 renames
those). Content types follow, so nothing that names a model by app label goes stale."""

import django.db.models.deletion
from django.db import migrations, models

MODELS = ("allocation", "enforcement", "purchase", "teacheraccess")


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="seats", model=model).exists():
            ContentType.objects.filter(app_label="licensing", model=model).update(app_label="seats")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("licensing", "0002_hand_tables_to_seats"),
        ("orgs", "0001_districts_schools_products_roles"),
        ("roster", "0001_teachers_terms_classrooms_students"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Allocation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("seats", models.PositiveIntegerField(default=0)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "district",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="orgs.district",
                            ),
                        ),
                        (
                            "product",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="allocations",
                                to="orgs.product",
                            ),
                        ),
                        (
                            "school",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="allocations",
                                to="orgs.school",
                            ),
                        ),
                    ],
                    options={
                        "indexes": [
                            models.Index(
                                fields=["district", "product"],
                                name="licensing_a_distric_f2d506_idx",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("school", "product"), name="allocation_once"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Enforcement",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "mode",
                            models.CharField(
                                choices=[
                                    ("soft", "Soft: allow and flag"),
                                    ("hard", "Hard: refuse"),
                                    ("grace", "Grace: soft until a date, then hard"),
                                ],
                                default="soft",
                                max_length=10,
                            ),
                        ),
                        ("grace_until", models.DateField(blank=True, null=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "district",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="orgs.district",
                            ),
                        ),
                        (
                            "product",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="orgs.product",
                            ),
                        ),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("district", "product"), name="enforcement_once"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Purchase",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("seats", models.PositiveIntegerField()),
                        ("starts_on", models.DateField()),
                        ("ends_on", models.DateField()),
                        ("reference", models.CharField(blank=True, default="", max_length=200)),
                        ("sourced_id", models.CharField(blank=True, default="", max_length=255)),
                        ("deleted_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "district",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="orgs.district",
                            ),
                        ),
                        (
                            "product",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="purchases",
                                to="orgs.product",
                            ),
                        ),
                        (
                            "school",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="purchases",
                                to="orgs.school",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-starts_on", "id"],
                        "indexes": [
                            models.Index(
                                fields=["district", "product", "starts_on", "ends_on"],
                                name="licensing_p_distric_0bafc3_idx",
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("ends_on__gte", models.F("starts_on"))),
                                name="purchase_ends_after_start",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="TeacherAccess",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("on", models.BooleanField(default=True)),
                        ("changed_at", models.DateTimeField(auto_now=True)),
                        (
                            "district",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="orgs.district",
                            ),
                        ),
                        (
                            "product",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="orgs.product",
                            ),
                        ),
                        (
                            "teacher",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="access",
                                to="roster.teacher",
                            ),
                        ),
                    ],
                    options={
                        "indexes": [
                            models.Index(
                                fields=["district", "product", "on"],
                                name="licensing_t_distric_218a92_idx",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("teacher", "product"), name="access_once"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, migrations.RunPython.noop),
    ]
