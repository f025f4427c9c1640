"""A plan whose text is hostile renders as text on every face: pages, JSON, CSV, xlsx.

The document (tests/fixtures/hostile/nishi/2023/) puts HTML and JavaScript
(`<script>`, `<img onerror>`, `<a href="javascript:…">`, `<b onmouseover>`),
SPARQL and SQL fragments (`"} ; DROP ALL ; #`), spreadsheet formulas
(`=HYPERLINK(…)`, `=1+1`, `+1`, `-1`, `@SUM(…)`), a right-to-left override
(U+202E), zero-width spaces (U+200B) and combining marks into its focus areas,
measures, actions, section goals and manifest. A second year, written from it
here, gives the year-over-year diff something to show.

Every HTML answer is read with an HTML parser: no script without `src` other
than JSON data blocks, no event handler attribute, no `javascript:` link, no
frame or object, no inline style; the hostile strings are in the page as text.
Every answer carries the security headers. The browser half of this test is
tests/browser/test_hostile_browser.py.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from minami_kg.build import build
from minami_kg.config import Settings
from minami_kg.queries import CannedQuery, canned_queries
from minami_kg.readmodels.spreadsheets import FORMULA_START
from minami_kg.server import create_app
from minami_kg.server.security import SECURITY_HEADERS

from .conftest import FIXTURES, settings_for

HOSTILE = FIXTURES / "hostile"
PLAN = "nishi/2023"
MEASURE = '<script>alert("measure")</script>地域防災拠点の機能強化'
ACTION = '<img src=x onerror=alert("action")>拠点運営委員会が行う訓練の支援'
AREA = "<script>alert(1)</script>安全"
GOAL = '<script>alert("goal")</script>災害への備えを区役所全体で進め'
LINK = "<a href=\"javascript:alert('measure')\">子育て情報</a>の発信"
SPARQL = '"} ; DROP ALL ; # 土のうステーションの新設'
FORMULA = '=HYPERLINK("http://evil.example/","防災マップ")の配布'
BIDI = "\u202e検点同合の路学通"
NEW_MEASURE = "<svg onload=alert('new')>防犯・交通安全の推進"
DATA_SCRIPT_TYPES = ("application/json", "application/ld+json")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def write_hostile_sources(folder: Path) -> Path:
    """The hostile plan of 2023 and, written from it, a 2024 one with a measure renamed."""
    shutil.copytree(HOSTILE, folder, dirs_exist_ok=True)
    year = folder / "nishi" / "2024"
    year.mkdir(parents=True, exist_ok=True)
    text = (HOSTILE / "nishi" / "2023" / "nishi-r5-hostile.txt").read_text(encoding="utf-8")
    text = text.replace("令和5年度", "令和6年度").replace(
        "◆ @SUM(A1:A9) 防犯・交通安全の推進", f"◆ {NEW_MEASURE}"
    )
    (year / "nishi-r6-hostile.txt").write_text(text, encoding="utf-8")
    manifest = (HOSTILE / "nishi" / "2023" / "manifest.toml").read_text(encoding="utf-8")
    manifest = manifest.replace("nishi-r5-hostile.txt", "nishi-r6-hostile.txt")
    (year / "manifest.toml").write_text(
        manifest.replace("2023", "2024").replace('"2024"', '"2024"'), encoding="utf-8"
    )
    return folder


def build_hostile(folder: Path) -> Settings:
    """A store of its own built from the hostile plans; its settings read sources from there."""
    sources = write_hostile_sources(folder / "sources")
    settings = settings_for(folder / "var" / "store").with_changes(sources=sources)
    build(settings)
    return settings


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    app = create_app(build_hostile(tmp_path_factory.mktemp("hostile")))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.fixture
def client(hostile_app: Flask) -> FlaskClient:
    return hostile_app.test_client()


# --- reading HTML as a browser would --------------------------------------------------------


class PageReader(HTMLParser):
    """The text of a page and everything in it that could run or load another origin."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.data_blocks: list[str] = []
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name.lower(): value or "" for name, value in attrs}
        where = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in found.items())}>"
        for name, value in found.items():
            if name.startswith("on"):
                self.problems.append(f"event handler: {where}")
            if name == "style":
                self.problems.append(f"inline style: {where}")
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                scheme = value.strip().lower().replace("\t", "").replace("\n", "")
                if scheme.startswith(("javascript:", "vbscript:", "data:text/html")):
                    self.problems.append(f"script URL: {where}")
        if tag in ("iframe", "object", "embed", "frame", "base"):
            self.problems.append(f"{tag}: {where}")
        if tag == "img" and not found.get("src", "").startswith(("/", "data:image/")):
            self.problems.append(f"image from elsewhere: {where}")
        if tag == "script":
            if found.get("type") in DATA_SCRIPT_TYPES:
                self._script = ""
            elif not found.get("src", "").startswith("/"):
                self.problems.append(f"inline or outside script: {where}")
        if tag == "style":
            self.problems.append("inline <style>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.data_blocks.append(self._script)
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script += data
        else:
            self.text.append(data)


def read_page(client: FlaskClient, url: str) -> str:
    """The page's text, after checking that nothing in it could run; fails otherwise."""
    answer = client.get(url, headers={"Accept": BROWSER})
    assert answer.status_code == 200, (url, answer.status_code, answer.data[:300])
    assert answer.mimetype == "text/html", url
    assert_security_headers(answer.headers, url)
    reader = PageReader()
    reader.feed(answer.get_data(as_text=True))
    reader.close()
    assert not reader.problems, (url, reader.problems)
    for block in reader.data_blocks:
        json.loads(block)  # a data block is whole JSON: nothing closed it early
    return "".join(reader.text)


def assert_security_headers(headers: object, url: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, (url, name, headers.get(name))  # type: ignore[attr-defined]


def read_json(client: FlaskClient, url: str) -> str:
    """Every string in the JSON answer, one a line: the data as it is, nothing escaped."""
    answer = client.get(url, headers={"Accept": "application/json"})
    assert answer.status_code == 200, (url, answer.status_code, answer.data[:300])
    assert answer.mimetype in ("application/json", "application/ld+json"), url
    assert_security_headers(answer.headers, url)
    return "\n".join(_strings(answer.get_json()))


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# --- the pages ------------------------------------------------------------------------------


def _ids(client: FlaskClient, kind: str) -> list[str]:
    """The paths after id/ of the hostile plans' things of one type (e.g. mkg:Measure)."""
    answer = client.get(
        "/sparql",
        query_string={
            "query": "PREFIX mkg: <https://w3id.org/minami-kg/def#> "
            f"SELECT ?s WHERE {{ ?s a mkg:{kind} }} ORDER BY ?s",
            "format": "json",
        },
    )
    rows = answer.get_json()["results"]["bindings"]
    return [row["s"]["value"].split("/id/", 1)[1] for row in rows]


def test_the_hostile_text_is_in_the_graph(client: FlaskClient) -> None:
    """The parser keeps the text as it is, so the checks below are not vacuous."""
    text = read_json(client, f"/?plan={PLAN}&format=json")
    for hostile in (MEASURE, AREA, LINK, "=1+1相談体制の充実", "@SUM(A1:A9)"):
        assert hostile in text, hostile


def test_home_plans_and_sections_show_it_as_text(client: FlaskClient) -> None:
    home = read_page(client, f"/?plan={PLAN}")
    for hostile in (MEASURE, AREA, LINK):
        assert hostile in home
    read_page(client, f"/?plan={PLAN}&lang=en")
    read_page(client, "/plans")
    assert GOAL in read_page(client, "/sections/nishi/somu?plan=nishi/2023")
    read_page(client, f"/sections?plan={PLAN}")


def test_every_resource_page_shows_it_as_text(client: FlaskClient) -> None:
    paths = [PLAN, *_ids(client, "Measure"), *_ids(client, "Action"), *_ids(client, "FocusArea")]
    paths += _ids(client, "SectionGoal") + _ids(client, "Contribution")[:10]
    assert len(paths) > 25
    seen = ""
    for path in paths:
        seen += read_page(client, f"/page/{path}")
        read_json(client, f"/page/{path}.json")
    for hostile in (MEASURE, ACTION, SPARQL, FORMULA, GOAL):
        assert hostile in seen, hostile
    assert BIDI in seen


def test_search_shows_it_as_text(client: FlaskClient) -> None:
    for q in ("alert", "HYPERLINK", "<script>", "DROP ALL", "javascript"):
        read_page(client, f"/search?q={quote(q)}")
    found = client.get("/api/search", query_string={"q": "alert", "limit": 50}).get_json()
    assert_security_headers(client.get("/api/search?q=alert").headers, "/api/search")
    assert any(hit["label"] == MEASURE for hit in found["results"])
    for hit in found["results"]:
        snippet = hit["snippet"].replace("<mark>", "").replace("</mark>", "")
        assert "<" not in snippet and ">" not in snippet, hit["snippet"]  # escaped HTML


def test_source_view_shows_the_document_as_text(client: FlaskClient) -> None:
    text = read_page(client, f"/source/{PLAN}?hl=12-14")
    assert "<script>alert(1)</script>安全【重点】" in text
    assert "\u200b" in text  # the source is shown verbatim, zero-width space and all
    assert BIDI in text


def test_matrix_compare_graph_and_diff_show_it_as_text(client: FlaskClient) -> None:
    matrix = read_page(client, f"/matrix?plan={PLAN}")
    assert MEASURE in matrix
    read_json(client, f"/matrix?plan={PLAN}&format=json")
    found = client.get("/api/search", query_string={"q": MEASURE, "type": "measure"}).get_json()
    focus = next(hit["iri"] for hit in found["results"] if hit["label"] == MEASURE)
    measure = focus.split("/id/", 1)[1]
    cell = f"/matrix/cell?plan={PLAN}&section=nishi/section/somu&measure={measure}"
    assert MEASURE in read_page(client, cell)
    pair = "a=nishi/section/somu&b=nishi/section/fukushi-hoken"
    compare = read_page(client, f"/compare?{pair}&plan={PLAN}")
    assert "総務課" in compare
    read_page(client, f"/graph?plan={PLAN}")
    read_page(client, f"/graph?focus={quote(focus)}")
    assert MEASURE in read_json(client, f"/api/graph/node?iri={quote(focus)}")
    read_json(client, f"/api/graph/sections?plan={PLAN}")
    diff = read_page(client, "/diff/nishi/2023/2024")
    assert NEW_MEASURE in diff
    assert NEW_MEASURE in read_json(client, "/diff/nishi/2023/2024?format=json")


def test_queries_dataset_sparql_editor_and_not_found_pages(client: FlaskClient) -> None:
    for query in canned_queries(Settings().queries):
        read_page(client, f"/queries/{query.name}{_in_nishi(query)}")
    read_page(client, "/queries")
    read_page(client, "/dataset")
    editor = read_page(
        client, "/sparql?query=" + quote("</script><script>alert('editor')</script>")
    )
    assert "SPARQL" in editor
    missing = client.get("/page/<script>alert('404')</script>", headers={"Accept": BROWSER})
    assert missing.status_code == 404
    reader = PageReader()
    reader.feed(missing.get_data(as_text=True))
    assert not reader.problems
    assert "<script>alert('404')</script>" in "".join(reader.text)


def _in_nishi(query: CannedQuery) -> str:
    """`?ward=nishi` for a canned query that takes a ward, so it reads the hostile plans."""
    return "?ward=nishi" if any(p.name == "ward" for p in query.parameters) else ""


# --- files for spreadsheets -----------------------------------------------------------------


def _downloads(client: FlaskClient) -> Iterator[tuple[str, bytes]]:
    yield f"/matrix.csv?plan={PLAN}", client.get(f"/matrix.csv?plan={PLAN}").data
    yield f"/matrix.xlsx?plan={PLAN}", client.get(f"/matrix.xlsx?plan={PLAN}").data
    for table in ("measures", "sections", "links"):  # the open-data tables of the plan
        url = f"/plans/{PLAN}/{table}.csv"
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.data[:200])
        yield url, answer.data
    for query in canned_queries(Settings().queries):
        for ext in ("csv", "xlsx"):
            url = f"/queries/{query.name}.{ext}{_in_nishi(query)}"
            answer = client.get(url)
            assert answer.status_code == 200, (url, answer.data[:200])
            yield url, answer.data


def test_no_spreadsheet_cell_is_a_formula(client: FlaskClient) -> None:
    defused: set[str] = set()
    for url, data in _downloads(client):
        if ".csv" in url:
            text = data.decode("utf-8-sig")
            cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        else:
            book = load_workbook(io.BytesIO(data))
            cells = []
            for sheet in book.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f", (url, cell.coordinate, cell.value)
                        if isinstance(cell.value, str):
                            cells.append(cell.value)
        for cell in cells:
            assert not cell.startswith(FORMULA_START), (url, cell)
            if cell.startswith("'"):
                defused.add(cell)
    for formula in (FORMULA, "=1+1相談体制の充実", "@SUM(A1:A9) 防犯", "-地域活動の担い手支援"):
        assert any(cell.startswith("'" + formula) for cell in defused), (formula, defused)
