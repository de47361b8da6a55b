"""Issue 16.4: the usage report per school and product for a date range (start, end, peak,
days overallocated), as a page and as CSV, from the usage history; CSV cells beginning with
= + - @ neutralised (web/spreadsheet.py); a school admin sees their schools only."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.test import Client

from seatkeeper.orgs import services as orgs
from seatkeeper.seats.models import UsageSnapshot
from tests.factories import make_world, sys_scope, today


def _history(w) -> tuple[dt.date, dt.date]:  # type: ignore[no-untyped-def]
    start = today() - dt.timedelta(days=4)
    # School 1: 5, 9 (over 8), 7 ... used on 5 days against capacity 8; School 2 steady at 3.
    for i, used in enumerate([5, 9, 10, 7, 6]):
        day = start + dt.timedelta(days=i)
        for school, u in ((w.schools[0], used), (w.schools[1], 3)):
            UsageSnapshot.objects.create(
                district=w.district,
                school=school,
                product=w.product,
                day=day,
                capacity=8,
                allocated=8,
                school_purchased=0,
                used=u,
            )
    return start, today()


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


def test_issue_16_4_usage_report_csv_and_page(db):
    w = make_world("r")
    orgs.school_update(scope=sys_scope(w.district), school=w.schools[0], name="=HYPERLINK(1)")
    start, end = _history(w)
    c = _client(w.users["district_admin"])
    q = {"start": start.isoformat(), "end": end.isoformat()}
    resp = c.get("/reports/usage.csv", q)
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(resp.content.decode())))
    assert rows[0][:4] == ["school", "product", "start", "end"]
    by_school = {r[0]: r for r in rows[1:]}
    first = by_school["'=HYPERLINK(1)"]  # neutralised: a spreadsheet shows it as text
    assert first[4:] == ["5", "6", "10", (start + dt.timedelta(days=2)).isoformat(), "2", "5"]
    second = by_school["R School 2"]
    assert second[4:7] == ["3", "3", "3"]
    assert second[8] == "0"
    page = c.get("/reports/usage/", q)
    assert page.status_code == 200
    html = page.content.decode()
    assert "=HYPERLINK(1)" in html
    assert "2 of 5" in html
    # A narrower range: only the last two days (no day over capacity).
    rows = list(
        csv.reader(
            io.StringIO(
                c.get(
                    "/reports/usage.csv",
                    {"start": (end - dt.timedelta(days=1)).isoformat(), "end": end.isoformat()},
                ).content.decode()
            )
        )
    )
    assert {r[0]: r[8] for r in rows[1:]}["'=HYPERLINK(1)"] == "0"
    # Bad input: a clear error naming the field.
    bad = c.get("/reports/usage/", {"start": "yesterday"})
    assert bad.status_code == 422
    assert "must be a date (YYYY-MM-DD)" in bad.content.decode()


def test_issue_16_4_school_admin_sees_their_schools_only(db):
    w = make_world("q")
    start, end = _history(w)
    c = _client(w.users["school_admin"])  # admin of School 1 only
    rows = list(
        csv.reader(
            io.StringIO(
                c.get(
                    "/reports/usage.csv", {"start": start.isoformat(), "end": end.isoformat()}
                ).content.decode()
            )
        )
    )
    assert [r[0] for r in rows[1:]] == ["Q School 1"]
