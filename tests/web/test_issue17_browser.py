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
    from tests.web.test_crawl import _fill, _ids, _patterns

    # Every page of the URL resolver (real ids), plus the hand-picked list, as every role.
    routes = [_fill(r, _ids(world)) for r, _ in _patterns() if not r.startswith("signout")]
    wide: list[str] = []
    visited = 0
    for user, urls in _pages(world).items():
        page = signin(browser, live_server, user, width=390)
        for url in dict.fromkeys([*urls, *routes]):
            try:
                resp = page.goto(f"{live_server.url}{url}")
            except Exception:  # noqa: BLE001, S112 - a download (CSV) is not a page
                continue
            page.wait_for_load_state()
            ctype = (resp.headers.get("content-type", "") if resp else "") or ""
            if resp is None or "text/html" not in ctype:
                continue  # CSV, JSON, health checks
            visited += 1
            if not no_horizontal_overflow(page):
                width = page.evaluate("document.documentElement.scrollWidth")
                wide.append(f"{user} {url}: {width} px")
        page.close()
    assert visited > 30
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


def test_issue_17_3_token_secret_shown_once_and_reload_creates_nothing(
    browser, live_server, world
) -> None:  # type: ignore[no-untyped-def]
    from seatkeeper.api.models import ApiToken

    for width in (1280, 390):
        page = signin(browser, live_server, "a-da", width=width)
        page.goto(f"{live_server.url}/account/tokens/")
        page.locator("#token-label").fill(f"nightly {width}")
        page.locator("form", has=page.locator("#token-label")).locator(
            "button[type=submit]"
        ).click()
        page.wait_for_selector("#new-token-secret")
        shot(page, f"issue17-token-secret-{width}")
        page.reload()
        page.wait_for_load_state()
        assert page.locator("#new-token-secret").count() == 0
        assert ApiToken.objects.filter(label=f"nightly {width}").count() == 1
        assert no_horizontal_overflow(page)
        page.close()


def test_issue_17_6_move_seats_error_is_plain_and_the_form_keeps_its_values(
    browser, live_server, world
) -> None:  # type: ignore[no-untyped-def]
    for width in (1280, 390):
        page = signin(browser, live_server, "a-da", width=width)
        school2 = str(world.schools[1].pk)
        page.get_by_label("From").select_option(value=school2)
        page.get_by_label("To").select_option(value=school2)
        page.get_by_label("Seats", exact=True).fill("7")
        page.get_by_role("button", name="Move seats").click()
        page.wait_for_selector("#messages li.error")
        text = page.locator("#messages").inner_text()
        assert "different school" in text
        assert "from_school" not in text
        assert "to_school" not in text
        page.wait_for_function("document.querySelector('#move-seats').value === '7'")
        assert page.get_by_label("From").input_value() == school2
        assert page.locator("#messages").is_visible()
        shot(page, f"issue17-move-error-{width}")
        page.close()


def test_issue_17_1_form_fields_carry_the_column_limit(browser, live_server, world) -> None:  # type: ignore[no-untyped-def]
    page = signin(browser, live_server, "a-t", width=390)
    page.goto(f"{live_server.url}/teach/classrooms/{world.classrooms[0].pk}/")
    page.get_by_label("Last name").fill("N" * 400)
    assert len(page.get_by_label("Last name").input_value()) == 150  # the browser stops at 150
    shot(page, "issue17-maxlength-390")
    page.close()


def test_issue_17_7_audit_details_visible_on_mobile_and_confirmation_in_view_when_scrolled(
    browser, live_server, world
) -> None:  # type: ignore[no-untyped-def]
    page = signin(browser, live_server, "a-da", width=390)
    page.goto(f"{live_server.url}/district/audit/")
    details = page.locator("td.audit-details").filter(has_text=":").first
    assert details.is_visible()
    box = details.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    shot(page, "issue17-audit-390")
    # The confirmation of an htmx action at the bottom of a scrolled page is in view.
    page.goto(f"{live_server.url}/district/")
    page.get_by_label("Seats", exact=True).fill("1")
    page.get_by_role("button", name="Move seats").scroll_into_view_if_needed()
    page.get_by_role("button", name="Move seats").click()
    page.wait_for_selector("#messages li")
    page.wait_for_timeout(200)
    top = page.evaluate("document.querySelector('#messages').getBoundingClientRect().top")
    assert page.evaluate("window.scrollY") > 0
    assert 0 <= top < 900
    assert page.evaluate("document.activeElement !== document.body")
    shot(page, "issue17-confirmation-in-view-390")
    page.close()
