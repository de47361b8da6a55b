from django.apps import AppConfig


class LicensingConfig(AppConfig):
    """Kept only for its migrations: 0002 hands the tables over to `seats` (renamed, data
    kept). Installed so that databases made before the move migrate forward; holds no code."""

    name = "seatkeeper.licensing"
    label = "licensing"
    default_auto_field = "django.db.models.BigAutoField"
