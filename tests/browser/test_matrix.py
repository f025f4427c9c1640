"""/matrix in Chromium: the evidence panel, the keyboard, a phone's width, the download, axe."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from .conftest import PageErrors, blocking_violations, screenshot

SOMU_GENSAI_01 = (
    "/matrix/cell?plan=minami%2F2022&section=minami%2Fsection%2Fsomu"
    "&measure=minami%2F2022%2Fmeasure%2Fgensai-01"
)


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("path", ["/matrix", SOMU_GENSAI_01, "/matrix?min_score=x"])
def test_no_serious_violation(
    page: Page, page_errors: PageErrors, server_url: str, path: str, lang: str
) -> None:
    url = f"{path}{'&' if '?' in path else '?'}lang={lang}"
    bad = "min_score=x" in path
    if bad:
        page_errors.expected.add(server_url + url)  # the 400 page is the point
    response = page.goto(url)
    assert response is not None and response.status == (400 if bad else 200)
    page.wait_for_load_state("networkidle")
    name = "matrix-cell" if "cell" in path else "matrix-error" if bad else "matrix"
    screenshot(page, f"axe-{lang}-{name}")
    assert blocking_violations(page) == []


def test_a_cell_opens_its_evidence_beside_the_table(page: Page) -> None:
    page.goto("/matrix")
    cell = page.locator(f'td.mx-accepted a[href="{SOMU_GENSAI_01}"]')
    expect(cell).to_have_text("✔")
    cell.click()
    panel = page.locator("#mx-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("h2")).to_contain_text("総務課")
    expect(panel.locator("h2")).to_contain_text("防災・減災意識の向上")
    expect(panel.locator(".mx-status")).to_have_text("採用")
    expect(panel.locator("mark").first).to_be_visible()
    expect(panel.locator('a[href^="/source/minami/2022?hl="]').first).to_be_visible()
    assert page.url.endswith("/matrix")  # the page stayed
    screenshot(page, "matrix-panel")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(cell).to_be_focused()


def test_cells_are_reached_and_opened_by_keyboard(page: Page) -> None:
    page.goto("/matrix")
    first = page.locator("a[data-cell]").first
    first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#mx-panel")).to_be_visible()
    expect(page.locator("#mx-panel h2")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#mx-panel h2 a").first).to_be_focused()


def test_without_javascript_a_cell_is_a_page(browser: Browser, server_url: str) -> None:
    context = browser.new_context(base_url=server_url, locale="ja-JP", java_script_enabled=False)
    page = context.new_page()
    page.goto("/matrix")
    page.locator(f'a[href="{SOMU_GENSAI_01}"]').click()
    page.wait_for_url("**/matrix/cell?**")
    expect(page.locator("h1")).to_contain_text("総務課")
    expect(page.locator("blockquote mark").first).to_be_visible()
    context.close()


def test_a_phone_scrolls_the_table_and_keeps_the_headers(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/matrix")
    scroller = page.locator(".matrix-scroll")
    sizes = scroller.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert sizes[0] > sizes[1]  # the table scrolls sideways, the page does not
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    scroller.evaluate("e => { e.scrollLeft = 600; e.scrollTop = 300; }")
    section = page.locator("tbody th[scope=row]").first
    header = page.locator("thead th.mx-measure").nth(10)
    box = scroller.bounding_box()
    assert box is not None
    assert abs(section.bounding_box()["x"] - box["x"]) < 3  # the first column stays
    assert header.bounding_box()["y"] >= box["y"]  # the header row stays
    screenshot(page, "matrix-phone")


def test_the_xlsx_download_opens(page: Page, tmp_path: Path) -> None:
    page.goto("/matrix")
    with page.expect_download() as info:
        page.locator('a[href^="/matrix.xlsx"]').click()
    download = info.value
    assert download.suggested_filename == "課×取組-minami-2022.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = load_workbook(saved)
    assert book.sheetnames == ["課×取組", "リンク一覧", "出典・利用条件"]
    assert book.active.cell(5, 1).value == "総務課"
