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
