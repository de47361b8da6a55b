"""Shared browser plumbing for every Playwright test: Debian's chromium (never a downloaded
browser), sign-in as a role, screenshots into artifacts/web/ at 1280 and 390 px.

Use it from any test module::

    from tests.web.browser import MARKS, signin, shot, figure
    pytestmark = MARKS

and take the `browser` fixture (tests/conftest.py, one chromium per module). Browser tests are
skipped, loudly, only where /usr/bin/chromium is missing (`make test` installs it where it can).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "web"
WIDTHS = (1280, 390)

MARKS: list[pytest.MarkDecorator] = [pytest.mark.browser]
if not os.path.exists(CHROMIUM):  # pragma: no cover - depends on the machine
    warnings.warn(
        f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing (apt-get install chromium)", stacklevel=1
    )
    MARKS.append(pytest.mark.skip(reason=f"{CHROMIUM} is missing"))


def launch() -> Iterator[object]:
    """One headless chromium; the generator behind the `browser` fixture."""
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # synchronous and safe, so tell Django not to refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


def signin(browser, live_server, username: str, width: int = 1280):  # type: ignore[no-untyped-def]
    """A new page of `width` px, signed in as `username` (every factory user has PASSWORD)."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(10_000)
    page.on("dialog", lambda d: d.accept())
    page.goto(f"{live_server.url}/signin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """A full-page screenshot at artifacts/web/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def figure(page, name: str, within: str = "") -> int:  # type: ignore[no-untyped-def]
    return int(page.locator(f'{within} [data-figure="{name}"]').first.inner_text())


def no_horizontal_overflow(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )
