from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "seatkeeper.roster"
    label = "roster"
    default_auto_field = "django.db.models.BigAutoField"
