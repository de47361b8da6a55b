from django.apps import AppConfig
from django.db.backends.signals import connection_created


class RosterConfig(AppConfig):
    name = "seatkeeper.roster"
    label = "roster"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from seatkeeper.roster.search import register_sqlite

        # issue 17.14: accent-insensitive search needs `sk_fold` on every SQLite connection.
        connection_created.connect(register_sqlite, dispatch_uid="seatkeeper-sk-fold")
