from typing import Any

from django.apps import AppConfig
from django.db.models.signals import pre_save

# The apps whose rows people and files write (issue 17.1); audit/jobs rows are written by us.
LENGTH_CHECKED_APPS = frozenset(
    {"orgs", "roster", "seats", "dedup", "fixes", "api", "licensing", "auth"}
)


def _check_lengths(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    from seatkeeper.errors import check_lengths

    if not raw and sender._meta.app_label in LENGTH_CHECKED_APPS:
        check_lengths(instance)


class OrgsConfig(AppConfig):
    name = "seatkeeper.orgs"
    label = "orgs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        pre_save.connect(_check_lengths, dispatch_uid="seatkeeper-length-limits")
