"""/matrix: the section × measure table, its evidence pages and its CSV and xlsx downloads.

Every number is checked against an independent SPARQL count over the same
store; the known links come from the hand-made gold file.
"""

from __future__ import annotations

import csv
import io
import shutil
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from werkzeug.test import TestResponse

from minami_kg.build import build
from minami_kg.publish.attribution import Attribution
from minami_kg.readmodels.matrix import Area, Link, Measure, Outline, Section, View, build_matrix
from minami_kg.readmodels.matrix_files import csv_value, link_rows, matrix_rows, workbook
from minami_kg.readmodels.plans import PlanRef
from minami_kg.readmodels.spreadsheets import spreadsheet_text
from minami_kg.server import create_app
from minami_kg.server.http import attachment as content_disposition
from minami_kg.store import EmbeddedStore

from .conftest import FIXTURES, SEED, settings_for
from .remote_engines import RemoteServer

GOLD = Path(__file__).parent / "gold" / "section-measure-links.toml"
PLAN = "minami/2022"
ID = "http://127.0.0.1:8000/id/"
SOMU = "minami/section/somu"
GENSAI_01 = "minami/2022/measure/gensai-01"
MKG = "PREFIX mkg: <https://w3id.org/minami-kg/def#>\n"


# --- helpers -------------------------------------------------------------------------------


def _count(store: EmbeddedStore, pattern: str) -> int:
    """An independent count: `SELECT (COUNT(DISTINCT ?c) …)` over a pattern binding ?c."""
    rows = list(store.query(MKG + f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ {pattern} }}"))
    return int(rows[0]["n"].value)


def _links(store: EmbeddedStore, accepted: bool, extra: str = "") -> int:
    flag = "true" if accepted else "false"
    return _count(
        store,
        f"?c a mkg:Contribution ; mkg:accepted {flag} ; mkg:inPlan <{ID}{PLAN}> . {extra}",
    )


def _json(client: FlaskClient, **params: str) -> dict:
    response = client.get("/matrix", query_string={"format": "json", **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _by_status(body: dict) -> dict[str, int]:
    counts = {"accepted": 0, "candidate": 0}
    for cell in body["cells"]:
        counts[cell["status"]] += 1
    return counts


class _Cells(HTMLParser):
    """The table's body cells: (row header text, class, href, text) of each <td>."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict[str, str]] = []
        self.row: str = ""
        self._in: str | None = None  # "th" or "td" while inside one
        self._cell: dict[str, str] = {}
        self.measure_headers: list[str] = []
        self.row_headers: list[str] = []
        self._th_scope: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "tr":
            self.row = ""
        elif tag == "th":
            self._in = "th"
            self._th_scope = a.get("scope")
            self._cell = {"class": a.get("class", ""), "text": ""}
        elif tag == "td":
            self._in = "td"
            self._cell = {"row": self.row, "class": a.get("class", ""), "href": "", "text": ""}
        elif tag == "a" and self._in == "td":
            self._cell["href"] = a.get("href", "")
            self._cell["label"] = a.get("aria-label", "")
        elif tag == "a" and self._in == "th":
            self._cell["href"] = a.get("href", "")

    def handle_data(self, data: str) -> None:
        if self._in:
            self._cell["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._in == "td":
            self._cell["text"] = self._cell["text"].strip()
            self.cells.append(self._cell)
            self._in = None
        elif tag == "th" and self._in == "th":
            text = self._cell["text"].strip()
            if self._th_scope == "row":
                self.row = text
                self.row_headers.append(text)
            elif "mx-measure" in self._cell["class"]:
                self.measure_headers.append(text)
            self._in = None


def _cells(client: FlaskClient, query: str = "") -> _Cells:
    response = client.get("/matrix" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    parser = _Cells()
    parser.feed(response.get_data(as_text=True))
    return parser


def _gold_plain() -> list[dict[str, str]]:
    with GOLD.open("rb") as f:
        return [link for link in tomllib.load(f)["link"] if link["kind"] == "plain"]


# --- the page and its JSON twin ------------------------------------------------------------


def test_counts_are_those_of_the_store(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    accepted, candidates = _links(seed_store, True), _links(seed_store, False)
    assert accepted > 0 and candidates > 0
    body = _json(client)
    assert body["totals"] == {"accepted": accepted, "candidates": candidates}
    assert _by_status(body) == {"accepted": accepted, "candidate": candidates}
    assert sum(r["accepted"] for r in body["rows"]) == accepted
    assert sum(c["candidates"] for c in body["columns"]) == candidates
    sections = _count(seed_store, f"?g mkg:inPlan <{ID}{PLAN}> ; mkg:goalOf ?c")
    measures = _count(seed_store, f"<{ID}{PLAN}> mkg:hasFocusArea ?a . ?c mkg:inFocusArea ?a")
    assert (len(body["rows"]), len(body["columns"])) == (sections, measures)
    page = _cells(client)
    classes = [c["class"] for c in page.cells]
    assert classes.count("mx-accepted") == accepted
    assert classes.count("mx-candidate") == candidates
    assert len(page.row_headers) == sections + 1  # and the totals row
    assert len(page.measure_headers) == measures


def test_columns_are_grouped_by_focus_area_in_document_order(client: FlaskClient) -> None:
    body = _json(client)
    assert [a["slug"] for a in body["areas"]] == [
        "gensai",
        "nigiwai",
        "sukoyaka",
        "kodomo",
        "chiiki-no-chikara",
        "steady-work",
    ]
    assert [c["key"] for c in body["columns"]] == [m for a in body["areas"] for m in a["measures"]]
    assert body["columns"][0]["key"] == GENSAI_01
    assert body["rows"][0]["label"] == "総務課"
    html = client.get("/matrix").get_data(as_text=True)
    assert '<th scope="colgroup" colspan="4" class="mx-area mx-area-1">減災' in html
    assert "<caption" in html and 'scope="row"' in html and 'scope="col"' in html


def test_a_gold_link_is_in_its_cell(client: FlaskClient) -> None:
    plain = {(g["section"], g["measure"]) for g in _gold_plain()}
    assert ("総務課", "防災・減災意識の向上") in plain
    body = _json(client)
    rows = {r["key"]: r["label"] for r in body["rows"]}
    columns = {c["key"]: c["label"] for c in body["columns"]}
    status = {(rows[c["section"]], columns[c["measure"]]): c["status"] for c in body["cells"]}
    assert status[("総務課", "防災・減災意識の向上")] == "accepted"
    found = [pair for pair in plain if status.get(pair) == "accepted"]
    assert len(found) >= 10, found  # most plain gold links are accepted links
    # in the HTML: the 総務課 row, the 防災・減災意識の向上 column
    page = _cells(client)
    column = page.measure_headers.index("防災・減災意識の向上")
    row = [c for c in page.cells if c["row"] == "総務課"]
    assert row[column]["class"] == "mx-accepted"
    assert row[column]["text"] == "✔"
    query = parse_qs(urlsplit(row[column]["href"]).query)
    assert query == {"plan": [PLAN], "section": [SOMU], "measure": [GENSAI_01]}
    assert "総務課 × 防災・減災意識の向上: 採用" in row[column]["label"]


def test_candidates_show_their_scores(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    scores = {
        (r["s"].value, r["m"].value): float(r["score"].value)
        for r in seed_store.query(
            MKG + "SELECT ?s ?m ?score WHERE { ?c a mkg:Contribution ; mkg:accepted false ;"
            " mkg:section ?s ; mkg:measure ?m ; mkg:score ?score }"
        )
    }
    body = _json(client)
    shown = {
        (ID + c["section"], ID + c["measure"]): c["score"]
        for c in body["cells"]
        if c["status"] == "candidate"
    }
    assert shown == scores
    page = _cells(client)
    candidates = [c for c in page.cells if c["class"] == "mx-candidate"]
    texts = sorted(c["text"] for c in candidates)
    assert texts == sorted(f"{s:.2f}" for s in scores.values())


def test_totals(client: FlaskClient) -> None:
    body = _json(client)
    for row in body["rows"]:
        mine = [c for c in body["cells"] if c["section"] == row["key"]]
        assert row["accepted"] == sum(c["status"] == "accepted" for c in mine)
        assert row["candidates"] == sum(c["status"] == "candidate" for c in mine)
    for column in body["columns"]:
        mine = [c for c in body["cells"] if c["measure"] == column["key"]]
        assert column["accepted"] + column["candidates"] == len(mine)
    somu = next(r for r in body["rows"] if r["key"] == SOMU)
    html = client.get("/matrix").get_data(as_text=True)
    row = html[html.index(f'href="/page/{SOMU}"') :]
    row = row[: row.index("</tr>")]
    expected = f'<td class="mx-total">{somu["accepted"]} <span class="mx-plus">+'
    assert expected + f"{somu['candidates']}</span></td>" in row


# --- filters and sorts ---------------------------------------------------------------------


def test_accepted_only(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    body = _json(client, show="accepted")
    assert _by_status(body) == {"accepted": _links(seed_store, True), "candidate": 0}
    assert body["view"] == {"show": "accepted"}
    classes = {c["class"] for c in _cells(client, "?show=accepted").cells}
    assert classes == {"", "mx-accepted", "mx-total"}


def test_minimum_score_hides_weaker_candidates(
    client: FlaskClient, seed_store: EmbeddedStore
) -> None:
    body = _json(client, min_score="3")
    stronger = _links(seed_store, False, "?c mkg:score ?s FILTER(?s >= 3)")
    assert 0 < stronger < _links(seed_store, False)
    assert _by_status(body) == {"accepted": _links(seed_store, True), "candidate": stronger}
    assert all(c["score"] >= 3 for c in body["cells"] if c["status"] == "candidate")


def test_one_focus_area(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    body = _json(client, area="kodomo")
    measures = _count(seed_store, f"?c mkg:inFocusArea <{ID}{PLAN}/area/kodomo>")
    assert [a["slug"] for a in body["areas"]] == ["kodomo"]
    assert len(body["columns"]) == measures
    assert {c["area"] for c in body["columns"]} == {"kodomo"}
    accepted = _links(seed_store, True, f"?c mkg:measure/mkg:inFocusArea <{ID}{PLAN}/area/kodomo>")
    assert body["totals"]["accepted"] == accepted


def test_one_section(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    body = _json(client, section=SOMU)
    assert [r["key"] for r in body["rows"]] == [SOMU]
    assert len(body["columns"]) == 36
    assert {c["section"] for c in body["cells"]} == {SOMU}
    assert body["totals"]["accepted"] == _links(seed_store, True, f"?c mkg:section <{ID}{SOMU}>")
    assert _cells(client, f"?section={SOMU}").row_headers == ["総務課", "計"]


def test_sorting_sections(client: FlaskClient) -> None:
    document = [r["key"] for r in _json(client)["rows"]]
    by_links = _json(client, sort_sections="links")["rows"]
    counts = [r["accepted"] + r["candidates"] for r in by_links]
    assert counts == sorted(counts, reverse=True)
    assert [r["key"] for r in by_links] != document
    by_name = [r["label"] for r in _json(client, sort_sections="name")["rows"]]
    assert by_name == sorted(by_name)
    en = [r["label"] for r in _json(client, sort_sections="name", lang="en")["rows"]]
    assert en == sorted(en) and en[0].startswith("A")


def test_sorting_measures_within_their_areas(client: FlaskClient) -> None:
    document = _json(client)
    body = _json(client, sort_measures="sections")
    assert [a["slug"] for a in body["areas"]] == [a["slug"] for a in document["areas"]]
    for area in body["areas"]:
        columns = [c for c in body["columns"] if c["area"] == area["slug"]]
        counts = [c["accepted"] + c["candidates"] for c in columns]
        assert counts == sorted(counts, reverse=True)
        assert sorted(area["measures"]) == sorted(
            next(a for a in document["areas"] if a["slug"] == area["slug"])["measures"]
        )
    assert [c["key"] for c in body["columns"]] != [c["key"] for c in document["columns"]]


def test_the_form_keeps_the_view(client: FlaskClient) -> None:
    html = client.get(
        "/matrix?area=gensai&show=accepted&min_score=2.5&sort_sections=links&section=" + SOMU
    ).get_data(as_text=True)
    assert '<option value="gensai" selected>' in html
    assert '<input type="radio" name="show" value="accepted" checked>' in html
    assert 'name="min_score" type="number"' in html and 'value="2.5"' in html
    assert '<option value="links" selected>' in html
    assert f'<option value="{SOMU}" selected>' in html
    # the downloads and the JSON twin (named in the Link header too) take the same view
    assert "/matrix.xlsx?plan=minami%2F2022&amp;area=gensai&amp;show=accepted" in html
    link = client.get("/matrix?show=accepted").headers["Link"]
    assert link == '</matrix?plan=minami%2F2022&show=accepted&format=json>; rel="alternate"; ' + (
        'type="application/json"'
    )


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("min_score=abc", 400, "min_score"),
        ("min_score=nan", 400, "min_score"),
        ("sort_sections=random", 400, "sort_sections"),
        ("sort_measures=name", 400, "sort_measures"),
        ("show=some", 400, "show"),
        ("section=minami/section/nothing", 400, "section"),
        ("area=nothing", 400, "area"),
        ("plan=../etc", 400, "plan"),
        ("plan=minami/1999", 404, "minami/1999"),
    ],
)
def test_bad_parameters(client: FlaskClient, query: str, status: int, words: str) -> None:
    as_json = client.get(f"/matrix?{query}&format=json")
    assert as_json.status_code == status
    assert words in as_json.get_json()["error"]
    page = client.get(f"/matrix?{query}")
    assert page.status_code == status and page.mimetype == "text/html"
    assert words in page.get_data(as_text=True)
    for download in ("/matrix.csv", "/matrix.xlsx"):
        answer = client.get(f"{download}?{query}")
        assert answer.status_code == status and words in answer.get_json()["error"]
    assert client.get("/matrix?format=xml").status_code == 400


# --- the evidence of a cell ----------------------------------------------------------------


def _cell(client: FlaskClient, section: str, measure: str, **extra: str) -> TestResponse:
    params = {"plan": PLAN, "section": section, "measure": measure, **extra}
    return client.get("/matrix/cell", query_string=params)


def test_the_evidence_page(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    page = _cell(client, SOMU, GENSAI_01)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    body = _cell(client, SOMU, GENSAI_01, format="json").get_json()
    (link,) = body["links"]
    assert link["status"] == "accepted" and link["method"] == "shared-topic"
    evidence = _count(seed_store, f"<{ID}{PLAN}/contribution/somu/gensai-01> mkg:evidence ?c")
    assert len(link["evidence"]) == evidence > 0
    for item in link["evidence"]:
        assert item["basis"] and item["section"] and item["measure"]
        for quote in item["section"] + item["measure"]:
            assert f"<mark>{quote['text']}</mark>" in html
            assert quote["href"] == f"/source/{PLAN}?hl={quote['line']}#L{quote['line']}"
            assert f'href="{quote["href"]}"'.replace("&", "&amp;") in html
    first = link["evidence"][0]["section"][0]
    assert first["line"] == 120  # 総務課's goal paragraph, as the gold file says
    source = client.get(first["href"].split("#")[0])
    assert source.status_code == 200
    line = source.get_data(as_text=True).split(f'<li id="L{first["line"]}" class="hl">')[1]
    line = line[: line.index("</li>")]
    assert first["prefix"] + first["text"] + first["suffix"] in line
    assert "shared-topic" in html and "採用" in html


def test_a_candidates_evidence(client: FlaskClient) -> None:
    body = _json(client)
    cell = next(c for c in body["cells"] if c["status"] == "candidate")
    page = client.get(cell["href"])
    assert page.status_code == 200 and "候補" in page.get_data(as_text=True)
    twin = client.get(cell["href"], headers={"Accept": "application/json"}).get_json()
    assert twin["links"][0]["score"] == cell["score"]
    assert f"{cell['score']:.3f}" in page.get_data(as_text=True)


def test_bad_cells(client: FlaskClient) -> None:
    assert _cell(client, "minami/section/nothing", GENSAI_01).status_code == 400
    assert _cell(client, SOMU, "minami/2022/measure/nothing").status_code == 400
    assert client.get(f"/matrix/cell?plan={PLAN}&section={SOMU}").status_code == 400
    # a real section and measure without any link between them
    body = _json(client)
    linked = {(c["section"], c["measure"]) for c in body["cells"]}
    empty = next(
        (r["key"], c["key"])
        for r in body["rows"]
        for c in body["columns"]
        if (r["key"], c["key"]) not in linked
    )
    missing = _cell(client, *empty, format="json")
    assert missing.status_code == 404 and "no link" in missing.get_json()["error"]


# --- downloads -----------------------------------------------------------------------------


def test_csv(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    response = client.get("/matrix.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("''")[1]) == "課×取組-minami-2022.csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    # the local government first, as every open-data CSV starts; then the matrix itself
    assert rows[0][:2] == ["全国地方公共団体コード", "地方公共団体名"]
    assert {tuple(row[:2]) for row in rows[4:-2]} == {("141054", "横浜市南区")}
    assert {tuple(row[:2]) for row in rows[1:4] + rows[-2:]} == {("", "")}
    rows = [row[2:] for row in rows]
    assert rows[0][:3] == ["施策", "Focus area", "減災"]
    assert rows[1][2] == "Disaster Risk Reduction"
    assert rows[2][:3] == ["取組", "Measure", "防災・減災意識の向上"]
    assert rows[3][:2] == ["課", "Section"]
    assert (rows[2][-2:], rows[3][-2:]) == (["採用", "候補"], ["Accepted", "Candidates"])
    assert rows[4][:2] == ["総務課", "General Affairs Section"]
    body = rows[4:-2]
    cells = [v for row in body for v in row[2:-2]]
    assert cells.count("●") == _links(seed_store, True)
    scores = [float(v) for v in cells if v not in ("", "●")]
    assert len(scores) == _links(seed_store, False)
    assert rows[-2][0] == "採用 計" and int(rows[-2][-2]) == _links(seed_store, True)
    assert rows[-1][0] == "候補 計" and int(rows[-1][-1]) == _links(seed_store, False)


def test_csv_follows_the_filters(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/matrix.csv?show=accepted&area=gensai").data.decode("utf-8-sig")
            )
        )
    )
    assert rows[0][:2] == ["全国地方公共団体コード", "地方公共団体名"]
    assert {tuple(row[:2]) for row in rows[4:-2]} == {("141054", "横浜市南区")}
    assert set(rows[0][4:-2]) == {"減災"}
    cells = [v for row in rows[4:-2] for v in row[4:-2]]
    assert set(cells) == {"", "●"}
    gensai = f"?c mkg:measure/mkg:inFocusArea <{ID}{PLAN}/area/gensai>"
    assert cells.count("●") == _links(seed_store, True, gensai)


def test_xlsx(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    response = client.get("/matrix.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["課×取組", "リンク一覧", "出典・利用条件"]
    sheet = book["課×取組"]
    assert sheet.freeze_panes == "C5"
    assert [sheet.cell(1, c).value for c in (1, 2, 3)] == ["施策", "Focus area", "減災"]
    assert sheet.cell(3, 3).value == "防災・減災意識の向上"
    assert sheet.cell(5, 1).value == "総務課"
    values = [
        c.value
        for row in sheet.iter_rows(min_row=5, max_row=sheet.max_row - 2, min_col=3, max_col=38)
        for c in row
    ]
    assert values.count("●") == _links(seed_store, True)
    scores = [v for v in values if isinstance(v, float)]
    assert len(scores) == _links(seed_store, False)
    links = book["リンク一覧"]
    header = [c.value for c in links[1]]
    assert header[:5] == ["課", "Section", "施策", "取組", "Measure"]
    statuses = [row[5] for row in links.iter_rows(min_row=2, values_only=True)]
    assert statuses.count("採用") == _links(seed_store, True)
    assert statuses.count("候補") == _links(seed_store, False)
    somu = next(
        row
        for row in links.iter_rows(min_row=2, values_only=True)
        if row[0] == "総務課" and row[3] == "防災・減災意識の向上"
    )
    assert somu[2] == "減災" and somu[7] == "shared-topic" and isinstance(somu[6], float)
    assert "(L120)" in somu[9] and "【" in somu[10]


def test_english_labels(client: FlaskClient) -> None:
    body = _json(client, lang="en")
    assert body["rows"][0]["label"] == "General Affairs Section"
    assert body["areas"][0]["label"] == "Disaster Risk Reduction"
    html = client.get("/matrix?lang=en").get_data(as_text=True)
    assert "Section × measure matrix" in html and "General Affairs Section" in html
    assert "課×取組の表" not in html
    rows = list(csv.reader(io.StringIO(client.get("/matrix.csv?lang=en").data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["code", "name", "Focus area", "施策", "Disaster Risk Reduction"]
    assert rows[4][:4] == ["141054", "横浜市南区", "General Affairs Section", "総務課"]
    book = load_workbook(io.BytesIO(client.get("/matrix.xlsx?lang=en").data))
    assert book.sheetnames == ["Matrix", "Links", "出典・利用条件"]
    cell = _cell(client, SOMU, GENSAI_01, lang="en").get_data(as_text=True)
    assert "Evidence" in cell and "General Affairs Section" in cell


# --- what a spreadsheet must not run -------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+x", "-x", "@x", "\t=1", "\r=1"])
def test_formula_looking_text_is_defused(text: str) -> None:
    assert spreadsheet_text(text) == "'" + text


@pytest.mark.parametrize("text", ["総務課", "x=1", "", "'quoted", "１＋１"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert spreadsheet_text(text) == text


def test_a_formula_label_reaches_neither_file_as_a_formula() -> None:
    """A section named like a formula is written as text in the CSV and in both sheets."""
    plan = PlanRef(ID + "x/2000", "x/2000", "x", "2000", "=1+1", None)
    measure = Measure(ID + "x/2000/measure/a-01", "x/2000/measure/a-01", 1, "+x", "-x", "area")
    area = Area("area", "a", 1, False, "@x", "=cmd|' /C calc'!A0", [measure])
    section = Section(ID + "x/section/s", "x/section/s", 1, '=HYPERLINK("http://x")', "-2")
    link = Link(ID + "x/2000/contribution/s/a-01", section.iri, measure.iri, True, 1.0, "=m")
    table = build_matrix(Outline(plan, [area], [section], [link]), [plan], View(), "ja")
    grid = matrix_rows(table) + link_rows(table, {})
    book = workbook(table, {}, Attribution("https://creativecommons.org/licenses/by/4.0/", "=x"))
    texts = [v for row in grid for v in row if isinstance(v, str)]
    assert '=HYPERLINK("http://x")' in texts  # the grid holds the data as it is …
    for sheet in book.worksheets:  # … and the workbook holds it defused
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value
                if isinstance(cell.value, str) and cell.value:
                    assert cell.value[0] not in "=+-@", cell.value
    assert book.worksheets[0].cell(5, 1).value == '\'=HYPERLINK("http://x")'


def test_a_formula_label_in_the_csv() -> None:
    assert csv_value("=1+1") == "'=1+1"
    assert csv_value(-2.5) == "-2.5"  # a number stays a number
    assert csv_value(None) == ""


def test_content_disposition() -> None:
    header = content_disposition("課×取組-minami-2022.csv")
    assert header == (
        'attachment; filename="____-minami-2022.csv"; '
        "filename*=UTF-8''%E8%AA%B2%C3%97%E5%8F%96%E7%B5%84-minami-2022.csv"
    )
    assert content_disposition('a"b.csv').startswith('attachment; filename="a_b.csv"')


# --- a store of several plans --------------------------------------------------------------


@pytest.fixture(scope="module")
def several(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    """The seed and two other wards' plans (FY2024 and FY2018) in one store."""
    documents = tmp_path_factory.mktemp("documents")
    for path in (
        SEED,
        FIXTURES / "plans" / "kohoku-r6.txt",
        FIXTURES / "plans" / "naka-h30-utf8bom.txt",
    ):
        shutil.copy(path, documents / path.name)
    settings = settings_for(tmp_path_factory.mktemp("several") / "store")
    build(settings, documents)
    return create_app(settings).test_client()


def test_the_newest_plan_first_and_a_select_for_the_others(
    several: FlaskClient, client: FlaskClient
) -> None:
    body = _json(several)
    assert [p["key"] for p in body["plans"]] == ["kohoku/2024", PLAN, "naka/2018"]
    assert body["plan"]["key"] == "kohoku/2024"
    assert {r["key"].split("/")[0] for r in body["rows"]} == {"kohoku"}
    assert {c["key"].split("/measure/")[0] for c in body["columns"]} == {"kohoku/2024"}
    # the seed's plan reads the same as in a store of its own
    assert _json(several, plan=PLAN) | {"plans": []} == _json(client) | {"plans": []}
    html = several.get("/matrix").get_data(as_text=True)
    assert '<select id="mx-plan" name="plan">' in html
    assert '<option value="kohoku/2024" selected>' in html
    assert f'<option value="{PLAN}">' in html
    # a single plan needs no choice
    assert '<select id="mx-plan"' not in client.get("/matrix").get_data(as_text=True)
    # a section of another plan is not a row of this one
    assert several.get(f"/matrix?plan=naka/2018&section={SOMU}").status_code == 400


# --- the remote backend --------------------------------------------------------------------


def test_the_same_answers_from_a_remote_store(
    seeded_engine: RemoteServer,
    client: FlaskClient,
) -> None:
    remote = create_app(seeded_engine.settings()).test_client()
    for params in ({}, {"lang": "en"}, {"show": "accepted", "sort_sections": "links"}):
        assert _json(remote, **params) == _json(client, **params)
    here = _cell(client, SOMU, GENSAI_01, format="json").get_json()
    assert _cell(remote, SOMU, GENSAI_01, format="json").get_json() == here
    assert remote.get("/matrix.csv").data == client.get("/matrix.csv").data
    assert remote.get("/matrix?min_score=x").status_code == 400
    assert remote.get("/matrix").status_code == 200
