"""Daily usage history (issue 16.1): the ledger's figures of every school and product, one row
per (school, product, day), upserted.

The figures are `seats.selectors.usage_for_district`'s (the ledger's counters, capacity from
`seats.counting.capacity_of`): never a recount. A snapshot is taken by the daily task
(`seats.tasks.daily`), after every import apply and fix-plan apply (the roster and fixes
services call `seats.services.usage_snapshot_take`), and by `seatkeeper seats snapshot`. Like the
ledger, it is derived data: it is not audited, and taking it twice a day keeps the last one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max, Min, Sum

from seatkeeper.orgs.models import District, Product, School
from seatkeeper.orgs.scoping import system_scope
from seatkeeper.seats.counting import SchoolUsage
from seatkeeper.seats.models import UsageSnapshot

UPDATE_FIELDS = ["capacity", "allocated", "school_purchased", "used"]


def take(district: District, *, day: dt.date) -> int:
    """Upsert today's row of every live school and product of the district; rows written.

    `day` must be today: the ledger's counters say what is used now, not on another day."""
    from seatkeeper.seats.selectors import usage_for_district  # selectors read history too

    scope = system_scope(district, via="snapshot")
    rows: list[UsageSnapshot] = []
    for product in Product.objects.filter(district_id=district.pk).order_by("id"):
        usage = usage_for_district(scope=scope, district=district, product=product, on=day)
        rows.extend(
            UsageSnapshot(
                district_id=district.pk,
                school_id=s.id,
                product_id=product.pk,
                day=day,
                capacity=s.capacity,
                allocated=s.allocated,
                school_purchased=s.school_purchased,
                used=s.used,
            )
            for s in usage.schools
        )
    for i in range(0, len(rows), 2000):
        UsageSnapshot.objects.bulk_create(
            rows[i : i + 2000],
            update_conflicts=True,
            unique_fields=["district", "product", "day", "school"],
            update_fields=UPDATE_FIELDS,
        )
    return len(rows)


def school_rows_on(
    *, district_id: int, product_id: int, day: dt.date
) -> dict[int, SchoolUsage] | None:
    """The day's snapshot of every school (None when no snapshot was taken that day)."""
    rows = list(
        UsageSnapshot.objects.filter(district_id=district_id, product_id=product_id, day=day)
        .order_by()
        .values_list("school_id", "allocated", "school_purchased", "used")
    )
    if not rows:
        return None
    names = dict(
        School.objects.filter(district_id=district_id, pk__in=[r[0] for r in rows]).values_list(
            "id", "name"
        )
    )
    return {
        sid: SchoolUsage(
            id=sid, name=names.get(sid, ""), sourced_id="", allocated=a, school_purchased=p, used=u
        )
        for sid, a, p, u in rows
    }


@dataclass(frozen=True)
class Point:
    day: dt.date
    used: int
    capacity: int
    allocated: int
    school_purchased: int


def district_series(
    *, district_id: int, product_id: int, start: dt.date, end: dt.date
) -> list[Point]:
    """The district's totals per snapshot day (used, capacity, allocated, school-purchased)."""
    rows = (
        UsageSnapshot.objects.filter(
            district_id=district_id, product_id=product_id, day__gte=start, day__lte=end
        )
        .order_by("day")
        .values("day")
        .annotate(u=Sum("used"), c=Sum("capacity"), a=Sum("allocated"), p=Sum("school_purchased"))
    )
    return [Point(r["day"], r["u"], r["c"], r["a"], r["p"]) for r in rows]


def school_series(
    *, district_id: int, school_id: int, product_id: int, start: dt.date, end: dt.date
) -> list[Point]:
    rows = (
        UsageSnapshot.objects.filter(
            district_id=district_id,
            product_id=product_id,
            day__gte=start,
            day__lte=end,
            school_id=school_id,
        )
        .order_by("day")
        .values_list("day", "used", "capacity", "allocated", "school_purchased")
    )
    return [Point(*r) for r in rows]


@dataclass(frozen=True)
class ReportRow:
    school_id: int
    school: str
    product: str
    start_used: int | None
    end_used: int | None
    peak_used: int
    peak_day: dt.date | None
    days_overallocated: int
    days: int


def usage_report(
    *,
    district_id: int,
    start: dt.date,
    end: dt.date,
    school_ids: Iterable[int] | None = None,
) -> list[ReportRow]:
    """Per school and product over [start, end]: used on the first and last snapshot days, the
    peak (and its day), and the days it was overallocated (used > capacity), from history."""
    qs = UsageSnapshot.objects.filter(district_id=district_id, day__gte=start, day__lte=end)
    if school_ids is not None:
        qs = qs.filter(school_id__in=list(school_ids))
    by_key: dict[tuple[int, int], list[tuple[dt.date, int, int]]] = defaultdict(list)
    for sid, pid, day, used, cap in qs.order_by("school_id", "product_id", "day").values_list(
        "school_id", "product_id", "day", "used", "capacity"
    ):
        by_key[(sid, pid)].append((day, used, cap))
    names = dict(
        School.objects.filter(district_id=district_id, pk__in={k[0] for k in by_key}).values_list(
            "id", "name"
        )
    )
    codes = dict(Product.objects.filter(district_id=district_id).values_list("id", "code"))
    out = []
    for (sid, pid), days in by_key.items():
        peak = max(days, key=lambda d: (d[1], d[0]))
        out.append(
            ReportRow(
                school_id=sid,
                school=names.get(sid, ""),
                product=codes.get(pid, ""),
                start_used=days[0][1],
                end_used=days[-1][1],
                peak_used=peak[1],
                peak_day=peak[0],
                days_overallocated=sum(1 for _, u, c in days if u > c),
                days=len(days),
            )
        )
    out.sort(key=lambda r: (r.school.lower(), r.school_id, r.product))
    return out


def span(district_id: int) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day of the district's history."""
    r = UsageSnapshot.objects.filter(district_id=district_id).aggregate(a=Min("day"), b=Max("day"))
    return r["a"], r["b"]
