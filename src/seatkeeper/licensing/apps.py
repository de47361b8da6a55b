from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "seatkeeper.licensing"
    label = "licensing"
    default_auto_field = "django.db.models.BigAutoField"
