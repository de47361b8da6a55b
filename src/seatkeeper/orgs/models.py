"""Tenants and people: districts, schools, products, memberships (roles).

A district is the tenant; every tenant-owned row in Seatkeeper carries `district_id`
(`TenantModel`) and every index leads with it, so data can be distributed by district.
Settings that the counting and enforcement rules read (domain.md "Enforcement") live here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    OPERATOR = "operator", "Platform operator"
    DISTRICT_ADMIN = "district_admin", "District admin"
    SCHOOL_ADMIN = "school_admin", "School admin"
    TEACHER = "teacher", "Teacher"
    INTEGRATION = "integration", "Integration (reports activity)"


class RosterSource(models.TextChoices):
    """Where a roster row came from; mixed sources are the top cause of duplicates."""

    ONEROSTER = "oneroster", "OneRoster"
    CSV = "csv", "CSV upload"
    MANUAL = "manual", "By hand"
    API = "api", "API"
    DEMO = "demo", "Demo data"


class District(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    sourced_id = models.CharField(max_length=255, blank=True, default="")
    # Settings (domain.md "Enforcement"; thresholds feed the fix planner).
    teachers_may_create_students = models.BooleanField(default=True)
    new_teacher_access = models.BooleanField(
        default=True, help_text="Teachers added by import or by hand start with access ON."
    )
    stale_classroom_days = models.PositiveIntegerField(default=90)
    inactive_student_days = models.PositiveIntegerField(default=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TenantModel(models.Model):
    """Base of every tenant-owned table: carries `district_id`."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class School(TenantModel):
    name = models.CharField(max_length=200)
    sourced_id = models.CharField(max_length=255, blank=True, default="")
    # None follows the district; False tightens it (a school may only tighten).
    teachers_may_create_students = models.BooleanField(null=True, blank=True, default=None)
    roster_source = models.CharField(
        max_length=16, choices=RosterSource.choices, default=RosterSource.MANUAL
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["district", "name"])]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "sourced_id"],
                condition=~models.Q(sourced_id=""),
                name="school_unique_sourced_id",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Product(TenantModel):
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["district", "code"], name="product_unique_code")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role. Operators have no district; everyone else has exactly one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    schools = models.ManyToManyField(School, through="MembershipSchool", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="operator") | models.Q(district__isnull=False),
                name="membership_district_unless_operator",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class MembershipSchool(TenantModel):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE)
    school = models.ForeignKey(School, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "school"], name="membership_school_once")
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} @ {self.school_id}"
