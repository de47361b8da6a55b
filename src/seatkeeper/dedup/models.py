"""De-dup records: pairs marked "not duplicates", merges (with what undo needs), detection runs.

Duplicate accounts each take a seat (R3); a merge moves every enrollment and all activity to the
keeper and soft-deletes the others (R5: deleted accounts count nothing, lose no history). A Merge
row stores exactly what `*_merge_undo` needs to put every row back as it was.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seatkeeper.orgs.models import TenantModel


class Kind(models.TextChoices):
    STUDENT = "student", "Students"
    TEACHER = "teacher", "Teachers"


class NotDuplicate(TenantModel):
    """Two accounts an admin said are different people (twins): never suggested together again.

    Stored with `low_id < high_id` so a pair is one row whichever way it was marked.
    """

    kind = models.CharField(max_length=10, choices=Kind.choices)
    low_id = models.BigIntegerField()
    high_id = models.BigIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["district", "kind", "low_id", "high_id"], name="not_duplicate_once"
            ),
            models.CheckConstraint(
                condition=models.Q(low_id__lt=models.F("high_id")), name="not_duplicate_ordered"
            ),
        ]


class Merge(TenantModel):
    """One merge of accounts into a keeper; `undo` holds the rows to restore exactly."""

    kind = models.CharField(max_length=10, choices=Kind.choices)
    keeper_id = models.BigIntegerField()
    other_ids = models.JSONField(default=list)
    undo = models.JSONField(default=dict)
    seats_freed = models.IntegerField(default=0)
    batch = models.UUIDField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["district", "kind", "created_at"])]


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class DetectionRun(TenantModel):
    """A district-wide detection run through the task queue: progress, then the JSON result."""

    kind = models.CharField(max_length=10, choices=Kind.choices)
    school_ids = models.JSONField(null=True, blank=True)
    min_score = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["district", "kind", "created_at"])]

    @property
    def percent(self) -> int:
        if self.status == RunStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
