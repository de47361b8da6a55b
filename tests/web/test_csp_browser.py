"""Issue 18.4: in a real browser, no page breaks the Content-Security-Policy.

Every page of tests/web/walk.py CASES that a role browses is opened as that role (with the
role's own ids) in chromium against the live server; a `securitypolicyviolation` listener
(installed before any page script runs) and the console (Chromium logs "Refused to ...
because it violates the following Content Security Policy directive") must stay silent, and
htmx must have loaded (so its scripts really ran under the policy). The sign-in page and the
API docs are opened signed out.
"""

from __future__ import annotations

from typing import Any

import pytest

from seatkeeper.fixes import services as fixes
from seatkeeper.roster.models import ImportRun
from tests.factories import make_world
from tests.web.browser import MARKS, signin
from tests.web.walk import ALL, CASES

pytestmark = MARKS

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " +
                    (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


@pytest.fixture
def world(transactional_db: None):  # type: ignore[no-untyped-def]
    w = make_world("a")
    run = ImportRun.objects.create(
        district=w.district,
        district_slug=w.district.slug,
        kind="oneroster",
        file_name="roster.zip",
        status="failed",
        errors=[{"message": "users.csv is missing", "file": "users.csv"}],
        summary={"errors": [{"message": "users.csv is missing", "file": "users.csv"}]},
    )
    plan = fixes.plan_create(
        scope=w.scope("district_admin"), district=w.district, product=w.product
    )
    w.ids = {  # type: ignore[attr-defined]
        "school_id": w.schools[0].pk,
        "classroom_id": w.classrooms[0].pk,
        "student_id": w.students[0].pk,
        "run_id": run.pk,
        "plan_id": plan.pk,
    }
    return w


def pages(world: Any, role: str) -> list[str]:
    out = []
    for route, case in CASES.items():
        if role not in case.browse:
            continue
        url = "/" + route
        for name, value in world.ids.items():
            url = url.replace(f"<int:{name}>", str(value))
        assert "<" not in url, url
        out.append(url + case.query)
    return out


def visit(page: Any, base: str, url: str, console: list[str]) -> list[str]:
    response = page.goto(base + url)
    assert response is not None
    assert response.status == 200, f"{url}: {response.status}"
    page.wait_for_load_state("networkidle")
    found = list(page.evaluate("window.__csp || []"))
    found += [m for m in console if "Content Security Policy" in m]
    console.clear()
    return [f"{url}: {v}" for v in found]


def listen(page: Any) -> list[str]:
    console: list[str] = []
    page.add_init_script(LISTEN)
    page.on("console", lambda m: console.append(m.text))
    return console


@pytest.mark.parametrize("role", ALL)
def test_issue_18_4_no_page_violates_the_policy(browser, live_server, world, role) -> None:  # type: ignore[no-untyped-def]
    page = signin(browser, live_server, world.users[role].username)
    console = listen(page)
    urls = pages(world, role)
    assert urls, role
    violations: list[str] = []
    for url in urls:
        violations += visit(page, live_server.url, url, console)
        assert page.evaluate("typeof window.htmx") == "object", url
    assert violations == []
    page.close()


def test_issue_18_4_signed_out_pages_and_api_docs(browser, live_server, world) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    console = listen(page)
    violations = visit(page, live_server.url, "/signin/", console)
    violations += visit(page, live_server.url, "/api/v1/docs", console)
    assert violations == []
    page.close()


def test_issue_18_4_the_listener_sees_a_violation(browser, live_server, world) -> None:  # type: ignore[no-untyped-def]
    """The check is not blind: an inline script injected into a page is reported."""
    page = browser.new_page()
    console = listen(page)
    visit(page, live_server.url, "/signin/", console)
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(300)
    found = page.evaluate("window.__csp")
    assert any("script-src" in v for v in found), found
    assert page.evaluate("typeof window.x") == "undefined"
    page.close()


def test_issue_18_1_the_browser_refuses_a_file_over_the_upload_limit(  # type: ignore[no-untyped-def]
    browser, live_server, world, settings
) -> None:
    """The Import page says the limit and refuses a larger file before sending it (the server
    cuts such an upload off anyway: tests/roster/oneroster/test_limits.py)."""
    settings.SEATKEEPER_IMPORT_MAX_UPLOAD_BYTES = 1024
    page = signin(browser, live_server, world.users["district_admin"].username)
    console = listen(page)
    assert visit(page, live_server.url, "/district/imports/", console) == []
    assert "Up to 1,024 bytes." in page.inner_text("#file-limit")
    page.set_input_files(
        "#file", files=[{"name": "big.zip", "mimeType": "application/zip", "buffer": b"x" * 4096}]
    )
    page.get_by_role("button", name="Upload and preview").click()
    message = page.eval_on_selector("#file", "el => el.validationMessage")
    assert message == "The file is larger than the upload limit of 1,024 bytes."
    assert page.url.endswith("/district/imports/")
    assert ImportRun.objects.filter(file_name="big.zip").count() == 0
    page.close()
