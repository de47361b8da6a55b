"""Issue 16 "done when": a district walked through a term. OneRoster imports, growth past the
near-limit line, an overallocation, a fix plan, an expiring purchase; the usage history after
each step, each alert raised once and cleared once, the emails in Django's outbox (one per
condition when it starts, a digest when it ends) and GET /api/v1/districts/{slug}/alerts."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

from django.core import mail
from django.core.management import call_command

from seatkeeper.fixes import services as fixes
from seatkeeper.orgs import services as orgs
from seatkeeper.orgs.models import District, Product, Role, School
from seatkeeper.roster.oneroster.importer import oneroster_import
from seatkeeper.seats import alerts
from seatkeeper.seats import services as lic
from seatkeeper.seats.models import Alert, AlertKind, UsageSnapshot
from seatkeeper.seats.selectors import used_by_school
from tests.api.conftest import api_as
from tests.factories import PASSWORD, sys_scope, today
from tests.roster.oneroster.helpers import FILES, write_set

GROW_USERS = FILES["users.csv"] + "u7,active,,true,s1,student,s7,,Di,Fox,,1007,,,,,09,\n"
GROW_ENROLLMENTS = FILES["enrollments.csv"] + "e8,active,,c2,s1,u7,student,false,,\n"
OVER_USERS = GROW_USERS + "u8,active,,true,s1,student,s8,,Ed,Gu,,1008,,,,,09,\n"
OVER_ENROLLMENTS = GROW_ENROLLMENTS + "e9,active,,c1,s1,u8,student,false,,\n"


def _district() -> tuple[District, Product, School, School, object]:
    district = orgs.district_create(scope=sys_scope(), slug="lake", name="Lakeside District")
    scope = sys_scope(district)
    core = Product.objects.get(district=district, code="core")
    lic.purchase_create(
        scope=scope,
        district=district,
        product=core,
        seats=10,
        starts_on=today() - dt.timedelta(days=30),
        ends_on=today() + dt.timedelta(days=250),
    )
    high = orgs.school_create(scope=scope, district=district, name="Lakeside High", sourced_id="s1")
    mid = orgs.school_create(
        scope=scope, district=district, name="Lakeside Middle", sourced_id="s2"
    )
    lic.allocation_set(scope=scope, school=high, product=core, seats=3)
    lic.allocation_set(scope=scope, school=mid, product=core, seats=3)
    admin = orgs.user_create(
        scope=scope,
        username="lake-da",
        password=PASSWORD,
        role=Role.DISTRICT_ADMIN,
        district=district,
        email="da@lake.example.org",
    )
    return district, core, high, mid, admin


def _import(folder: Path, capture, **files: str) -> None:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        oneroster_import(scope=sys_scope(), path=write_set(folder, **files), district_slug="lake")


def _today_rows(district: District) -> dict[int, tuple[int, int]]:
    return {
        r.school_id: (r.used, r.capacity)
        for r in UsageSnapshot.objects.filter(district=district, day=today())
    }


def _open(district: District) -> set[tuple[str, int | None]]:
    return set(
        Alert.objects.filter(district=district, ended_at__isnull=True).values_list(
            "kind", "school_id"
        )
    )


def test_issue_16_a_district_through_a_term(db, tmp_path, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    district, core, high, mid, admin = _district()
    mail.outbox.clear()

    # 1. The first import: 2 of 3 seats at High (66%), 1 of 3 at Middle. History, no alerts.
    _import(tmp_path / "t1", capture)
    assert _today_rows(district) == {high.pk: (2, 3), mid.pk: (1, 3)}
    assert not Alert.objects.exists()
    assert mail.outbox == []

    # 2. Growth: a student more at High, 3 of 3 = 100% >= 95%: near the limit, one email.
    _import(
        tmp_path / "t2", capture, **{"users.csv": GROW_USERS, "enrollments.csv": GROW_ENROLLMENTS}
    )
    assert _today_rows(district)[high.pk] == (3, 3)  # the import's snapshot
    assert _open(district) == {(AlertKind.NEAR_LIMIT, high.pk)}
    assert len(mail.outbox) == 1
    first = mail.outbox[0]
    assert first.to == ["da@lake.example.org"]
    assert "Near the limit" in first.subject
    assert "Lakeside High" in first.body
    assert f"/fix/schools/{high.pk}/" in first.body

    # 3. Another: 4 of 3, overallocated (near the limit stays: one alert however many changes).
    _import(
        tmp_path / "t3", capture, **{"users.csv": OVER_USERS, "enrollments.csv": OVER_ENROLLMENTS}
    )
    assert _today_rows(district)[high.pk] == (4, 3)
    assert _open(district) == {
        (AlertKind.NEAR_LIMIT, high.pk),
        (AlertKind.OVERALLOCATED, high.pk),
    }
    assert len(mail.outbox) == 2
    assert "Overallocated" in mail.outbox[1].subject
    # The same import again and the daily work by hand: nothing new raised, nothing sent.
    _import(
        tmp_path / "t3b", capture, **{"users.csv": OVER_USERS, "enrollments.csv": OVER_ENROLLMENTS}
    )
    call_command("seats", "snapshot", "--district", "lake", stdout=StringIO())
    assert Alert.objects.count() == 2
    assert len(mail.outbox) == 2

    # The API lists them, each with its school's fix plan page.
    api = api_as(admin)
    body = api.get("/districts/lake/alerts", open="true").json()
    assert {(a["kind"], a["school"]["id"]) for a in body["alerts"]} == _open(district)
    assert {a["fix_url"] for a in body["alerts"]} == {f"/fix/schools/{high.pk}/"}

    # 4. A fix: the planner gives High the one pool seat it is over by. Over capacity ends
    # (a digest of one); at 4 of 4 it is still near the limit until the admin adds 2 seats.
    scope = sys_scope(district)
    with capture(execute=True):
        plan = fixes.plan_create(scope=scope, district=district, product=core, school_ids=[high.pk])
    with capture(execute=True):
        fixes.plan_apply(scope=scope, fix=plan)
    assert _today_rows(district)[high.pk] == (4, 4)  # the fix-plan apply's snapshot
    assert _open(district) == {(AlertKind.NEAR_LIMIT, high.pk)}
    assert len(mail.outbox) == 3
    assert "1 alert ended" in mail.outbox[2].subject
    assert "Overallocated" in mail.outbox[2].body
    assert "Back within capacity" in mail.outbox[2].body
    with capture(execute=True):
        lic.allocation_set(scope=scope, school=high, product=core, seats=6)
    assert _open(district) == set()
    assert Alert.objects.filter(district=district, ended_at__isnull=False).count() == 2
    assert len(mail.outbox) == 4
    assert "1 alert ended" in mail.outbox[3].subject
    assert "Near the limit" in mail.outbox[3].body

    # 5. An expiring purchase: Middle buys 5 seats that end in 10 days (within 30): an alert.
    ends = today() + dt.timedelta(days=10)
    with capture(execute=True):
        bought = lic.purchase_create(
            scope=scope,
            district=district,
            product=core,
            school=mid,
            seats=5,
            starts_on=today() - dt.timedelta(days=100),
            ends_on=ends,
        )
    assert _open(district) == {(AlertKind.PURCHASE_ENDING, mid.pk)}
    assert len(mail.outbox) == 5
    assert "Purchase ending" in mail.outbox[4].subject
    assert "10 days left" in mail.outbox[4].body
    # The daily task the day after it ended: the alert ends, a digest of one.
    later = ends + dt.timedelta(days=1)
    alerts.evaluate(district, on=later)
    assert _open(district) == set()
    assert len(mail.outbox) == 6
    assert "1 alert ended" in mail.outbox[5].subject
    assert Alert.objects.get(purchase=bought).ended_at is not None

    # Raised once, cleared once: three alerts in the term, every one ended, each emailed twice.
    assert Alert.objects.filter(district=district).count() == 3
    assert all(a.emailed_start and a.emailed_end for a in Alert.objects.all())
    api_all = api.get("/districts/lake/alerts").json()["alerts"]
    assert len(api_all) == 3
    assert not any(a["open"] for a in api_all)
    assert api.get("/districts/lake/alerts", open="true").json()["alerts"] == []
    # The history holds today's last figures: the ledger's, one row per school and product.
    counters = used_by_school(district_id=district.pk, product_id=core.pk)
    assert {s: u for s, (u, _) in _today_rows(district).items()} == counters
    assert UsageSnapshot.objects.filter(district=district).count() == 2


def test_issue_16_3_alerts_api_is_scoped(db, tmp_path, django_capture_on_commit_callbacks):
    """Issue 16.3: the alerts route is scoped like the other district routes (404 outside)."""
    district, core, high, mid, admin = _district()
    _import(
        tmp_path / "t",
        django_capture_on_commit_callbacks,
        **{"users.csv": OVER_USERS, "enrollments.csv": OVER_ENROLLMENTS},
    )
    assert Alert.objects.filter(district=district).exists()
    other = orgs.district_create(scope=sys_scope(), slug="hill", name="Hill")
    stranger = orgs.user_create(
        scope=sys_scope(other),
        username="hill-da",
        password=PASSWORD,
        role=Role.DISTRICT_ADMIN,
        district=other,
    )
    assert api_as(stranger).get("/districts/lake/alerts").status_code == 404
    assert api_as(admin).get("/districts/lake/alerts").status_code == 200
