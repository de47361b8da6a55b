from django.apps import AppConfig


class SeatsConfig(AppConfig):
    name = "seatkeeper.seats"
    label = "seats"
    default_auto_field = "django.db.models.BigAutoField"
