"""issue 17 in the browser (Playwright, Debian's chromium): every page at 390 px without
horizontal overflow, even with a 300-character unbroken name (17.7); the styled 404 (17.5);
the in-class duplicate warning (17.4); the district shortfall (17.13); focus after an htmx
swap (17.7). Screenshots at 1280 and 390 px in artifacts/web/."""

from __future__ import annotations

import pytest
from django.test import override_settings

from seatkeeper.roster import services as roster
from tests.factories import make_world, sys_scope
from tests.web.browser import MARKS, no_horizontal_overflow, shot, signin

pytestmark = MARKS

LONG = "Wolfeschlegelsteinhausenbergerdorff" * 9  # 315 characters, no break


@pytest.fixture
def world(transactional_db: None):  # type: ignore[no-untyped-def]
    w = make_world("a")
    roster.student_create(
        scope=sys_scope(w.district),
        district=w.district,
        classroom=w.classrooms[0],
        first_name="Ana",
        last_name=LONG[:150],
    )
    return w


def _pages(world) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    s = world.schools[0].pk
    return {
        "a-da": [
            "/district/",
            "/district/settings/",
            "/district/audit/",
            "/district/imports/",
            "/fix/",
            "/dedup/",
            "/account/tokens/",
            "/password/",
            "/no/such/page/",
        ],
        "a-sa": [
            f"/schools/{s}/",
            f"/schools/{s}/classrooms/",
            f"/schools/{s}/students/",
            f"/schools/{s}/teachers/",
            f"/schools/{s}/import/",
        ],
        "a-t": ["/teach/", f"/teach/classrooms/{world.classrooms[0].pk}/"],
    }


@override_settings(DEBUG=False)
def test_issue_17_7_no_page_overflows_at_390_px_with_a_long_unbroken_name(
    browser, live_server, world
) -> None:  # type: ignore[no-untyped-def]
    wide: list[str] = []
    for user, urls in _pages(world).items():
        page = signin(browser, live_server, user, width=390)
        for url in urls:
            page.goto(f"{live_server.url}{url}")
            page.wait_for_load_state()
            if not no_horizontal_overflow(page):
                width = page.evaluate("document.documentElement.scrollWidth")
                wide.append(f"{user} {url}: {width} px")
        page.close()
    assert wide == []


@override_settings(DEBUG=False)
def test_issue_17_5_404_page_is_styled_with_navigation(browser, live_server, world) -> None:  # type: ignore[no-untyped-def]
    for width in (1280, 390):
        page = signin(browser, live_server, "a-da", width=width)
        resp = page.goto(f"{live_server.url}/no/such/page/")
        assert resp is not None
        assert resp.status == 404
        assert page.locator("h1", has_text="Page not found").is_visible()
        page.get_by_role("navigation", name="District").get_by_role(
            "link", name="Manage License"
        ).wait_for()
        shot(page, f"issue17-404-{width}")
        page.close()


def test_issue_17_4_teacher_is_warned_about_a_likely_duplicate_then_may_create_anyway(
    browser, live_server, world
) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.roster.models import Student

    before = Student.objects.count()
    for width in (1280, 390):
        page = signin(browser, live_server, "a-t", width=width)
        page.goto(f"{live_server.url}/teach/classrooms/{world.classrooms[0].pk}/")
        page.get_by_label("First name").fill("Ana")
        page.get_by_label("Last name").fill(LONG[:150])
        page.get_by_role("button", name="Create and enroll").click()
        page.wait_for_selector("#likely-duplicate")
        assert Student.objects.count() == before
        assert no_horizontal_overflow(page)
        shot(page, f"issue17-duplicate-warning-{width}")
        page.close()
    page = signin(browser, live_server, "a-t")
    page.goto(f"{live_server.url}/teach/classrooms/{world.classrooms[0].pk}/")
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Last name").fill(LONG[:150])
    page.get_by_role("button", name="Create and enroll").click()
    page.get_by_role("button", name="Create anyway").click()
    page.wait_for_selector("text=created and enrolled")
    assert Student.objects.count() == before + 1
    page.close()


def test_issue_17_13_shortfall_in_totals_and_17_7_focus_after_htmx_swap(
    browser, live_server, world
) -> None:  # type: ignore[no-untyped-def]
    page = signin(browser, live_server, "a-da")
    row = page.locator("#schools-table tr", has_text="A School 1")
    row.get_by_label("Allocated seats for A School 1").fill("1")
    row.get_by_role("button", name="Save").click()
    page.wait_for_selector("[data-figure=shortfall]")
    text = page.locator("[data-figure=shortfall]").inner_text()
    assert "1 school short by" in text
    assert "spare elsewhere" in text
    # Focus is not dropped to <body> by the swap.
    assert page.evaluate("document.activeElement !== document.body")
    # Move seats defaults: from a school with spare seats to the overallocated one.
    assert page.locator("#move-to option:checked").inner_text().startswith("A School 1")
    assert not page.locator("#move-from option:checked").inner_text().startswith("A School 1")
    shot(page, "issue17-shortfall-1280")
    page.close()
    small = signin(browser, live_server, "a-da", width=390)
    assert no_horizontal_overflow(small)
    shot(small, "issue17-shortfall-390")
    small.close()
