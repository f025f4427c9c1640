"""Every page, in both languages, in a real browser: no serious or critical axe-core violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .conftest import PageErrors, blocking_violations, screenshot

PAGES = [
    "/",
    "/queries",
    "/queries/measures-of-section",
    "/sparql",
    "/dataset",
    "/page/minami/2022/measure/kodomo-01",
    "/page/minami/section/somu",
    "/source/minami/2022",
    "/sections",
    "/plans",
    "/plans/minami/2022/reading",
    "/sections/minami/kodomo-katei-shien",
    "/compare",
    "/compare?a=minami/section/kodomo-katei-shien&b=minami/section/fukushi-hoken",
    "/login",
]
NOT_FOUND = "/no/such/page"


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("path", [*PAGES, NOT_FOUND])
def test_no_serious_violation(
    page: Page, page_errors: PageErrors, server_url: str, path: str, lang: str
) -> None:
    url = f"{path}{'&' if '?' in path else '?'}lang={lang}"
    if path == NOT_FOUND:
        page_errors.expected.add(server_url + url)  # the 404 is the point
    response = page.goto(url)
    assert response is not None and response.status == (404 if path == NOT_FOUND else 200)
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == lang
    name = path.strip("/").replace("/", "_").replace("?", "_").replace("&", "_") or "home"
    screenshot(page, f"axe-{lang}-{name}")
    assert blocking_violations(page) == []


def test_japanese_text_has_a_font(page: Page) -> None:
    """Without a CJK font Chromium draws every kanji as the same empty box (tofu).

    Each character is drawn on a canvas in the page's own font stack and the
    pixels compared with those of an unassigned code point, which is always a box.
    """
    page.goto("/")
    page.wait_for_load_state("networkidle")
    drawings = page.evaluate(
        """() => {
          const font = getComputedStyle(document.body).fontFamily;
          return ["子", "災", "\\u{10FFFE}"].map((c) => {
            const ctx = document.createElement("canvas").getContext("2d");
            ctx.font = `32px ${font}`;
            ctx.fillText(c, 0, 32);
            return Array.from(ctx.getImageData(0, 0, 40, 40).data).join(",");
          });
        }"""
    )
    kanji_a, kanji_b, box = drawings
    assert kanji_a != box and kanji_b != box and kanji_a != kanji_b
