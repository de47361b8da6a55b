"""Helpers shared by the roster services."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from seatkeeper.orgs.models import Product
from seatkeeper.roster.models import Enrollment
from seatkeeper.seats.selectors import used_by_school

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


def used_snapshot(district_id: int, school_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    """used(S,P) for the given schools and every product of the district."""
    ids = sorted(set(school_ids))
    out: dict[tuple[int, str], int] = {}
    if not ids:
        return out
    for pid, code in Product.objects.filter(district_id=district_id).values_list("id", "code"):
        used = used_by_school(district_id=district_id, product_id=pid, school_ids=ids)
        for s in ids:
            out[(s, code)] = used.get(s, 0)
    return out


@dataclass(frozen=True)
class SeatEffect:
    """What a change did to seats: students touched and seats freed per product."""

    students: int
    seats_freed: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_freed(self) -> int:
        return sum(self.seats_freed.values())


def seat_effect(
    before: dict[tuple[int, str], int], after: dict[tuple[int, str], int], students: int
) -> SeatEffect:
    freed: dict[str, int] = {}
    for key, n in before.items():
        freed[key[1]] = freed.get(key[1], 0) + n - after.get(key, 0)
    return SeatEffect(students=students, seats_freed=freed)


def delete_enrollments(qs: Any) -> list[dict[str, Any]]:
    rows = enrollment_rows(qs)
    Enrollment.objects.filter(pk__in=[r["id"] for r in rows]).delete()
    return rows
