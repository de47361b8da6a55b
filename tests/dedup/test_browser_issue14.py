"""issue 14.1 in a real browser: the de-dup page shows a group's certain pairs and its
"possible" member apart, each with its evidence, at 1280 and 390 px without overflow."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.dedup.test_issue14_groups import _world_child
from tests.factories import make_world
from tests.web.browser import MARKS, no_horizontal_overflow, shot, signin

pytestmark = MARKS


@pytest.fixture
def world(transactional_db: None):  # type: ignore[no-untyped-def]
    return make_world("a")


def test_issue14_1_dedup_page_shows_certain_pairs_and_possible_members(  # type: ignore[no-untyped-def]
    browser, live_server, world
) -> None:
    a, b, c = _world_child(world)
    url = live_server.url + reverse("dedup:review", kwargs={"school_id": world.schools[0].pk})
    for width in (1280, 390):
        page = signin(browser, live_server, "a-sa", width=width)
        page.goto(url)
        card = page.locator("section.card", has_text="Certain pairs")
        pairs = card.locator(".dedup-pairs").first
        assert f"#{min(a, b)} ~ #{max(a, b)}" in pairs.inner_text()
        assert "same school and grade" in pairs.inner_text()
        possible = card.locator(".dedup-possible")
        assert possible.is_visible()
        text = possible.inner_text()
        assert f"#{c} James Thomson" in text
        assert "(one typo)" in text
        # the possible member is not among the accounts a merge would take
        assert card.locator(f'input[name="ids"][value="{c}"]').count() == 0
        assert no_horizontal_overflow(page)
        shot(page, f"dedup-possible-{width}")
        page.close()
