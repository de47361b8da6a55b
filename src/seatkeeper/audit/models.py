"""The audit log: append-only, one row per change, written in the same transaction.

Each entry records who acted (and, for a district admin who "launched into" a school, both
identities), the dotted action code, the object, and `data` with what undo needs ({old, new}).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    district = models.ForeignKey(
        "orgs.District", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True, default="")
    acting_role = models.CharField(max_length=20, blank=True, default="")
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(max_length=20, blank=True, default="")
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=40, blank=True, default="")
    target_id = models.BigIntegerField(null=True, blank=True)
    target_label = models.CharField(max_length=300, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    batch = models.UUIDField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["district", "at"]),
            models.Index(fields=["district", "action"]),
            models.Index(fields=["district", "target_type", "target_id"]),
            models.Index(fields=["district", "batch"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"
