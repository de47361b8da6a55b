"""Seat writes: products, purchases, allocations (R7), site license access (R4), enforcement mode.

Every write runs in one transaction, checks scope, appends an audit entry, and goes through
`seat_guard` when it could raise used or lower capacity (hard enforcement).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import slugify

from seatkeeper.audit import actions
from seatkeeper.audit.services import audit_record, snapshot
from seatkeeper.errors import Conflict, ProblemCollector, invalid
from seatkeeper.orgs.models import District, Product, School
from seatkeeper.orgs.scoping import (
    Scope,
    get_district_for,
    get_school_for,
    require_district_admin,
)
from seatkeeper.seats import alerts, history, ledger
from seatkeeper.seats.enforcement import seat_guard
from seatkeeper.seats.errors import PoolExceeded
from seatkeeper.seats.ledger import seat_change
from seatkeeper.seats.models import (
    Alert,
    AlertSettings,
    AlertState,
    Allocation,
    Enforcement,
    EnforcementMode,
    Purchase,
    TeacherAccess,
)
from seatkeeper.seats.selectors import get_purchase_for, pool_seats, today
from seatkeeper.seats.sources import roster_model
from seatkeeper.seats.verify import Report, verify

PURCHASE_FIELDS = ["product_id", "school_id", "seats", "starts_on", "ends_on", "reference"]


def _check_pool(*, district_id: int, product: Product, on: dt.date | None = None) -> None:
    """R7: allocations never add up to more than the pool's active seats."""
    on = on or today()
    pool = pool_seats(district_id=district_id, product_id=product.pk, on=on)
    allocated = (
        Allocation.objects.filter(district_id=district_id, product=product).aggregate(
            n=Sum("seats")
        )["n"]
        or 0
    )
    if allocated > pool:
        raise PoolExceeded(
            f"The district pool has {pool} active {product.name} seats; allocations would add up "
            f"to {allocated}. Nothing was changed.",
            product=product.code,
            pool=pool,
            allocated=allocated,
        )


def _lock_pool(district_id: int, product: Product) -> None:
    list(
        Allocation.objects.select_for_update()
        .filter(district_id=district_id, product=product)
        .order_by("id")
        .values_list("id", flat=True)
    )


def _validate_purchase(
    *,
    district: District,
    product: Product,
    school: School | None,
    seats: int,
    starts_on: dt.date,
    ends_on: dt.date,
) -> None:
    problems = ProblemCollector()
    if product.district_id != district.pk:
        problems.add("product", "not a product of this district", value=product.code)
    if school is not None and school.district_id != district.pk:
        problems.add("school", "not a school of this district", value=school.pk)
    if not isinstance(seats, int) or seats < 0:
        problems.add("seats", "must be a whole number, 0 or more", value=seats)
    if ends_on < starts_on:
        problems.add("ends_on", "must not be before starts_on", value=ends_on.isoformat())
    problems.raise_if_any("Purchase not saved")


@transaction.atomic
def purchase_create(
    *,
    scope: Scope,
    district: District,
    product: Product,
    seats: int,
    starts_on: dt.date,
    ends_on: dt.date,
    school: School | None = None,
    reference: str = "",
    sourced_id: str = "",
) -> Purchase:
    """Record seats bought: for the district pool (school None) or owned by one school."""
    require_district_admin(scope, doing="record purchases")
    district = get_district_for(scope, district.pk)
    _validate_purchase(
        district=district,
        product=product,
        school=school,
        seats=seats,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    purchase = Purchase.objects.create(
        district=district,
        product=product,
        school=school,
        seats=seats,
        starts_on=starts_on,
        ends_on=ends_on,
        reference=reference,
        sourced_id=sourced_id,
    )
    audit_record(
        scope=scope,
        action=actions.PURCHASE_CREATED,
        target=purchase,
        label=_purchase_label(purchase),
        data={"new": snapshot(purchase, PURCHASE_FIELDS)},
    )
    alerts.after_commit(district.pk)  # issue 16.3: capacity and purchase terms moved
    return purchase


def _purchase_label(p: Purchase) -> str:
    owner = p.school.name if p.school is not None else "district pool"
    return f"{p.seats} {p.product.code} seats ({owner}, {p.starts_on}–{p.ends_on})"


def _purchase_guarded_change(
    scope: Scope, purchase: Purchase, apply: Callable[[Purchase], None], action: str
) -> Purchase:
    old = snapshot(purchase, PURCHASE_FIELDS + ["deleted_at"])
    old_school = purchase.school_id
    with seat_guard(
        district_id=purchase.district_id,
        school_ids=[old_school],
        product_ids=[purchase.product_id],
    ):
        _lock_pool(purchase.district_id, purchase.product)
        apply(purchase)
        purchase.save()
        if old_school is None or purchase.school_id is None:
            _check_pool(district_id=purchase.district_id, product=purchase.product)
    audit_record(
        scope=scope,
        action=action,
        target=purchase,
        label=_purchase_label(purchase),
        data={"old": old, "new": snapshot(purchase, PURCHASE_FIELDS + ["deleted_at"])},
    )
    return purchase


@transaction.atomic
def purchase_update(
    *,
    scope: Scope,
    purchase: Purchase,
    seats: int | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    reference: str | None = None,
) -> Purchase:
    """Correct a purchase. Lowering pool seats below what is allocated is refused (R7)."""
    require_district_admin(scope, doing="change purchases")
    purchase = get_purchase_for(scope, purchase.pk)

    def apply(p: Purchase) -> None:
        p.seats = p.seats if seats is None else seats
        p.starts_on = starts_on or p.starts_on
        p.ends_on = ends_on or p.ends_on
        p.reference = p.reference if reference is None else reference
        _validate_purchase(
            district=District.objects.get(pk=p.district_id),
            product=p.product,
            school=p.school,
            seats=p.seats,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
        )

    return _purchase_guarded_change(scope, purchase, apply, actions.PURCHASE_CHANGED)


@transaction.atomic
def purchase_delete(*, scope: Scope, purchase: Purchase) -> Purchase:
    """Soft-delete a purchase recorded in error (restore undoes it)."""
    require_district_admin(scope, doing="delete purchases")
    purchase = get_purchase_for(scope, purchase.pk)

    def apply(p: Purchase) -> None:
        p.deleted_at = p.deleted_at or timezone.now()

    return _purchase_guarded_change(scope, purchase, apply, actions.PURCHASE_DELETED)


@transaction.atomic
def purchase_restore(*, scope: Scope, purchase: Purchase) -> Purchase:
    require_district_admin(scope, doing="restore purchases")
    purchase = get_purchase_for(scope, purchase.pk)

    def apply(p: Purchase) -> None:
        p.deleted_at = None

    return _purchase_guarded_change(scope, purchase, apply, actions.PURCHASE_RESTORED)


@transaction.atomic
def allocation_set(*, scope: Scope, school: School, product: Product, seats: int) -> Allocation:
    """Give a school `seats` of the district pool for a product (R7: never more than the pool)."""
    require_district_admin(scope, doing="allocate seats")
    school = get_school_for(scope, school.pk)
    if not isinstance(seats, int) or seats < 0:
        raise invalid("seats", "must be a whole number, 0 or more", seats)
    if product.district_id != school.district_id:
        raise invalid("product", "not a product of this district", product.code)
    with seat_guard(
        district_id=school.district_id, school_ids=[school.pk], product_ids=[product.pk]
    ):
        _lock_pool(school.district_id, product)
        alloc, _ = Allocation.objects.get_or_create(
            district_id=school.district_id, school=school, product=product
        )
        old = alloc.seats
        alloc.seats = seats
        alloc.save(update_fields=["seats", "updated_at"])
        if seats > old:
            _check_pool(district_id=school.district_id, product=product)
    if old != seats:
        audit_record(
            scope=scope,
            action=actions.ALLOCATION_CHANGED,
            target=alloc,
            label=f"{school.name} · {product.code}",
            data={
                "old": {"seats": old},
                "new": {"seats": seats},
                "school": school.pk,
                "product": product.code,
            },
        )
    return alloc


@transaction.atomic
def allocation_move(
    *, scope: Scope, product: Product, from_school: School, to_school: School, seats: int
) -> tuple[Allocation, Allocation]:
    """Move allocated seats from one school to another (the pool total does not change)."""
    require_district_admin(scope, doing="move seats")
    from_school = get_school_for(scope, from_school.pk)
    to_school = get_school_for(scope, to_school.pk)
    if not isinstance(seats, int) or seats <= 0:
        raise invalid("seats", "must be a whole number, 1 or more", seats)
    if from_school.pk == to_school.pk:
        raise invalid(
            "to_school", "Seats must move to a different school than they come from", to_school.pk
        )
    if product.district_id != from_school.district_id:
        raise invalid("product", "not a product of this district", product.code)
    d = from_school.district_id
    with seat_guard(district_id=d, school_ids=[from_school.pk], product_ids=[product.pk]):
        _lock_pool(d, product)
        src, _ = Allocation.objects.get_or_create(
            district_id=d, school=from_school, product=product
        )
        dst, _ = Allocation.objects.get_or_create(district_id=d, school=to_school, product=product)
        src.refresh_from_db()
        dst.refresh_from_db()
        if src.seats < seats:
            raise invalid(
                "seats",
                f"{from_school.name} has only {src.seats} allocated {product.name} seats to move",
                seats,
            )
        src.seats -= seats
        dst.seats += seats
        src.save(update_fields=["seats", "updated_at"])
        dst.save(update_fields=["seats", "updated_at"])
    audit_record(
        scope=scope,
        action=actions.ALLOCATION_MOVED,
        target=src,
        label=f"{seats} {product.code} seats {from_school.name} → {to_school.name}",
        data={
            "product": product.code,
            "seats": seats,
            "from_school": from_school.pk,
            "to_school": to_school.pk,
            "old": {"from": src.seats + seats, "to": dst.seats - seats},
            "new": {"from": src.seats, "to": dst.seats},
        },
    )
    return src, dst


@transaction.atomic
def enforcement_set(
    *,
    scope: Scope,
    district: District,
    product: Product,
    mode: str,
    grace_until: dt.date | None = None,
) -> Enforcement:
    """Set soft / hard / grace for a product (district admins)."""
    require_district_admin(scope, doing="change enforcement")
    district = get_district_for(scope, district.pk)
    if mode not in EnforcementMode.values:
        raise invalid("mode", f"must be one of {', '.join(EnforcementMode.values)}", mode)
    if mode == EnforcementMode.GRACE and grace_until is None:
        raise invalid("grace_until", "grace mode needs the date grace ends")
    if product.district_id != district.pk:
        raise invalid("product", "not a product of this district", product.code)
    row, _ = Enforcement.objects.select_for_update().get_or_create(
        district=district, product=product
    )
    old = snapshot(row, ["mode", "grace_until"])
    row.mode = mode
    row.grace_until = grace_until if mode == EnforcementMode.GRACE else None
    row.save()
    new = snapshot(row, ["mode", "grace_until"])
    if old != new:
        audit_record(
            scope=scope,
            action=actions.ENFORCEMENT_CHANGED,
            target=row,
            label=f"{product.code}: {mode}",
            data={"old": old, "new": new, "product": product.code},
        )
    return row


@transaction.atomic
def product_create(*, scope: Scope, district: District, code: str, name: str) -> Product:
    """Add a product; every teacher gets access per the district's new-teacher setting."""
    require_district_admin(scope, doing="add products")
    district = get_district_for(scope, district.pk)
    code = code.strip()
    if not code or slugify(code) != code:
        raise invalid("code", "must be lowercase letters, digits and hyphens", code)
    if Product.objects.filter(district=district, code=code).exists():
        raise Conflict(f"Product {code!r} already exists in {district.name}.")
    product = Product.objects.create(district=district, code=code, name=name.strip() or code)
    teachers = roster_model("Teacher").objects.filter(district=district)
    with seat_change(district_id=district.pk):  # teachers with access ON: their students count
        TeacherAccess.objects.bulk_create(
            [
                TeacherAccess(
                    district=district,
                    teacher_id=t,
                    product=product,
                    on=district.new_teacher_access,
                )
                for t in teachers.values_list("id", flat=True)
            ]
        )
    audit_record(
        scope=scope,
        action=actions.PRODUCT_CREATED,
        target=product,
        data={"new": snapshot(product, ["code", "name"])},
    )
    return product


@transaction.atomic
def school_delete(*, scope: Scope, school: School) -> School:
    """Soft-delete a school: its seats stop counting (R5); restore brings them back."""
    require_district_admin(scope, doing="delete schools")
    school = get_school_for(scope, school.pk)
    if school.deleted_at is None:
        with seat_change(district_id=school.district_id):  # its seats stop counting
            school.deleted_at = timezone.now()
            school.save(update_fields=["deleted_at"])
        audit_record(scope=scope, action=actions.SCHOOL_DELETED, target=school)
    return school


@transaction.atomic
def school_restore(*, scope: Scope, school: School) -> School:
    require_district_admin(scope, doing="restore schools")
    school = get_school_for(scope, school.pk)
    if school.deleted_at is not None:
        old = school.deleted_at.isoformat()
        with seat_change(district_id=school.district_id):  # hard mode applies
            school.deleted_at = None
            school.save(update_fields=["deleted_at"])
        audit_record(
            scope=scope,
            action=actions.SCHOOL_RESTORED,
            target=school,
            data={"old": {"deleted_at": old}},
        )
    return school


@transaction.atomic
def ledger_repair(*, scope: Scope, district: District) -> Report:
    """Rebuild the district's seat ledger from the roster in one audited transaction.

    Returns the verify report from before the repair (what was wrong). A repair that finds
    nothing wrong writes no audit entry."""
    require_district_admin(scope, doing="repair the seat ledger")
    district = get_district_for(scope, district.pk)
    report = verify(district)
    if report.ok:
        return report
    ledger.rebuild(district.pk)
    audit_record(
        scope=scope,
        action=actions.LEDGER_REPAIRED,
        target=district,
        district_id=district.pk,
        label=f"seat ledger of {district.slug} rebuilt",
        data={"old": report.as_dict(), "new": verify(district).as_dict()},
    )
    return report


# --- history and alerts (issue 16) ------------------------------------------------------------


def usage_snapshot_take(*, district: District, day: dt.date | None = None) -> int:
    """Upsert today's usage history of the district (issue 16.1); rows written. Called by the
    daily task, `seatkeeper seats snapshot`, and the import and fix-plan applies (in their
    transaction, so the day's row says what the apply left)."""
    with transaction.atomic():
        return history.take(district, day=day or today())


def daily(*, district: District) -> dict[str, int]:
    """The daily task's work for one district: today's snapshot, then every alert."""
    rows = usage_snapshot_take(district=district)
    out = alerts.evaluate(district)
    return {"rows": rows, "started": len(out.started), "ended": len(out.ended)}


@transaction.atomic
def alert_settings_set(
    *,
    scope: Scope,
    district: District,
    near_limit_percent: int,
    overallocation: bool,
    purchase_ending_days: int,
) -> AlertSettings:
    """A district's alert settings (issue 16.3), audited; alerts are re-evaluated after."""
    require_district_admin(scope, doing="change alert settings")
    district = get_district_for(scope, district.pk)
    if not 0 <= near_limit_percent <= 100:
        raise invalid("near_limit_percent", "must be between 0 and 100", near_limit_percent)
    if not 0 <= purchase_ending_days <= 365:
        raise invalid("purchase_ending_days", "must be between 0 and 365", purchase_ending_days)
    row, _ = AlertSettings.objects.get_or_create(district=district)
    fields = ["near_limit_percent", "overallocation", "purchase_ending_days"]
    old = snapshot(row, fields)
    row.near_limit_percent = near_limit_percent
    row.overallocation = overallocation
    row.purchase_ending_days = purchase_ending_days
    row.save()
    audit_record(
        scope=scope,
        action=actions.ALERT_SETTINGS_CHANGED,
        target=district,
        district_id=district.pk,
        label=f"alert settings of {district.slug}",
        data={"old": old, "new": snapshot(row, fields)},
    )
    alerts.after_commit(district.pk)
    return row


def alert_mark(*, scope: Scope, alert: Alert, read: bool = False, dismiss: bool = False) -> None:
    """The signed-in user's read / dismissed mark on an alert they can see."""
    if scope.user is None or not scope.user.pk:
        raise invalid("user", "only a signed-in user has read and dismissed marks", None)
    now = timezone.now()
    with transaction.atomic():
        state, _ = AlertState.objects.get_or_create(
            district_id=alert.district_id, alert=alert, user=scope.user
        )
        if read and state.read_at is None:
            state.read_at = now
        if dismiss:
            state.dismissed_at = now
            state.read_at = state.read_at or now
        state.save()
