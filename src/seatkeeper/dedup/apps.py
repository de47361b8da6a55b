from django.apps import AppConfig


class DedupConfig(AppConfig):
    name = "seatkeeper.dedup"
    label = "dedup"
    default_auto_field = "django.db.models.BigAutoField"
