"""The search page in a real browser: no serious axe-core violation; usable by keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import blocking_violations, screenshot

PAGES = [
    "/search",
    "/search?q=こども",
    "/search?q=こども&type=measure&area=minami/2022/area/kodomo",
    "/search?q=ｻｸﾗ&section=minami/section/doboku",
]


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_violation(page: Page, path: str, lang: str) -> None:
    response = page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == lang
    screenshot(page, f"axe-{lang}-search-{PAGES.index(path)}")
    assert blocking_violations(page) == []


def test_search_by_keyboard(page: Page) -> None:
    """Type in the page's box, Enter, then Tab to a hit and Enter opens its page."""
    page.goto("/search?lang=ja")
    page.locator("#q").focus()
    page.keyboard.type("こども")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")
    expect(page.locator(".search-count")).to_contain_text("件見つかりました")
    expect(page.locator(".snippet mark").first).to_be_visible()
    target = page.get_by_role("link", name="子ども家庭総合支援拠点機能の充実")
    expect(target).to_be_visible()
    page.locator("#q").focus()
    for _ in range(200):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the hit's link")
    page.keyboard.press("Enter")
    page.wait_for_url("**/page/minami/2022/measure/kodomo-01")
    screenshot(page, "search-keyboard-opened")


def test_facet_link_filters(page: Page) -> None:
    page.goto("/search?q=こども&lang=en")
    page.locator(".facets").get_by_role("link", name="Measure").click()
    page.wait_for_url("**type=measure*")
    types = page.locator(".hit-type").all_inner_texts()
    assert types and set(types) == {"Measure"}
