"""Issue 16.3: per-district alert settings (audited, validated), read and dismiss per user, the
banner, and evaluation after a change that moves seats (on commit, only the touched schools)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from seatkeeper.audit.models import AuditEntry
from seatkeeper.errors import InvalidInput
from seatkeeper.orgs import services as orgs
from seatkeeper.orgs.models import Role
from seatkeeper.roster import services as roster
from seatkeeper.roster.scoping import scope_for_user
from seatkeeper.seats import services as lic
from seatkeeper.seats.models import Alert, AlertKind
from seatkeeper.seats.selectors import alerts_for
from tests.factories import PASSWORD, make_world, sys_scope


def test_issue_16_3_settings_are_audited_validated_and_reevaluated(
    db, django_capture_on_commit_callbacks
):
    w = make_world("s")  # 6 of 20 used at each school (30%)
    admin = w.scope("district_admin")
    with django_capture_on_commit_callbacks(execute=True):
        lic.alert_settings_set(
            scope=admin,
            district=w.district,
            near_limit_percent=25,
            overallocation=True,
            purchase_ending_days=30,
        )
    assert set(Alert.objects.values_list("kind", "school_id")) == {
        (AlertKind.NEAR_LIMIT, s.pk) for s in w.schools
    }
    entry = AuditEntry.objects.get(action="seats.alert_settings.changed")
    assert entry.data["old"]["near_limit_percent"] == 95
    assert entry.data["new"]["near_limit_percent"] == 25
    with pytest.raises(InvalidInput) as err:
        lic.alert_settings_set(
            scope=admin,
            district=w.district,
            near_limit_percent=150,
            overallocation=True,
            purchase_ending_days=30,
        )
    assert [p.field for p in err.value.problems] == ["near_limit_percent"]
    with pytest.raises(Exception, match="district admin"):
        lic.alert_settings_set(
            scope=w.scope("school_admin"),
            district=w.district,
            near_limit_percent=50,
            overallocation=True,
            purchase_ending_days=30,
        )


def test_issue_16_3_only_touched_schools_are_evaluated_after_a_change(
    db, django_capture_on_commit_callbacks
):
    w = make_world("t")
    scope = sys_scope(w.district)
    lic.allocation_set(scope=scope, school=w.schools[0], product=w.product, seats=6)
    lic.allocation_set(scope=scope, school=w.schools[1], product=w.product, seats=6)
    # No evaluation ran yet (nothing captured). A change at School 1 looks at School 1 only.
    with django_capture_on_commit_callbacks(execute=True):
        roster.student_create(
            scope=scope,
            district=w.district,
            school=w.schools[0],
            first_name="New",
            last_name="One",
            classroom=w.classrooms[0],
        )
    assert set(Alert.objects.values_list("kind", "school_id")) == {
        (AlertKind.NEAR_LIMIT, w.schools[0].pk),
        (AlertKind.OVERALLOCATED, w.schools[0].pk),
    }


def test_issue_16_3_read_and_dismiss_are_per_user_and_the_banner_shows_open_alerts(
    db, django_capture_on_commit_callbacks
):
    w = make_world("u")
    scope = sys_scope(w.district)
    with django_capture_on_commit_callbacks(execute=True):
        lic.allocation_set(scope=scope, school=w.schools[0], product=w.product, seats=4)
    alert = Alert.objects.get(kind=AlertKind.OVERALLOCATED)
    other = orgs.user_create(
        scope=scope,
        username="u-da2",
        password=PASSWORD,
        role=Role.DISTRICT_ADMIN,
        district=w.district,
    )
    c = Client()
    c.force_login(w.users["district_admin"])
    page = c.get("/district/").content.decode()
    assert 'id="alert-banner"' in page
    assert f"/fix/schools/{w.schools[0].pk}/" in page
    assert c.post(f"/alerts/{alert.pk}/dismiss/").status_code == 302
    mine = alerts_for(scope=w.scope("district_admin"), district=w.district, open_only=True)
    theirs = alerts_for(scope=scope_for_user(other, via="test"), district=w.district)
    assert {a.id: (a.read, a.dismissed) for a in mine}[alert.pk] == (True, True)
    assert {a.id: (a.read, a.dismissed) for a in theirs}[alert.pk] == (False, False)
    # A school admin sees their school's alerts; a teacher none.
    sa = Client()
    sa.force_login(w.users["school_admin"])  # admin of School 1
    assert "over capacity" in sa.get("/alerts/").content.decode()
    teacher = Client()
    teacher.force_login(w.users["teacher"])
    assert teacher.get("/alerts/").status_code == 403
    assert mail.outbox == []  # no admin has an email address in this world


def test_issue_16_3_alerts_route_is_documented_in_openapi(db):
    schema = Client().get("/api/v1/openapi.json").json()
    op = schema["paths"]["/api/v1/districts/{slug}/alerts"]["get"]
    assert "fix plan" in op["description"]
    assert "application/problem+json" in op["responses"]["404"]["content"]
    assert {p["name"] for p in op["parameters"]} == {"slug", "open"}
    out = schema["components"]["schemas"]["AlertOut"]["properties"]
    assert {"kind", "school", "fix_url", "started_at", "ended_at", "read", "dismissed"} <= set(out)


def test_issue_16_3_open_alerts_list_the_worst_first(db):  # type: ignore[no-untyped-def]
    """An overallocation older than a near-limit alert elsewhere still comes first: the banner
    shows the first few, and over capacity is what an admin must see."""
    import datetime as dt

    from django.utils import timezone

    w = make_world("a")
    now = timezone.now()
    Alert.objects.filter(district=w.district).delete()
    for kind, school, age in (
        (AlertKind.OVERALLOCATED, w.schools[0], 3),
        (AlertKind.NEAR_LIMIT, w.schools[1], 1),
        (AlertKind.PURCHASE_ENDING, None, 0),
    ):
        Alert.objects.create(
            district=w.district,
            kind=kind,
            key=f"{kind}:{school.pk if school else 0}",
            school=school,
            product=w.product,
            message=str(kind),
            started_at=now - dt.timedelta(days=age),
        )
    kinds = [a.kind for a in alerts_for(scope=sys_scope(w.district), district=w.district)]
    assert kinds == ["overallocated", "near_limit", "purchase_ending"]
