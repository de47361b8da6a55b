"""Seat alerts (issue 16.3): near the limit, overallocated, a purchase ending soon.

A condition is evaluated from the ledger's figures (`seats.selectors.usage_for_district`, never
a recount) after every change that moves seats (`after_commit`: the ledger's sync and the
capacity changes register it with `transaction.on_commit`, for the schools they touched only)
and by the daily task (every school). An `Alert` row is one spell of one condition: opened when
it starts (one email to the district's admins), ended when it stops (the alerts that ended in
one evaluation go out as one digest email). Evaluating again while nothing changed writes
nothing and sends nothing, so a condition raises one alert however many changes it lives
through.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from seatkeeper.orgs.models import District, Product, Role
from seatkeeper.orgs.scoping import system_scope
from seatkeeper.seats.models import Alert, AlertKind, AlertSettings, Purchase

logger = logging.getLogger(__name__)
Key = tuple[int, int]  # (school id, product id)
SEAT_KINDS = (AlertKind.NEAR_LIMIT, AlertKind.OVERALLOCATED)


def settings_for(district_id: int) -> AlertSettings:
    """The district's settings row, or the defaults (unsaved) when it has none."""
    row = AlertSettings.objects.filter(district_id=district_id).first()
    return row or AlertSettings(district_id=district_id)


def alert_key(kind: str, *, product_id: int, school_id: int | None, purchase_id: int | None) -> str:
    return f"{kind}:{school_id or 0}:{product_id}:{purchase_id or 0}"


def fix_path(school_id: int | None) -> str:
    """The fix plan page of the alert's school (a pool purchase: the district's fix page)."""
    try:
        if school_id:
            return reverse("fixes:plan", kwargs={"school_id": school_id})
        return reverse("fixes:plan")
    except NoReverseMatch:  # pragma: no cover - the web app is always installed
        return ""


@dataclass
class Wanted:
    kind: str
    product_id: int
    school_id: int | None
    purchase_id: int | None
    message: str
    detail: dict[str, object] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return alert_key(
            self.kind,
            product_id=self.product_id,
            school_id=self.school_id,
            purchase_id=self.purchase_id,
        )


@dataclass
class Outcome:
    started: list[Alert] = field(default_factory=list)
    ended: list[Alert] = field(default_factory=list)


def _seat_conditions(
    district: District, cfg: AlertSettings, school_ids: set[int] | None, on: dt.date
) -> tuple[list[Wanted], set[int] | None]:
    """The seat conditions holding now for the schools asked about (None: every school)."""
    from seatkeeper.seats.selectors import usage_for_district

    scope = system_scope(district, via="alerts")
    wanted: list[Wanted] = []
    for product in Product.objects.filter(district_id=district.pk).order_by("id"):
        usage = usage_for_district(
            scope=scope, district=district, product=product, on=on, school_ids=school_ids
        )
        for s in usage.schools:
            facts = {"used": s.used, "capacity": s.capacity, "school": s.name}
            if cfg.overallocation and s.overallocated:
                wanted.append(
                    Wanted(
                        AlertKind.OVERALLOCATED,
                        product.pk,
                        s.id,
                        None,
                        f"{s.name} is over capacity for {product.name}: {s.used} seats used, "
                        f"capacity {s.capacity} ({s.used - s.capacity} over).",
                        facts,
                    )
                )
            pct = cfg.near_limit_percent
            if pct and s.capacity > 0 and s.used * 100 >= pct * s.capacity:
                wanted.append(
                    Wanted(
                        AlertKind.NEAR_LIMIT,
                        product.pk,
                        s.id,
                        None,
                        f"{s.name} is near its limit for {product.name}: {s.used} of "
                        f"{s.capacity} seats used ({s.used * 100 // s.capacity}%, alert at "
                        f"{pct}%).",
                        facts,
                    )
                )
    return wanted, school_ids


def _purchase_conditions(district: District, cfg: AlertSettings, on: dt.date) -> list[Wanted]:
    days = cfg.purchase_ending_days
    if not days:
        return []
    out = []
    for p in (
        Purchase.objects.filter(
            district_id=district.pk,
            deleted_at__isnull=True,
            starts_on__lte=on,
            ends_on__gte=on,
            ends_on__lte=on + dt.timedelta(days=days),
        )
        .select_related("school", "product")
        .order_by("ends_on", "id")
    ):
        owner = p.school.name if p.school is not None else "the district pool"
        left = (p.ends_on - on).days
        out.append(
            Wanted(
                AlertKind.PURCHASE_ENDING,
                p.product_id,
                p.school_id,
                p.pk,
                f"A purchase of {p.seats} {p.product.name} seats for {owner} ends on "
                f"{p.ends_on.isoformat()} ({left} day{'s' if left != 1 else ''} left).",
                {"seats": p.seats, "ends_on": p.ends_on.isoformat(), "days_left": left},
            )
        )
    return out


def evaluate(
    district: District,
    *,
    school_ids: Iterable[int] | None = None,
    on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Outcome:
    """Open the alerts whose condition holds and end those whose condition stopped, for the
    schools given (None: every school; purchases are always looked at, they are few), then
    email what started and a digest of what ended. Serialised per district by the ledger lock."""
    from seatkeeper.seats.ledger import lock

    now = now or timezone.now()
    on = on or timezone.localdate(now)
    schools = None if school_ids is None else set(school_ids)
    out = Outcome()
    # Read first, outside any write transaction: most changes start and end nothing, and
    # then evaluating costs a few reads, no lock (SQLite takes its write lock at BEGIN).
    if not _changes(district, schools, on)[0]:
        return out
    with transaction.atomic():
        lock(district.pk)
        _, by_key, open_alerts = _changes(district, schools, on)  # again, under the lock
        for key, alert in open_alerts.items():
            if key in by_key:
                continue
            alert.ended_at = now
            alert.ended_message = _ended_text(alert)
            alert.save(update_fields=["ended_at", "ended_message"])
            out.ended.append(alert)
        for key, w in by_key.items():
            if key in open_alerts:
                continue
            out.started.append(
                Alert.objects.create(
                    district_id=district.pk,
                    kind=w.kind,
                    key=key,
                    school_id=w.school_id,
                    product_id=w.product_id,
                    purchase_id=w.purchase_id,
                    message=w.message,
                    detail=w.detail,
                    started_at=now,
                )
            )
    _email(district, out)
    return out


def _changes(
    district: District, schools: set[int] | None, on: dt.date
) -> tuple[bool, dict[str, Wanted], dict[str, Alert]]:
    """(anything to start or end?, the conditions holding by key, the open alerts by key)."""
    cfg = settings_for(district.pk)
    wanted, _ = _seat_conditions(district, cfg, schools, on)
    wanted += _purchase_conditions(district, cfg, on)
    by_key = {w.key: w for w in wanted}
    open_qs = Alert.objects.filter(district_id=district.pk, ended_at__isnull=True)
    if schools is not None:  # seat alerts of other schools are not looked at
        open_qs = open_qs.filter(~Q(kind__in=SEAT_KINDS) | Q(school_id__in=schools))
    open_alerts = {a.key: a for a in open_qs}
    return set(by_key) != set(open_alerts), by_key, open_alerts


def _ended_text(alert: Alert) -> str:
    if alert.kind == AlertKind.PURCHASE_ENDING:
        return "The purchase no longer ends within the alert window (ended, extended or removed)."
    if alert.kind == AlertKind.OVERALLOCATED:
        return "Back within capacity."
    return "Back under the near-limit line."


# --- email -------------------------------------------------------------------------------------


def admin_emails(district_id: int) -> list[str]:
    """The district admins' addresses (active users with an email)."""
    return sorted(
        get_user_model()
        .objects.filter(
            membership__district_id=district_id,
            membership__role=Role.DISTRICT_ADMIN,
            is_active=True,
        )
        .exclude(email="")
        .values_list("email", flat=True)
    )


def _link(alert: Alert) -> str:
    base = getattr(settings, "SEATKEEPER_BASE_URL", "").rstrip("/")
    return f"{base}{fix_path(alert.school_id)}"


def _email(district: District, out: Outcome) -> None:
    if not (out.started or out.ended):
        return
    to = admin_emails(district.pk)
    if not to:
        return
    sent_start: list[int] = []
    for a in out.started:
        try:
            send_mail(
                f"[Seatkeeper] {district.name}: {a.get_kind_display()}",
                f"{a.message}\n\nFix plan: {_link(a)}\n",
                None,
                to,
            )
            sent_start.append(a.pk)
        except Exception:  # noqa: BLE001 - mail trouble must not undo the alert
            logger.exception("alert email failed (alert %s)", a.pk)
    if sent_start:
        Alert.objects.filter(pk__in=sent_start).update(emailed_start=True)
    if out.ended:
        lines = [
            f"- {a.get_kind_display()}: {a.message}\n  Ended: {a.ended_message}\n  {_link(a)}"
            for a in out.ended
        ]
        n = len(out.ended)
        try:
            send_mail(
                f"[Seatkeeper] {district.name}: {n} alert{'s' if n != 1 else ''} ended",
                "These alerts ended:\n\n" + "\n".join(lines) + "\n",
                None,
                to,
            )
            Alert.objects.filter(pk__in=[a.pk for a in out.ended]).update(emailed_end=True)
        except Exception:  # noqa: BLE001
            logger.exception("alert digest email failed (district %s)", district.pk)


# --- the hook the seat-moving writes use -------------------------------------------------------


def _run_after_commit(district_id: int, school_ids: frozenset[int] | None) -> None:
    district = District.objects.filter(pk=district_id).first()
    if district is not None:
        evaluate(district, school_ids=school_ids)


def after_commit(district_id: int, school_ids: Iterable[int] | None = None) -> None:
    """Evaluate the district's alerts (only `school_ids`, None: every school) once the current
    transaction commits; a failure is logged, never raised into the request that committed."""
    ids = None if school_ids is None else frozenset(school_ids)
    transaction.on_commit(partial(_run_after_commit, district_id, ids), robust=True)
