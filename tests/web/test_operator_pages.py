"""issue 17.12: operator screens: create districts, record and end purchases with term dates,
manage users and roles, each through the services the CLI and API use (audited)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from seatkeeper.audit import actions
from seatkeeper.audit.models import AuditEntry
from seatkeeper.orgs.models import District, Membership, Role
from seatkeeper.seats.models import Purchase
from seatkeeper.seats.selectors import pool_seats
from tests.factories import PASSWORD
from tests.web.conftest import client_for


def test_issue_17_12_operator_creates_a_district_and_records_then_ends_a_purchase(operator) -> None:  # type: ignore[no-untyped-def]
    op = client_for(operator)
    assert op.get("/operator/").status_code == 200
    r = op.post("/operator/", {"slug": "lakeside", "name": "Lakeside USD"})
    district = District.objects.get(slug="lakeside")
    assert r["Location"] == f"/operator/districts/{district.pk}/purchases/"
    assert AuditEntry.objects.filter(
        action=actions.DISTRICT_CREATED, target_id=district.pk
    ).exists()
    today = timezone.localdate()
    op.post(
        f"/operator/districts/{district.pk}/purchases/",
        {
            "product": "core",
            "seats": "250",
            "starts_on": (today - dt.timedelta(days=10)).isoformat(),
            "ends_on": (today + dt.timedelta(days=300)).isoformat(),
            "reference": "PO-77",
        },
    )
    purchase = Purchase.objects.get(district=district)
    product = purchase.product
    assert pool_seats(district_id=district.pk, product_id=product.pk, on=today) == 250
    page = op.get(f"/operator/districts/{district.pk}/purchases/").content.decode()
    assert "PO-77" in page
    assert "Active" in page
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    op.post(
        f"/operator/districts/{district.pk}/purchases/{purchase.pk}/end/", {"ends_on": yesterday}
    )
    purchase.refresh_from_db()
    assert purchase.ends_on.isoformat() == yesterday
    assert pool_seats(district_id=district.pk, product_id=product.pk, on=today) == 0
    assert AuditEntry.objects.filter(
        action=actions.PURCHASE_CHANGED, target_id=purchase.pk
    ).exists()


def test_issue_17_12_bad_purchase_is_refused_with_the_field(operator, world_a) -> None:  # type: ignore[no-untyped-def]
    op = client_for(operator)
    url = f"/operator/districts/{world_a.district.pk}/purchases/"
    r = op.post(
        url,
        {"product": "core", "seats": "5", "starts_on": "2026-13-01", "ends_on": "2027-01-01"},
        HTTP_REFERER=url,
        follow=True,
    )
    assert "starts_on" in r.content.decode() or "date" in r.content.decode()
    assert Purchase.objects.filter(district=world_a.district).count() == 1


def test_issue_17_12_operator_manages_users_and_roles(operator, world_a) -> None:  # type: ignore[no-untyped-def]
    op = client_for(operator)
    url = f"/operator/districts/{world_a.district.pk}/users/"
    op.post(
        url,
        {
            "username": "new-sa",
            "role": Role.SCHOOL_ADMIN,
            "schools": [world_a.schools[1].pk],
            "password": PASSWORD + "x9",
        },
    )
    m = Membership.objects.get(user__username="new-sa")
    assert (m.role, [s.pk for s in m.schools.all()]) == (Role.SCHOOL_ADMIN, [world_a.schools[1].pk])
    op.post(f"{url}{m.user_id}/role/", {"role": Role.DISTRICT_ADMIN})
    m.refresh_from_db()
    assert m.role == Role.DISTRICT_ADMIN
    assert not m.schools.exists()
    e = AuditEntry.objects.get(action=actions.USER_ROLE_CHANGED)
    assert e.data["old"]["role"] == Role.SCHOOL_ADMIN
    assert e.data["new"]["role"] == Role.DISTRICT_ADMIN
    # A teacher keeps their role.
    t = world_a.users["teacher"]
    op.post(f"{url}{t.pk}/role/", {"role": Role.DISTRICT_ADMIN}, HTTP_REFERER=url)
    assert Membership.objects.get(user=t).role == Role.TEACHER
    assert "new-sa" in op.get(url).content.decode()


def test_issue_17_12_only_operators_open_operator_pages(world_a) -> None:  # type: ignore[no-untyped-def]
    da = client_for(world_a.users["district_admin"])
    for url in (
        "/operator/",
        f"/operator/districts/{world_a.district.pk}/purchases/",
        f"/operator/districts/{world_a.district.pk}/users/",
    ):
        assert da.get(url).status_code == 403
    r = da.post("/operator/", {"slug": "evil", "name": "Evil"})
    assert r.status_code == 403
    assert not District.objects.filter(slug="evil").exists()
