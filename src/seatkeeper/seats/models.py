"""Seats: purchases, allocations, per-teacher site license access, enforcement mode.

capacity(S,P) = allocation(S,P) + active school-owned purchases(S,P); only purchases whose term
contains the day asked about add capacity, and allocations from the district pool never add up
to more than the pool's active seats (R7). Access is per teacher and product; a classroom is
licensed only when its *primary* teacher has access ON (R4, R8).
"""

from __future__ import annotations

from django.db import models

from seatkeeper.orgs.models import Product, School, TenantModel


class Purchase(TenantModel):
    """Seats bought for one product over a term: the district pool (school NULL) or one school's."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="purchases")
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="purchases"
    )
    seats = models.PositiveIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField()
    reference = models.CharField(max_length=200, blank=True, default="")
    sourced_id = models.CharField(max_length=255, blank=True, default="")
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "id"]
        indexes = [models.Index(fields=["district", "product", "starts_on", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="purchase_ends_after_start",
            )
        ]


class Allocation(TenantModel):
    """Seats of the district pool given to one school for one product.

    The row is also the lock taken (SELECT ... FOR UPDATE) before any change that could raise
    used(S,P), so concurrent enrollments cannot overshoot capacity in hard mode.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="allocations")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="allocations")
    seats = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["district", "product"])]
        constraints = [
            models.UniqueConstraint(fields=["school", "product"], name="allocation_once")
        ]


class TeacherAccess(TenantModel):
    """Site license access: a per-teacher, per-product switch."""

    teacher = models.ForeignKey("roster.Teacher", on_delete=models.CASCADE, related_name="access")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    on = models.BooleanField(default=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["district", "product", "on"])]
        constraints = [models.UniqueConstraint(fields=["teacher", "product"], name="access_once")]


class EnforcementMode(models.TextChoices):
    SOFT = "soft", "Soft: allow and flag"
    HARD = "hard", "Hard: refuse"
    GRACE = "grace", "Grace: soft until a date, then hard"


class Enforcement(TenantModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=10, choices=EnforcementMode.choices, default="soft")
    grace_until = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district", "product"], name="enforcement_once")
        ]
