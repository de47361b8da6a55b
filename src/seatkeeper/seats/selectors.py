"""Seat reads (R1-R8). used(S,P) comes from the seat ledger (`seats.ledger`): the SeatCount
counter of each school and product, and the Seat rows for who holds a school's seats; a
district's usage costs one row per school, whatever the number of students.

- used(S,P): distinct students with at least one enrollment in a licensed classroom of S for P.
  Licensed = active, not deleted, primary teacher not deleted and with access ON for P (R1, R4,
  R5, R8). Deleted students count for nothing (R5); duplicates each count (R3); a student in two
  schools counts at each (R6). The ledger keeps exactly this, in the transaction of every change.
- capacity(S,P) on a day: allocation + school-owned purchases whose term contains the day (R7),
  computed from purchases (few rows).
- `licensed_enrollments`: the (student, classroom) rows that hold seats, which the what-if model
  (`seats.whatif`) is loaded from, for the planner and for "what would this free" figures.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from seatkeeper.errors import NotFound
from seatkeeper.orgs.models import District, Product, School
from seatkeeper.orgs.scoping import (
    Scope,
    get_district_for,
    get_school_for,
    get_visible,
    own_rows_q,
    schools_visible,
)
from seatkeeper.seats import history
from seatkeeper.seats.counting import DistrictUsage, SchoolUsage
from seatkeeper.seats.models import (
    Allocation,
    Enforcement,
    EnforcementMode,
    Purchase,
    Seat,
    SeatCount,
    TeacherAccess,
)
from seatkeeper.seats.sources import ACTIVE, roster_model
from seatkeeper.seats.whatif import SeatFacts, SeatModel


def today() -> dt.date:
    return timezone.localdate()


def licensed_classroom_q(product_id: int, prefix: str = "") -> Q:
    """A classroom licensed for a product: active, not deleted, primary teacher has access ON."""
    p = prefix
    return Q(
        **{
            f"{p}status": ACTIVE,
            f"{p}deleted_at__isnull": True,
            f"{p}primary_teacher__deleted_at__isnull": True,
            f"{p}primary_teacher__access__product_id": product_id,
            f"{p}primary_teacher__access__on": True,
        }
    )


def licensed_enrollments(
    *, district_id: int, product_id: int, school_ids: Iterable[int] | None = None
) -> QuerySet[Any]:
    """Enrollments that take a seat: in a licensed classroom, of a student not deleted.

    Same rows as filtering on `licensed_classroom_q(product_id, "classroom__")`, shaped for
    speed (bench/bench_usage.py, bench/README.md): the primary teacher's access is an EXISTS
    on the classroom (a semi-join), and the district is filtered on the classroom only; an
    enrollment always has its classroom's district (the services refuse cross-district
    links), and filtering both columns makes PostgreSQL underestimate the rows ~10000x and
    pick a plan 1.5x slower. District-wide at 100k students: ~1.4x faster on PostgreSQL,
    unchanged on SQLite.
    """
    access_on = TeacherAccess.objects.filter(
        teacher_id=OuterRef("classroom__primary_teacher_id"),
        product_id=product_id,
        on=True,
        teacher__deleted_at__isnull=True,
    )
    qs = roster_model("Enrollment").objects.filter(
        Exists(access_on),
        classroom__district_id=district_id,
        classroom__status=ACTIVE,
        classroom__deleted_at__isnull=True,
        student__deleted_at__isnull=True,
    )
    if school_ids is not None:
        qs = qs.filter(classroom__school_id__in=list(school_ids))
    return cast("QuerySet[Any]", qs)


def used_by_school(
    *, district_id: int, product_id: int, school_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """used(S,P) for each school with any seat in use (R1), from the ledger's counters."""
    qs = SeatCount.objects.filter(district_id=district_id, product_id=product_id, used__gt=0)
    if school_ids is not None:
        qs = qs.filter(school_id__in=list(school_ids))
    return dict(qs.values_list("school_id", "used"))


def allocated_by_school(*, district_id: int, product_id: int) -> dict[int, int]:
    return dict(
        Allocation.objects.filter(district_id=district_id, product_id=product_id).values_list(
            "school_id", "seats"
        )
    )


def active_purchases(*, district_id: int, product_id: int, on: dt.date) -> QuerySet[Purchase]:
    """Purchases whose term contains `on` (R7)."""
    return Purchase.objects.filter(
        district_id=district_id,
        product_id=product_id,
        deleted_at__isnull=True,
        starts_on__lte=on,
        ends_on__gte=on,
    )


def school_purchased_by_school(*, district_id: int, product_id: int, on: dt.date) -> dict[int, int]:
    rows = (
        active_purchases(district_id=district_id, product_id=product_id, on=on)
        .filter(school__isnull=False)
        .values("school_id")
        .annotate(n=Sum("seats"))
        .values_list("school_id", "n")
    )
    return dict(rows)


def pool_seats(*, district_id: int, product_id: int, on: dt.date) -> int:
    return (
        active_purchases(district_id=district_id, product_id=product_id, on=on)
        .filter(school__isnull=True)
        .aggregate(n=Sum("seats"))["n"]
        or 0
    )


def default_product(district_id: int) -> Product:
    product = Product.objects.filter(district_id=district_id).order_by("id").first()
    if product is None:
        raise NotFound("This district has no product yet.")
    return product


def usage_for_district(
    *,
    scope: Scope,
    district: District,
    product: Product | None = None,
    on: dt.date | None = None,
    school_ids: Iterable[int] | None = None,
) -> DistrictUsage:
    """District-wide usage for one product on one day: every visible school, and totals."""
    on = on or today()
    district = get_district_for(scope, district.pk)
    product = product or default_product(district.pk)
    if product.district_id != district.pk:
        raise NotFound(f"No product {product.code!r}.")
    d, p = district.pk, product.pk
    schools_qs = School.objects.filter(schools_visible(scope), deleted_at__isnull=True)
    if school_ids is not None:
        schools_qs = schools_qs.filter(pk__in=list(school_ids))
    ids = None if scope.school_ids is None and not school_ids else True
    # Schools, allocations, the ledger's counters and purchases by owner: one query each,
    # merged here (the counter replaces a count over the district's enrollments).
    listed = list(schools_qs.order_by("name", "id").values_list("id", "name", "sourced_id"))
    allocated = allocated_by_school(district_id=d, product_id=p)
    counters = dict(
        SeatCount.objects.filter(district_id=d, product_id=p).values_list("school_id", "used")
    )
    bought: dict[int | None, int] = dict(  # R7: active purchases by owner, pool = None
        active_purchases(district_id=d, product_id=p, on=on)
        .order_by()
        .values("school_id")
        .annotate(n=Sum("seats"))
        .values_list("school_id", "n")
    )
    pool = bought.pop(None, 0) or 0
    purchased = {k: v for k, v in bought.items() if k is not None}
    if on < today():
        # A past day answers from history when it was snapshotted (issue 16.1): the counters
        # and allocations say how things are now, the roster may have changed since.
        past = history.school_rows_on(district_id=d, product_id=p, day=on)
        if past is not None:
            allocated = {k: v.allocated for k, v in past.items()}
            purchased = {k: v.school_purchased for k, v in past.items()}
            counters = {k: v.used for k, v in past.items()}
    rows = [
        SchoolUsage(
            id=sid,
            name=name,
            sourced_id=sourced_id,
            allocated=allocated.get(sid, 0),
            school_purchased=purchased.get(sid, 0),
            used=counters.get(sid, 0),
        )
        for sid, name, sourced_id in listed
    ]
    if ids is None:  # every live school is listed: the totals are theirs
        allocated_total = sum(r.allocated for r in rows)
        purchased_total = sum(r.school_purchased for r in rows)
    else:
        live = set(
            School.objects.filter(district_id=d, deleted_at__isnull=True).values_list(
                "id", flat=True
            )
        )
        allocated_total = sum(allocated.get(x, 0) for x in live)
        purchased_total = sum(purchased.get(x, 0) for x in live)
    return DistrictUsage(
        district=district.slug,
        product=product.code,
        on=on,
        pool=pool,
        school_purchased=purchased_total,
        allocated=allocated_total,
        schools=rows,
    )


def usage_for_school(
    *, scope: Scope, school: School, product: Product, on: dt.date | None = None
) -> SchoolUsage:
    """One school's figures (the header of every school page)."""
    school = get_school_for(scope, school.pk)
    if product.district_id != school.district_id:
        raise NotFound(f"No product {product.code!r}.")
    on = on or today()
    d, p = school.district_id, product.pk
    purchased = (
        active_purchases(district_id=d, product_id=p, on=on)
        .filter(school_id=school.pk)
        .aggregate(n=Sum("seats"))["n"]
        or 0
    )
    alloc = (
        Allocation.objects.filter(district_id=d, school_id=school.pk, product_id=p)
        .values_list("seats", flat=True)
        .first()
        or 0
    )
    used = (
        SeatCount.objects.filter(district_id=d, school_id=school.pk, product_id=p)
        .values_list("used", flat=True)
        .first()
        or 0
    )
    return SchoolUsage(
        id=school.pk,
        name=school.name,
        sourced_id=school.sourced_id,
        allocated=alloc,
        school_purchased=purchased,
        used=used,
    )


@dataclass(frozen=True)
class SeatHolder:
    """A student holding one of a school's seats, and the licensed classrooms of the school
    holding it (R1: one seat however many)."""

    student_id: int
    classroom_ids: tuple[int, ...]

    @property
    def classrooms(self) -> int:
        return len(self.classroom_ids)


def seat_holders(*, scope: Scope, school: School, product: Product) -> list[SeatHolder]:
    """Who holds the school's seats for the product (the ledger's Seat rows), each with the
    licensed classrooms holding it (the what-if model's rows of the school)."""
    school = get_school_for(scope, school.pk)
    if product.district_id != school.district_id:
        raise NotFound(f"No product {product.code!r}.")
    seated = set(
        Seat.objects.filter(
            district_id=school.district_id, school_id=school.pk, product=product
        ).values_list("student_id", flat=True)
    )
    by_student: dict[int, list[int]] = defaultdict(list)
    for sid, cid in (
        licensed_enrollments(
            district_id=school.district_id, product_id=product.pk, school_ids=[school.pk]
        )
        .order_by("student_id", "classroom_id")
        .values_list("student_id", "classroom_id")
    ):
        if sid in seated:
            by_student[sid].append(cid)
    return [SeatHolder(student_id=s, classroom_ids=tuple(by_student[s])) for s in sorted(seated)]


def seats_of_students(
    *, district_id: int, student_ids: Iterable[int]
) -> dict[int, set[tuple[int, int]]]:
    """The (school, product) seats each student holds now (R1, R6), from the ledger."""
    out: dict[int, set[tuple[int, int]]] = defaultdict(set)
    ids = sorted(set(student_ids))
    for i in range(0, len(ids), 5000):
        for student, school, product in Seat.objects.filter(
            district_id=district_id, student_id__in=ids[i : i + 5000]
        ).values_list("student_id", "school_id", "product_id"):
            out[student].add((school, product))
    return dict(out)


def second_seat_schools(
    *, district_id: int, product_id: int, school_ids: Iterable[int]
) -> set[int]:
    """The other schools where students holding a seat at `school_ids` hold one too (R6)."""
    ids = list(school_ids)
    if not ids:
        return set()
    here = Seat.objects.filter(
        district_id=district_id, product_id=product_id, school_id__in=ids
    ).values("student_id")
    return set(
        Seat.objects.filter(district_id=district_id, product_id=product_id, student_id__in=here)
        .exclude(school_id__in=ids)
        .values_list("school_id", flat=True)
        .distinct()
    )


def holding_seat(
    *, district_id: int, school_id: int, product_id: int, student_ids: Iterable[int]
) -> set[int]:
    """Which of these students hold a seat at the school for the product (the ledger)."""
    return set(
        Seat.objects.filter(
            district_id=district_id,
            school_id=school_id,
            product_id=product_id,
            student_id__in=list(student_ids),
        ).values_list("student_id", flat=True)
    )


def effective_mode(*, district_id: int, product_id: int, on: dt.date | None = None) -> str:
    """soft, or hard; grace is soft until (and including) its date, hard after."""
    on = on or today()
    row = (
        Enforcement.objects.filter(district_id=district_id, product_id=product_id)
        .values("mode", "grace_until")
        .first()
    )
    if row is None:
        return EnforcementMode.SOFT
    if row["mode"] == EnforcementMode.GRACE:
        if row["grace_until"] is not None and on <= row["grace_until"]:
            return EnforcementMode.SOFT
        return EnforcementMode.HARD
    return row["mode"]


def effective_modes(district_id: int, *, on: dt.date | None = None) -> dict[int, str]:
    """`effective_mode` of every product with an enforcement row (others are soft), one query."""
    on = on or today()
    out: dict[int, str] = {}
    for product, mode, grace in Enforcement.objects.filter(district_id=district_id).values_list(
        "product_id", "mode", "grace_until"
    ):
        if mode == EnforcementMode.GRACE:
            mode = (
                EnforcementMode.SOFT if grace is not None and on <= grace else EnforcementMode.HARD
            )
        out[product] = mode
    return out


def enforcement_get(*, district_id: int, product_id: int) -> dict[str, object]:
    row = (
        Enforcement.objects.filter(district_id=district_id, product_id=product_id)
        .values("mode", "grace_until")
        .first()
    )
    return dict(row) if row else {"mode": EnforcementMode.SOFT, "grace_until": None}


def get_purchase_for(scope: Scope, pk: Any) -> Purchase:
    """A purchase of the scope's district (an operator not bound to a district: any)."""
    purchase: Purchase = get_visible(scope, Purchase, pk, own_rows_q(scope), "purchase")
    return purchase


# --- the what-if model's loader ------------------------------------------------------------


def seat_facts(
    *,
    district_id: int,
    product_id: int,
    school_ids: Iterable[int],
    used: Mapping[int, int] | None = None,
    capacity: Mapping[int, int] | None = None,
) -> SeatFacts:
    """The what-if model's facts for one product: the licensed enrollment rows and licensed
    classrooms of `school_ids`, with used/capacity per school (given, or from the ledger)."""
    ids = sorted(set(school_ids))
    rows = tuple(
        licensed_enrollments(district_id=district_id, product_id=product_id, school_ids=ids)
        .order_by()
        .values_list("student_id", "classroom_id")
    )
    school_of: dict[int, int] = {}
    teacher_of: dict[int, int] = {}
    for pk, school, teacher in (
        roster_model("Classroom")
        .objects.filter(
            licensed_classroom_q(product_id), district_id=district_id, school_id__in=ids
        )
        .values_list("id", "school_id", "primary_teacher_id")
    ):
        school_of[pk] = school
        teacher_of[pk] = teacher
    if used is None:
        used = used_by_school(district_id=district_id, product_id=product_id, school_ids=ids)
    return SeatFacts(
        rows=rows,
        school_of=school_of,
        teacher_of=teacher_of,
        used=dict(used),
        capacity=dict(capacity or {}),
    )


def school_seat_model(*, scope: Scope, school: School, product: Product) -> SeatModel:
    """The what-if model of one school (the License and Classrooms pages' figures)."""
    school = get_school_for(scope, school.pk)
    if product.district_id != school.district_id:
        raise NotFound(f"No product {product.code!r}.")
    return SeatModel(
        seat_facts(district_id=school.district_id, product_id=product.pk, school_ids=[school.pk])
    )


def seats_taken_if_on(
    *, district_id: int, school_id: int, product_id: int, teacher_ids: Iterable[int]
) -> dict[int, int]:
    """issue 17.10: seats each teacher's access ON would take at the school (R4, R1): students
    of the teacher's active classrooms there that hold no seat at the school for the product
    yet (the ledger's Seat rows). One query for all the teachers."""
    ids = list(teacher_ids)
    if not ids:
        return {}
    seated = Seat.objects.filter(
        district_id=district_id, school_id=school_id, product_id=product_id
    ).values("student_id")
    pairs = (
        roster_model("Enrollment")
        .objects.filter(
            classroom__district_id=district_id,
            classroom__school_id=school_id,
            classroom__primary_teacher_id__in=ids,
            classroom__primary_teacher__deleted_at__isnull=True,
            classroom__status=ACTIVE,
            classroom__deleted_at__isnull=True,
            student__deleted_at__isnull=True,
        )
        .exclude(student_id__in=seated)
        .values_list("classroom__primary_teacher_id", "student_id")
        .distinct()
    )
    out: dict[int, int] = defaultdict(int)
    for teacher, _student in pairs:
        out[teacher] += 1
    return dict(out)


# --- alerts (issue 16.3) -----------------------------------------------------------------------


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str
    kind_label: str
    school_id: int | None
    school: str
    product: str
    purchase_id: int | None
    message: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    ended_message: str
    fix_url: str
    read: bool
    dismissed: bool

    @property
    def open(self) -> bool:
        return self.ended_at is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "school": {"id": self.school_id, "name": self.school} if self.school_id else None,
            "product": self.product,
            "purchase": self.purchase_id,
            "message": self.message,
            "open": self.open,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "ended_message": self.ended_message,
            "fix_url": self.fix_url,
            "read": self.read,
            "dismissed": self.dismissed,
        }


def alerts_for(
    *,
    scope: Scope,
    district: District,
    open_only: bool = False,
    include_dismissed: bool = True,
    limit: int = 500,
) -> list[AlertView]:
    """The alerts the caller may see (admins; a school admin: their schools'): open first, the
    worst kind first, newest first within a kind,
    with the caller's read and dismissed marks."""
    from seatkeeper.orgs.scoping import ADMIN_ROLES, require_role
    from seatkeeper.seats.alerts import fix_path
    from seatkeeper.seats.models import Alert, AlertState

    require_role(scope, *ADMIN_ROLES, doing="see seat alerts")
    district = get_district_for(scope, district.pk)
    qs = Alert.objects.filter(district_id=district.pk).select_related("school", "product")
    if scope.school_ids is not None:
        qs = qs.filter(school_id__in=scope.school_ids)
    if open_only:
        qs = qs.filter(ended_at__isnull=True)
    alerts = list(qs.order_by("-started_at", "-id")[:limit])
    # open before ended, then the worst first (over capacity, near the limit, purchase ending)
    rank = {"overallocated": 0, "near_limit": 1, "purchase_ending": 2}
    alerts.sort(key=lambda a: (a.ended_at is not None, rank.get(a.kind, 3)))
    marks: dict[int, tuple[bool, bool]] = {}
    if scope.user is not None and scope.user.pk:
        for aid, read_at, dismissed_at in AlertState.objects.filter(
            district_id=district.pk, user_id=scope.user.pk, alert_id__in=[a.pk for a in alerts]
        ).values_list("alert_id", "read_at", "dismissed_at"):
            marks[aid] = (read_at is not None, dismissed_at is not None)
    out = []
    for a in alerts:
        read, dismissed = marks.get(a.pk, (False, False))
        if dismissed and not include_dismissed:
            continue
        out.append(
            AlertView(
                id=a.pk,
                kind=a.kind,
                kind_label=a.get_kind_display(),
                school_id=a.school_id,
                school=a.school.name if a.school else "",
                product=a.product.code,
                purchase_id=a.purchase_id,
                message=a.message,
                started_at=a.started_at,
                ended_at=a.ended_at,
                ended_message=a.ended_message,
                fix_url=fix_path(a.school_id),
                read=read,
                dismissed=dismissed,
            )
        )
    return out


def get_alert_for(scope: Scope, pk: Any) -> Any:
    """An alert the caller may see (NotFound otherwise)."""
    from seatkeeper.seats.models import Alert

    alert = Alert.objects.filter(pk=pk, district_id=scope.require_district()).first()
    if alert is None or (scope.school_ids is not None and alert.school_id not in scope.school_ids):
        raise NotFound(f"No alert {pk}.")
    return alert


# --- history reads (issue 16.1, 16.2, 16.4) ----------------------------------------------------


def purchased_on_days(
    *, district_id: int, product_id: int, days: Iterable[dt.date]
) -> list[tuple[dt.date, int]]:
    """Active purchased seats (pool + school-owned, R7) on each day: purchases are dated."""
    wanted = sorted(set(days))
    if not wanted:
        return []
    rows = list(
        Purchase.objects.filter(
            district_id=district_id,
            product_id=product_id,
            deleted_at__isnull=True,
            starts_on__lte=wanted[-1],
            ends_on__gte=wanted[0],
        ).values_list("starts_on", "ends_on", "seats")
    )
    return [(d, sum(n for a, b, n in rows if a <= d <= b)) for d in wanted]


def district_history(
    *, scope: Scope, district: District, product: Product, start: dt.date, end: dt.date
) -> tuple[list[history.Point], list[tuple[dt.date, int]]]:
    """The district's totals per snapshot day, and purchased seats on those days."""
    district = get_district_for(scope, district.pk)
    if product.district_id != district.pk:
        raise NotFound(f"No product {product.code!r}.")
    if scope.school_ids is not None:
        raise NotFound("District history is for district admins.")
    points = history.district_series(
        district_id=district.pk, product_id=product.pk, start=start, end=end
    )
    bought = purchased_on_days(
        district_id=district.pk, product_id=product.pk, days=[p.day for p in points]
    )
    return points, bought


def school_history(
    *, scope: Scope, school: School, product: Product, start: dt.date, end: dt.date
) -> list[history.Point]:
    school = get_school_for(scope, school.pk)
    if product.district_id != school.district_id:
        raise NotFound(f"No product {product.code!r}.")
    return history.school_series(
        district_id=school.district_id,
        school_id=school.pk,
        product_id=product.pk,
        start=start,
        end=end,
    )


def usage_report(
    *, scope: Scope, district: District, start: dt.date, end: dt.date
) -> list[history.ReportRow]:
    """Issue 16.4: per school and product over [start, end], from history (the caller's
    schools)."""
    from seatkeeper.orgs.scoping import ADMIN_ROLES, require_role

    require_role(scope, *ADMIN_ROLES, doing="see usage reports")
    district = get_district_for(scope, district.pk)
    return history.usage_report(
        district_id=district.pk, start=start, end=end, school_ids=scope.school_ids
    )
