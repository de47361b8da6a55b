from django.apps import AppConfig


class FixesConfig(AppConfig):
    name = "seatkeeper.fixes"
    label = "fixes"
    default_auto_field = "django.db.models.BigAutoField"
