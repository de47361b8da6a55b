"""Issue 16.2/16.3 in a real browser: the charts on Manage License (bars per school, the district
over time) and on a school's License page, the alert banner and list, at 1280 and 390 px,
screenshotted into artifacts/web/. The overallocated school reads without colour (a pattern
and the words "over by"), nothing overflows at 390 px, and the chart markup has no style
attribute (the strict Content-Security-Policy)."""

from __future__ import annotations

import datetime as dt

import pytest

from seatkeeper.seats import alerts
from seatkeeper.seats import services as lic
from seatkeeper.seats.models import UsageSnapshot
from tests.factories import make_world, sys_scope, today
from tests.web.browser import ARTIFACTS, MARKS, no_horizontal_overflow, shot, signin

pytestmark = MARKS


@pytest.fixture
def world(transactional_db: None):  # type: ignore[no-untyped-def]
    w = make_world("a")
    scope = sys_scope(w.district)
    # School 1 uses 6 seats: give it 4 (overallocated by 2); School 2 keeps 20.
    lic.allocation_set(scope=scope, school=w.schools[0], product=w.product, seats=4)
    # 60 days of history: School 1 growing from 2 to 6 used, School 2 steady at 6 of 20.
    rows = []
    for i in range(60):
        day = today() - dt.timedelta(days=59 - i)
        for school, used, cap in ((w.schools[0], 2 + i * 4 // 59, 4), (w.schools[1], 6, 20)):
            rows.append(
                UsageSnapshot(
                    district=w.district,
                    school=school,
                    product=w.product,
                    day=day,
                    capacity=cap,
                    allocated=cap,
                    school_purchased=0,
                    used=used,
                )
            )
    UsageSnapshot.objects.bulk_create(rows)
    alerts.evaluate(w.district)
    return w


def _element_shot(page, selector: str, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(selector).screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_issue_16_2_charts_at_1280_and_390(browser, live_server, world) -> None:  # type: ignore[no-untyped-def]
    s1 = world.schools[0]
    for width in (1280, 390):
        page = signin(browser, live_server, "a-da", width=width)
        page.goto(f"{live_server.url}/district/")
        bars = page.locator("#school-bars svg")
        over = bars.locator("g.bar-over")
        assert over.count() == 1
        assert "A School 1: 6 of 4 used, over by 2" in over.text_content()
        assert "OVER" in over.text_content()
        assert over.locator("rect.bar-overflow").get_attribute("fill") == "url(#school-bars-hatch)"
        assert (
            bars.locator("g.bar:not(.bar-over)")
            .text_content()
            .strip()
            .startswith("A School 2: 6 of 20")
        )
        trend = page.locator("#district-trend svg")
        assert trend.locator("polyline").count() == 3  # used, purchased, allocated
        assert "used 12" in trend.text_content()  # the last day's district total
        assert page.locator("#school-bars [style], #district-trend [style]").count() == 0
        assert page.locator("#alert-banner").is_visible()
        assert no_horizontal_overflow(page), f"horizontal overflow at {width}px"
        _element_shot(page, "#school-bars", f"chart-school-bars-{width}")
        _element_shot(page, "#district-trend", f"chart-district-trend-{width}")
        shot(page, f"district-license-charts-{width}")
        page.get_by_role("link", name="This school year").click()
        page.wait_for_selector("#district-trend svg")
        assert no_horizontal_overflow(page)
        # A school's License page: its own line (used against capacity).
        page.goto(f"{live_server.url}/schools/{s1.pk}/")
        line = page.locator("#school-trend svg")
        assert line.locator("polyline").count() == 2
        assert "used 6" in line.text_content()
        assert "capacity 4" in line.text_content()
        assert page.locator("#school-trend [style]").count() == 0
        assert no_horizontal_overflow(page), f"school page overflows at {width}px"
        _element_shot(page, "#school-trend", f"chart-school-trend-{width}")
        shot(page, f"school-license-chart-{width}")
        # The alerts list: the school's fix plan link, then dismiss (per user).
        page.goto(f"{live_server.url}/alerts/")
        item = page.locator("#alert-list li", has_text="over capacity").first
        assert (
            item.get_by_role("link", name="Open the fix plan for A School 1").get_attribute("href")
            == f"/fix/schools/{s1.pk}/"
        )
        assert no_horizontal_overflow(page)
        shot(page, f"alerts-{width}")
        page.close()
    page = signin(browser, live_server, "a-da")
    page.goto(f"{live_server.url}/alerts/")
    before = page.locator("#alert-list li").count()
    page.locator("#alert-list li").first.get_by_role("button", name="Dismiss").click()
    page.wait_for_load_state()
    assert page.locator("#alert-banner li").count() == min(3, before - 1)
    page.close()
