"""The ontology reference in Chromium: it renders, the diagram shows, its links and the
table of contents move to the entries, and axe-core finds nothing serious in either language."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import blocking_violations, screenshot


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_renders_with_no_serious_violation(page: Page, lang: str) -> None:
    response = page.goto(f"/ontology?lang={lang}")
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == lang
    heading = "語彙の説明" if lang == "ja" else "Ontology reference"
    expect(page.locator("h1")).to_contain_text(heading)
    definition = page.locator("#Measure .definition")
    expected = "施策の下の取組" if lang == "ja" else "A measure of a focus area"
    expect(definition).to_contain_text(expected)
    screenshot(page, f"ontology-{lang}")
    assert blocking_violations(page) == []


def test_diagram_is_drawn_and_visible(page: Page) -> None:
    page.goto("/ontology?lang=en")
    diagram = page.locator("figure.diagram svg")
    expect(diagram).to_be_visible()
    box = diagram.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 300
    boxes = diagram.locator("a.box")
    assert boxes.count() >= 8
    for index in range(boxes.count()):
        expect(boxes.nth(index).locator("rect")).to_be_visible()
    # every label fits in its box: the text is no wider than the rectangle
    widths = page.evaluate(
        """() => [...document.querySelectorAll('figure.diagram a.box')].map((a) => [
            a.querySelector('text.label').getBBox().width,
            a.querySelector('rect').getBBox().width])"""
    )
    assert all(text < rect for text, rect in widths), widths
    assert diagram.locator("a.arrow line").count() >= 8
    diagram.screenshot(path=str(screenshot(page, "ontology-en").with_name("ontology-diagram.png")))


def test_diagram_and_contents_lead_to_the_entries(page: Page) -> None:
    page.goto("/ontology?lang=en")
    page.locator("figure.diagram a.box[href='#Measure']").click()
    assert page.url.endswith("#Measure")
    entry = page.locator("article#Measure")
    expect(entry).to_be_in_viewport()
    assert page.evaluate("() => document.querySelector(':target').id") == "Measure"

    page.locator("figure.diagram a.arrow[href='#contributesTo']").click()
    expect(page.locator("article#contributesTo")).to_be_in_viewport()

    page.locator(".toc a[href='#evidence']").click()
    expect(page.locator("article#evidence")).to_be_in_viewport()
    # from a property entry to its domain's entry
    page.locator("article#evidence dd a[href='#Contribution']").first.click()
    expect(page.locator("article#Contribution")).to_be_in_viewport()


def test_example_leads_to_the_resource_page(page: Page) -> None:
    page.goto("/ontology?lang=en#Section")
    page.locator("article#Section a.example").click()
    page.wait_for_url("**/page/**")
    expect(page.locator("h1")).to_be_visible()
    assert "/page/minami/section/" in page.url


def test_links_from_footer_and_sparql_page(page: Page) -> None:
    page.goto("/sparql")
    page.locator("main a[href='/ontology']").click()
    page.wait_for_url("**/ontology")
    page.goto("/")
    page.locator("footer a[href='/ontology']").click()
    page.wait_for_url("**/ontology")
    expect(page.locator("article#Plan")).to_have_count(1)
