"""A real server on loopback and Debian's Chromium driven by Playwright, for the UI tests.

The browser is the system's (`/usr/bin/chromium`, from Debian's `chromium`
package); Playwright's own browser downloads are never used. Every page a test
opens is watched: a JavaScript error or a console error fails the test.
Screenshots go to `test-artifacts/screenshots/` (kept by CI as artifacts).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, sync_playwright

from minami_kg.build import BuildResult
from minami_kg.config import PROJECT_ROOT, Settings

from ..w3c.server import live_server

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
# Quiet, sandbox-friendly flags: no background connections to the outside world.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A small deterministic generator (mulberry32) in place of the page's Math.random
# (`page.add_init_script(SEEDED_RANDOM)`), so the graph's layout, and so a
# screenshot of it, is the same at every run.
SEEDED_RANDOM = """
(() => {
  let state = 20221;
  Math.random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
})();
"""
# axe-core impacts that fail a page.
BLOCKING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="session")
def server_url(seed_settings: Settings, seed_build: BuildResult) -> Iterator[str]:
    """`minami-kg serve` over the session's seed store."""
    with live_server(seed_settings.store) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageErrors:
    """What went wrong in the page: uncaught exceptions and console errors.

    A test that opens an error page on purpose names its URL in `expected`, so
    the browser's "Failed to load resource" for that document is not counted.
    """

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.expected: set[str] = set()

    def on_console(self, message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        if message.type == "error" and url not in self.expected:
            self.messages.append(f"console: {message.text} ({url})")

    def on_page_error(self, error: Error) -> None:
        self.messages.append(f"page error: {error}")


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def page(browser: Browser, server_url: str, page_errors: PageErrors) -> Iterator[Page]:
    """A fresh Japanese-locale page on the live server; fails the test on a JS error."""
    context = browser.new_context(
        base_url=server_url,
        locale="ja-JP",
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    page = context.new_page()
    page.on("console", page_errors.on_console)
    page.on("pageerror", page_errors.on_page_error)
    yield page
    context.close()
    assert not page_errors.messages, "\n".join(page_errors.messages)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def blocking_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]
