"""Proof and repair of the seat ledger: compare it with a recount, per school and product.

`verify` recounts every seat of a district from the roster with the plain rule (R1-R8, one
statement, `ledger.recount`) and compares it with both halves of the ledger: the Seat rows and
the SeatCount counters. `seats.services.ledger_repair` rebuilds a district's ledger in one
audited transaction. `seatkeeper seats verify [--district SLUG] [--repair]` drives both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from seatkeeper.orgs.models import District, Product, School
from seatkeeper.seats import ledger
from seatkeeper.seats.models import Seat, SeatCount


@dataclass(frozen=True)
class Difference:
    """One (school, product) where the ledger and the recount disagree."""

    school_id: int
    school: str
    product: str
    recount: int  # seats by the plain rule
    counter: int  # SeatCount.used
    rows: int  # Seat rows
    missing: tuple[int, ...] = ()  # students the recount seats and the ledger does not
    extra: tuple[int, ...] = ()  # students the ledger seats and the recount does not

    def as_dict(self) -> dict[str, Any]:
        return {
            "school_id": self.school_id,
            "school": self.school,
            "product": self.product,
            "recount": self.recount,
            "counter": self.counter,
            "rows": self.rows,
            "missing_students": list(self.missing[:20]),
            "extra_students": list(self.extra[:20]),
        }


@dataclass(frozen=True)
class Report:
    district: str
    seats: int  # seats by the recount
    pending: int  # journal rows not yet synced (0 between transactions)
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences and not self.pending

    def as_dict(self) -> dict[str, Any]:
        return {
            "district": self.district,
            "seats": self.seats,
            "pending_journal_rows": self.pending,
            "differences": [d.as_dict() for d in self.differences],
            "ok": self.ok,
        }


def verify(district: District) -> Report:
    """The ledger of one district against a recount (read-only)."""
    d = district.pk
    recounted = ledger.recount(d)
    rows = set(
        Seat.objects.filter(district_id=d).values_list("school_id", "product_id", "student_id")
    )
    counters = {
        (s, p): n
        for s, p, n in SeatCount.objects.filter(district_id=d).values_list(
            "school_id", "product_id", "used"
        )
    }
    by_key_recount = ledger.keys_of(recounted)
    by_key_rows = ledger.keys_of(rows)
    keys = set(by_key_recount) | set(by_key_rows) | {k for k, n in counters.items() if n}
    names = dict(School.objects.filter(district_id=d).values_list("id", "name"))
    codes = dict(Product.objects.filter(district_id=d).values_list("id", "code"))
    diffs = []
    for s, p in sorted(keys, key=lambda k: (names.get(k[0], ""), k[0], codes.get(k[1], ""))):
        want = by_key_recount.get((s, p), 0)
        counter = counters.get((s, p), 0)
        have = by_key_rows.get((s, p), 0)
        missing = tuple(sorted(st for (a, b, st) in recounted - rows if (a, b) == (s, p)))
        extra = tuple(sorted(st for (a, b, st) in rows - recounted if (a, b) == (s, p)))
        if want != counter or want != have or missing or extra:
            diffs.append(
                Difference(
                    school_id=s,
                    school=names.get(s, f"school {s}"),
                    product=codes.get(p, str(p)),
                    recount=want,
                    counter=counter,
                    rows=have,
                    missing=missing,
                    extra=extra,
                )
            )
    pending = len(ledger.pending(d))
    return Report(district=district.slug, seats=len(recounted), pending=pending, differences=diffs)
