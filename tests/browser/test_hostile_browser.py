"""The hostile plan (tests/test_hostile.py) in Chromium: nothing it holds runs.

A `minami-kg serve` of its own serves the store built from the hostile plans.
On every page a staff member would open, no dialog opens (each payload would
call `alert`), no element the text describes exists in the DOM (an `<img
src=x>`, an iframe, an inline script, an event handler attribute, a
`javascript:` link), and the text is on the page as text. The `page` fixture
fails the test on any console error, so a Content-Security-Policy violation
fails it too: the SPARQL editor (YASGUI) runs a query and shows the hostile
labels in its table, and the graph explorer (cytoscape) draws them, under the
policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Dialog, Page, expect

from ..test_hostile import ACTION, GOAL, LINK, MEASURE, NEW_MEASURE, PLAN, build_hostile
from ..w3c.server import live_server
from .conftest import screenshot

INJECTED = (
    "img[src='x'], iframe, object, embed, svg[onload], [onerror], [onload], [onmouseover],"
    " a[href^='javascript:'], script:not([src]):not([type='application/json'])"
    ":not([type='application/ld+json'])"
)
LABELS_QUERY = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "PREFIX mkg: <https://w3id.org/minami-kg/def#>\n"
    "SELECT DISTINCT ?label WHERE { ?m a mkg:Measure ; skos:prefLabel ?label } ORDER BY ?label"
)


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = build_hostile(tmp_path_factory.mktemp("hostile-browser"))
    with live_server(settings.store, env={"MINAMI_KG_SOURCES": str(settings.sources)}) as url:
        yield url


@pytest.fixture
def dialogs(page: Page) -> list[str]:
    """The message of every dialog the page opens (each is dismissed at once)."""
    opened: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return opened


def _nothing_injected(page: Page, dialogs: list[str], url: str) -> None:
    page.wait_for_load_state("networkidle")
    assert page.locator(INJECTED).count() == 0, (url, page.locator(INJECTED).count())
    assert dialogs == [], (url, dialogs)


def test_pages_show_hostile_text_and_run_none_of_it(
    page: Page, dialogs: list[str], hostile_url: str
) -> None:
    found = page.request.get(f"{hostile_url}/api/search?q=alert&type=measure&limit=50").json()
    measure = next(hit for hit in found["results"] if hit["label"] == MEASURE)
    visits = {
        f"/?plan={PLAN}": MEASURE,
        f"/page/{measure['iri'].split('/id/', 1)[1]}": ACTION,
        f"/search?q={quote('alert')}": LINK,
        f"/sections/nishi/somu?plan={PLAN}": GOAL,
        f"/matrix?plan={PLAN}": MEASURE,
        f"/source/{PLAN}?hl=12": "<script>alert(1)</script>安全",
        "/diff/nishi/2023/2024": NEW_MEASURE,
        f"/compare?a=nishi/section/somu&b=nishi/section/fukushi-hoken&plan={PLAN}": "総務課",
        f"/queries/measures-by-area?ward=nishi&fy={PLAN[-4:]}": MEASURE,
    }
    for path, text in visits.items():
        page.goto(hostile_url + path)
        _nothing_injected(page, dialogs, path)
        assert text in (page.locator("main").text_content() or ""), (path, text)
        page.locator("main").hover()  # an injected onmouseover would fire now
    screenshot(page, "hostile-queries")
    assert dialogs == []


def test_graph_explorer_draws_hostile_labels_as_text(
    page: Page, dialogs: list[str], hostile_url: str
) -> None:
    found = page.request.get(f"{hostile_url}/api/search?q=alert&type=measure&limit=50").json()
    iri = next(hit["iri"] for hit in found["results"] if hit["label"] == MEASURE)
    page.goto(f"{hostile_url}/graph?focus={quote(iri)}")
    page.wait_for_function(
        "() => window.minamiGraph && document.getElementById('graph-app').dataset.state === 'ready'"
    )
    expect(page.locator("#graph-node-list")).to_contain_text(MEASURE)
    page.locator("#graph-node-list li .graph-pick").first.click()
    _nothing_injected(page, dialogs, "/graph")
    screenshot(page, "hostile-graph")


def test_sparql_editor_runs_a_query_and_shows_hostile_results_as_text(
    page: Page, dialogs: list[str], hostile_url: str
) -> None:
    page.goto(f"{hostile_url}/sparql?query={quote(LABELS_QUERY)}")
    page.locator(".yasqe_queryButton").click()
    results = page.locator(".yasr table")
    expect(results).to_contain_text(MEASURE, timeout=15_000)
    expect(results).to_contain_text(LINK)
    _nothing_injected(page, dialogs, "/sparql")
    screenshot(page, "hostile-sparql")


def _table_labels(page: Page) -> list[str]:
    """The label cells of the results table, top to bottom, as shown: `"text"@ja`."""
    return page.locator(".yasr table tbody tr td:nth-child(2)").all_inner_texts()


def test_sparql_results_table_searches_and_sorts_hostile_labels_as_text(
    page: Page, dialogs: list[str], hostile_url: str
) -> None:
    """The results table's own search box and column sort work on labels that hold markup.

    DataTables (inside YASR) keeps a search key and a sort key for every cell; the
    editor gives it the label as text for both, so a label such as `<svg onload=…>`
    is searched and sorted by its characters and never parsed as HTML.
    """
    answer = page.request.get(
        f"{hostile_url}/sparql",
        params={"query": LABELS_QUERY},
        headers={"Accept": "application/sparql-results+json"},
    ).json()
    bindings = [row["label"] for row in answer["results"]["bindings"]]
    assert {NEW_MEASURE, MEASURE} <= {label["value"] for label in bindings}
    labels = [f'"{label["value"]}"@{label["xml:lang"]}' for label in bindings]

    page.goto(f"{hostile_url}/sparql?query={quote(LABELS_QUERY)}")
    page.locator(".yasqe_queryButton").click()
    expect(page.locator(".yasr table")).to_contain_text(MEASURE, timeout=15_000)
    page.locator(".yasr select.tableSizer").select_option("-1")  # every row on one page
    expect(page.locator(".yasr table tbody tr")).to_have_count(len(labels))

    search = page.locator(".yasr input.tableFilter")
    for typed in ("svg onload", "alert("):
        search.fill("")
        search.press_sequentially(typed)  # the table searches on keyup
        wanted = sorted(label for label in labels if typed in label)
        expect(page.locator(".yasr table tbody tr")).to_have_count(len(wanted))
        assert sorted(_table_labels(page)) == wanted, typed
    search.fill("")
    search.press("Backspace")
    expect(page.locator(".yasr table tbody tr")).to_have_count(len(labels))

    header = page.locator(".yasr table thead th", has_text="label")
    header.click()  # DataTables sorts after the click returns
    expect(header).to_have_attribute("aria-sort", "ascending")
    ascending = _table_labels(page)
    header.click()
    expect(header).to_have_attribute("aria-sort", "descending")
    descending = _table_labels(page)
    assert sorted(ascending) == sorted(labels)
    assert ascending != labels  # by the text in the reader's locale, not by code point
    assert descending == ascending[::-1]  # the labels are distinct: no ties
    _nothing_injected(page, dialogs, "/sparql table")
