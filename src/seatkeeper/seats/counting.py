"""Seat arithmetic: pure functions and result types, no ORM (rules R1, R6, R7).

The selectors fetch per-school figures in bulk (one aggregate query per source); this module
turns them into capacity, remaining and overallocation, for one school or a whole district.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


def capacity_of(allocated: int, school_purchased: int) -> int:
    """capacity(S,P) = allocation(S,P) + active school-owned purchases(S,P) (R7): the one place
    the rule is written (usage rows, the planner's facts, enforcement)."""
    return allocated + school_purchased


@dataclass(frozen=True)
class SchoolUsage:
    id: int
    name: str
    sourced_id: str
    allocated: int
    school_purchased: int
    used: int

    @property
    def capacity(self) -> int:
        """capacity(S,P) = allocation(S,P) + active school-owned purchases(S,P)."""
        return capacity_of(self.allocated, self.school_purchased)

    @property
    def remaining(self) -> int:
        return self.capacity - self.used

    @property
    def overallocated(self) -> bool:
        return self.used > self.capacity

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "sourced_id": self.sourced_id,
            "capacity": self.capacity,
            "allocated": self.allocated,
            "school_purchased": self.school_purchased,
            "used": self.used,
            "remaining": self.remaining,
            "overallocated": self.overallocated,
        }


@dataclass(frozen=True)
class DistrictUsage:
    district: str
    product: str
    on: dt.date
    pool: int  # active district-pool seats (R7)
    school_purchased: int  # active school-owned seats
    allocated: int
    schools: list[SchoolUsage] = field(default_factory=list)

    @property
    def purchased(self) -> int:
        """Every active purchased seat of the product: the pool plus school-owned purchases."""
        return self.pool + self.school_purchased

    @property
    def unallocated(self) -> int:
        """Pool seats not given to a school; negative when purchases expired under allocations."""
        return self.pool - self.allocated

    @property
    def used(self) -> int:
        """Seats used across schools; a student counted at two schools takes two (R6)."""
        return sum(s.used for s in self.schools)

    @property
    def overallocated(self) -> bool:
        return self.used > self.purchased

    @property
    def overallocated_schools(self) -> list[SchoolUsage]:
        return [s for s in self.schools if s.overallocated]

    @property
    def capacity(self) -> int:
        """Seats the schools may use between them (allocations plus school-owned purchases)."""
        return sum(s.capacity for s in self.schools)

    @property
    def remaining(self) -> int:
        """Capacity minus used across the schools (net: spare seats offset shortfalls)."""
        return sum(s.remaining for s in self.schools)

    @property
    def short_by(self) -> int:
        """Seats the overallocated schools lack between them (issue 17.13)."""
        return sum(-s.remaining for s in self.schools if s.remaining < 0)

    @property
    def spare(self) -> int:
        """Seats left unused at the schools that are not over (issue 17.13)."""
        return sum(s.remaining for s in self.schools if s.remaining > 0)

    @property
    def move_defaults(self) -> tuple[int | None, int | None]:
        """(from, to) school ids a seat move most likely wants: the school with the most spare
        seats to the most overallocated one (issue 17.6); None where there is no such school."""
        spare = max(
            (s for s in self.schools if s.remaining > 0), key=lambda s: s.remaining, default=None
        )
        over = min(self.overallocated_schools, key=lambda s: s.remaining, default=None)
        return (spare.id if spare else None, over.id if over else None)

    def contract(self) -> dict[str, Any]:
        """Exactly the `usage --json` / `GET .../usage` contract keys (README), in order."""
        return {
            "district": self.district,
            "product": self.product,
            "on": self.on.isoformat(),
            "purchased": self.purchased,
            "allocated": self.allocated,
            "unallocated": self.unallocated,
            "used": self.used,
            "schools": [s.as_dict() for s in self.schools],
        }

    def as_dict(self) -> dict[str, Any]:
        """The contract and a few additions (pool, school_purchased, overallocated)."""
        return {
            "district": self.district,
            "product": self.product,
            "on": self.on.isoformat(),
            "purchased": self.purchased,
            "allocated": self.allocated,
            "unallocated": self.unallocated,
            "used": self.used,
            "pool": self.pool,
            "school_purchased": self.school_purchased,
            "overallocated": self.overallocated,
            "schools": [s.as_dict() for s in self.schools],
        }


def build_school_usages(
    schools: Iterable[tuple[int, str, str]],
    *,
    allocated: Mapping[int, int],
    school_purchased: Mapping[int, int],
    used: Mapping[int, int],
) -> list[SchoolUsage]:
    return [
        SchoolUsage(
            id=sid,
            name=name,
            sourced_id=sourced_id,
            allocated=allocated.get(sid, 0),
            school_purchased=school_purchased.get(sid, 0),
            used=used.get(sid, 0),
        )
        for sid, name, sourced_id in schools
    ]


def seats_freed_by_removing(holders: Mapping[int, frozenset[Any]], removed: frozenset[Any]) -> int:
    """Students freed when every seat source in `removed` goes (R1: counted once per school).

    `holders` maps a student to the set of things keeping their seat (licensed classrooms, or
    primary teachers); a student is freed only when all of them are removed.
    """
    return sum(1 for keepers in holders.values() if keepers and keepers <= removed)


__all__ = [
    "DistrictUsage",
    "capacity_of",
    "SchoolUsage",
    "asdict",
    "build_school_usages",
    "seats_freed_by_removing",
]
