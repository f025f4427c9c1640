"""Pages that only a store of several plans shows, in a real browser: the year-over-year
diff, the list of plans and a plan chosen by ?plan=, axe-clean in both languages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from minami_kg.build import build

from ..conftest import FIXTURES, settings_for
from ..w3c.server import live_server
from .conftest import PageErrors, blocking_violations, screenshot

PAGES = [
    "/diff/kaku/2023/2024",
    "/plans",
    "/?plan=kaku/2023",
    "/sections?plan=kaku/2023",
    "/matrix?plan=kaku/2023",
]


@pytest.fixture(scope="module")
def years_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`minami-kg serve` over a store of the two years of the fixture ward 架空区."""
    settings = settings_for(tmp_path_factory.mktemp("years") / "store")
    build(settings, FIXTURES / "years")
    with live_server(settings.store) as url:
        yield url


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_violation(browser: Browser, years_url: str, path: str, lang: str) -> None:
    context = browser.new_context(base_url=years_url, locale="ja-JP")
    errors = PageErrors()
    try:
        page = context.new_page()
        page.on("console", errors.on_console)
        page.on("pageerror", errors.on_page_error)
        response = page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert response is not None and response.status == 200
        page.wait_for_load_state("networkidle")
        assert page.locator("html").get_attribute("lang") == lang
        name = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-") or "home"
        screenshot(page, f"axe-{lang}-years-{name}")
        assert blocking_violations(page) == []
    finally:
        context.close()
    assert not errors.messages, "\n".join(errors.messages)
