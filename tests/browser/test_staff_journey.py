"""A member of staff's path through the site, in a real browser, start to finish.

Search こども → open 子ども家庭総合支援拠点機能 → its section → that section in the
graph, expanded → the matrix → the Excel download, opened with openpyxl. The
`page` fixture fails the test on any JavaScript or console error on the way;
each step leaves a screenshot in test-artifacts/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from .conftest import screenshot

MEASURE = "子ども家庭総合支援拠点機能の充実"
SECTION = "こども家庭支援課"


def _graph_ready(page: Page) -> None:
    page.wait_for_function(
        "() => window.minamiGraph"
        " && ['ready', 'error'].includes(document.getElementById('graph-app').dataset.state)"
    )
    assert page.locator("#graph-app").get_attribute("data-state") == "ready"


def test_search_to_excel(page: Page, tmp_path: Path) -> None:
    page.goto("/")
    page.get_by_role("search").first.get_by_role("searchbox").fill("こども")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")
    hits = page.locator(".hit-list .hit-title a")
    top_five = [hits.nth(i).inner_text() for i in range(min(5, hits.count()))]
    assert MEASURE in top_five
    screenshot(page, "journey-1-search")

    hits.filter(has_text=MEASURE).first.click()
    page.wait_for_url("**/page/minami/2022/measure/kodomo-01")
    expect(page.locator("h1")).to_contain_text(MEASURE)
    screenshot(page, "journey-2-measure")

    page.locator("#sections").get_by_role("link", name=SECTION).click()
    page.wait_for_url("**/sections/minami/kodomo-katei-shien*")
    expect(page.locator("h1")).to_contain_text(SECTION)
    screenshot(page, "journey-3-section")

    page.get_by_role("link", name="グラフで見る").click()
    page.wait_for_url("**/graph?*focus=*")
    _graph_ready(page)
    before = page.evaluate("() => window.minamiGraph.nodes().length")
    assert before > 1
    page.locator("#graph-node-list li:not(.focus) .graph-expand").first.click()
    _graph_ready(page)
    assert page.evaluate("() => window.minamiGraph.nodes().length") > before
    screenshot(page, "journey-4-graph")

    page.get_by_role("navigation", name="サイト").get_by_role("link", name="課×取組").click()
    page.wait_for_url("**/matrix*")
    expect(page.locator("table").first).to_contain_text(SECTION)
    screenshot(page, "journey-5-matrix")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel (xlsx)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / "matrix.xlsx"
    download.save_as(saved)
    workbook = load_workbook(saved, read_only=True)
    cells = {
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    }
    assert SECTION in cells and MEASURE in cells
