"""Helpers shared by the roster services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from seatkeeper.orgs.models import Product
from seatkeeper.roster.models import Enrollment
from seatkeeper.seats.ledger import SeatChange

ENROLLMENT_FIELDS = (
    "id",
    "student_id",
    "classroom_id",
    "sourced_id",
    "roster_source",
    "created_at",
)


def enrollment_rows(qs: Any) -> list[dict[str, Any]]:
    """What undo needs to put enrollments back exactly (ids included)."""
    out = []
    for row in qs.values(*ENROLLMENT_FIELDS):
        row["created_at"] = row["created_at"].isoformat()
        out.append(row)
    return out


@dataclass(frozen=True)
class SeatEffect:
    """What a change did to seats: students touched and seats freed per product code."""

    students: int
    seats_freed: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_freed(self) -> int:
        return sum(self.seats_freed.values())


def effect_of(change: SeatChange, students: int) -> SeatEffect:
    """The SeatEffect of a `seat_change` block: seats freed per product code of the district
    (0 where nothing moved), from the ledger sync."""
    freed = change.freed()
    codes = dict(Product.objects.filter(district_id=change.district_id).values_list("id", "code"))
    return SeatEffect(
        students=students,
        seats_freed={code: freed.get(p, 0) for p, code in sorted(codes.items())},
    )


def delete_enrollments(qs: Any) -> list[dict[str, Any]]:
    rows = enrollment_rows(qs)
    Enrollment.objects.filter(pk__in=[r["id"] for r in rows]).delete()
    return rows
