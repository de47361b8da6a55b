"""The licensing app became `seats` (issue 13): its four tables are renamed to seats_* with
their rows, and the models leave this app's state; seats 0001 takes them over unchanged."""

from django.db import migrations

MODELS = ("allocation", "enforcement", "purchase", "teacheraccess")


class Migration(migrations.Migration):
    dependencies = [("licensing", "0001_purchases_allocations_access_enforcement")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name=m, table=f"seats_{m}") for m in MODELS
            ],
            state_operations=[migrations.DeleteModel(name=m) for m in MODELS],
        )
    ]
