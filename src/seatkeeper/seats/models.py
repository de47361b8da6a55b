"""Seats: purchases, allocations, per-teacher site license access, enforcement mode.

capacity(S,P) = allocation(S,P) + active school-owned purchases(S,P); only purchases whose term
contains the day asked about add capacity, and allocations from the district pool never add up
to more than the pool's active seats (R7). Access is per teacher and product; a classroom is
licensed only when its *primary* teacher has access ON (R4, R8).
"""

from __future__ import annotations

from django.conf import settings
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


# --- the seat ledger (docs/architecture.md "The seat ledger") ----------------------------------


class Seat(TenantModel):
    """One counted seat: a student at a school for a product (R1: counted once however many
    licensed classrooms of the school hold it), with what holds it.

    Derived data, kept exact by `seats.ledger.sync` in the transaction of every change. The
    references carry no database constraint (a derived row must never slow or block the writes
    it follows) and Django never cascades into them: the ledger removes its own rows, so the
    counters always move with them. `seatkeeper seats verify` compares them with a recount.
    """

    district = models.ForeignKey(
        "orgs.District", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    school = models.ForeignKey(
        School, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    product = models.ForeignKey(
        Product, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    student = models.ForeignKey(
        "roster.Student",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    classrooms = models.PositiveIntegerField(
        help_text="Licensed classrooms of the school holding it."
    )
    classroom = models.ForeignKey(
        "roster.Classroom",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
        help_text="One of them (the lowest id): where the seat comes from.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "product", "student"], name="seat_once"
            )
        ]
        indexes = [models.Index(fields=["district", "student"], name="seat_by_student")]

    def __str__(self) -> str:
        return (
            f"seat: student {self.student_id} at school {self.school_id}, product {self.product_id}"
        )


class SeatCount(TenantModel):
    """used(S,P): the number of Seat rows of a school and product, moved by the same sync that
    moves the rows. Hard enforcement reads it under the district's ledger lock; no recount."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_index=False)
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "product"], name="seat_count_once"
            )
        ]

    def __str__(self) -> str:
        return f"used {self.used}: school {self.school_id}, product {self.product_id}"


class JournalKind(models.TextChoices):
    STUDENT = "s", "Student"
    CLASSROOM = "c", "Classroom"
    TEACHER = "t", "Teacher"
    SCHOOL = "h", "School"


class SeatJournal(models.Model):
    """What a change touched, written by database triggers on the tables seats are counted from
    (enrollments; classrooms' status, deletion, primary teacher and school; teachers', students'
    and schools' deletion; access rows). Any write, by any code path (services, the importer's
    set-based SQL, a shell), is journaled by the database itself; `seats.ledger.sync` turns the
    journal into the touched (school, product, student) set, recomputes those seats and empties
    it in the same transaction. On PostgreSQL a deferred constraint trigger refuses a COMMIT
    that leaves journal rows behind, so a write path that forgets the sync fails loudly.

    No foreign keys (inserting into it must cost the writes it follows next to nothing) and one
    index, (district, kind, ref): the sync's joins probe it, so their cost follows the rows
    touched even when the planner has no statistics for a journal that was empty a moment ago.
    """

    district_id = models.BigIntegerField()
    kind = models.CharField(max_length=1, choices=JournalKind.choices)
    ref = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["district_id", "kind", "ref"], name="seat_journal_key")]

    def __str__(self) -> str:
        return f"journal: district {self.district_id}, {self.get_kind_display()} {self.ref}"


# --- history and alerts (issue 16) -------------------------------------------------------------


class UsageSnapshot(TenantModel):
    """One day of one school and product: the ledger's figures as they were (issue 16.1).

    One row per (district, school, product, day), upserted (a second snapshot the same day
    replaces the first): a year of a 1M-student district (~570 schools, one product) is ~208k
    rows (bench/README.md "Usage history"). One index, the unique key, leading with the district
    and ordered for the time-series reads (district, product, day range)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    capacity = models.PositiveIntegerField(default=0)
    allocated = models.PositiveIntegerField(default=0)
    school_purchased = models.PositiveIntegerField(default=0)
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["district", "product", "day", "school"], name="usage_snapshot_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day}: school {self.school_id}, product {self.product_id}, used {self.used}"


class AlertSettings(TenantModel):
    """A district's alert settings (issue 16.3); a district without a row has the defaults."""

    near_limit_percent = models.PositiveSmallIntegerField(
        default=95, help_text="Alert when used reaches this % of capacity (0: never)."
    )
    overallocation = models.BooleanField(default=True, help_text="Alert when used > capacity.")
    purchase_ending_days = models.PositiveSmallIntegerField(
        default=30, help_text="Alert this many days before a purchase ends (0: never)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["district"], name="alert_settings_once")]


class AlertKind(models.TextChoices):
    NEAR_LIMIT = "near_limit", "Near the limit"
    OVERALLOCATED = "overallocated", "Overallocated"
    PURCHASE_ENDING = "purchase_ending", "Purchase ending"


class Alert(TenantModel):
    """A condition that started (and may have ended): one row per spell of one condition, keyed
    by `key` (kind, school, product, purchase); at most one open row per key."""

    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    key = models.CharField(max_length=100)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    purchase = models.ForeignKey(
        Purchase, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    message = models.CharField(max_length=500)
    detail = models.JSONField(default=dict)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_message = models.CharField(max_length=500, blank=True, default="")
    emailed_start = models.BooleanField(default=False)
    emailed_end = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["district", "ended_at"], name="alert_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "key"],
                condition=models.Q(ended_at__isnull=True),
                name="alert_open_once",
            )
        ]

    def __str__(self) -> str:
        return f"alert {self.kind}: {self.message}"


class AlertState(TenantModel):
    """One user's read / dismissed marks on one alert."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="states")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "user"], name="alert_state_once")]
