"""Fix plans: a saved overallocation plan (domain.md "Overallocation fixes"), its state, and
what undo needs.

A plan is made for one district and product (optionally some schools), previewed, applied once
in one transaction (all audit rows share `batch`), and undone once (`undo_batch`). `actions`
holds the planner's atomic actions per step so apply/undo and the preview replay exactly what
was shown; `fingerprint` is the digest of the roster state the plan touches, so apply refuses
when that state changed (domain.md: what a preview predicts is exactly what applying yields).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from seatkeeper.orgs.models import Product, TenantModel


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Previewed"
    APPLIED = "applied", "Applied"
    UNDONE = "undone", "Undone"


class FixPlan(TenantModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    school_ids = models.JSONField(null=True, blank=True, help_text="Target schools; null: all.")
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    plan = models.JSONField(default=dict, help_text="The `fix plan --json` contract.")
    actions = models.JSONField(default=list, help_text="Planner actions per step.")
    chosen = models.JSONField(null=True, blank=True, help_text="Step indexes applied.")
    loaded_schools = models.JSONField(default=list, help_text="Schools whose rows it replays.")
    fingerprint = models.CharField(max_length=64)
    facts = models.JSONField(
        default=dict, blank=True, help_text="The facts the fingerprint digests (what changed)."
    )
    kinds = models.JSONField(null=True, blank=True, help_text="Step kinds allowed; null: all.")
    duplicates = models.JSONField(
        default=list, blank=True, help_text="The duplicate groups the plan was made with."
    )
    exact = models.BooleanField(default=False)
    undo = models.JSONField(default=list, blank=True)
    applied = models.JSONField(
        null=True, blank=True, help_text="What apply did: schools before/after, steps applied."
    )
    batch = models.UUIDField(null=True, blank=True)
    undo_batch = models.UUIDField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["district", "created_at"])]

    def __str__(self) -> str:
        return f"Fix plan {self.pk} ({self.status})"
