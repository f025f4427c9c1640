"""Canned queries as pages (HTML, JSON, CSV, xlsx) and the SPARQL editor page.

Everything runs through Flask's test client over the session's seed store,
built once from the real seed document and never changed.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from urllib.parse import quote

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient
from openpyxl import load_workbook
from pyoxigraph import Literal, NamedNode

from minami_kg.config import PROJECT_ROOT, Settings
from minami_kg.publish.attribution import Attribution
from minami_kg.queries import canned_queries, find_query
from minami_kg.rdf.namespaces import PREFIXES, XSD
from minami_kg.server.pages import Cell, ResultTable, run_query, table_xlsx

QUERIES = canned_queries(PROJECT_ROOT / "queries")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CREDIT = Attribution("https://creativecommons.org/licenses/by/4.0/", "minami-kg")


def section_iri(settings: Settings, slug: str) -> str:
    return f"{settings.base}id/minami/section/{slug}"


# --- the list -----------------------------------------------------------------------------


def test_list_shows_every_query(client: FlaskClient) -> None:
    response = client.get("/queries")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert len(QUERIES) >= 18
    for query in QUERIES:
        assert f'href="/queries/{query.name}"' in page
        assert query.title in page
    assert "担う取組の多い課" in page and "Sections by the number of measures" in page
    assert 'rel="alternate"' in response.headers["Link"]


def test_list_has_a_json_twin(client: FlaskClient) -> None:
    for url in ("/queries.json", "/queries?format=json"):
        listed = client.get(url).get_json()["queries"]
        assert [q["name"] for q in listed] == [q.name for q in QUERIES]
    by_name = {q["name"]: q for q in listed}
    section = by_name["measures-of-section"]
    assert section["title"] == "課が担う取組と根拠"
    assert section["parameters"][0] == {
        "name": "section",
        "type": "iri",
        "default": "{base}id/minami/section/koseki",
        "description": "the section (mkg:Section)",
    }


def test_header_links_to_queries_and_the_editor(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert 'href="/queries"' in page
    assert 'href="/sparql"' in page


# --- one query, as a page -----------------------------------------------------------------


@pytest.mark.parametrize("name", [q.name for q in QUERIES])
def test_every_query_page_renders_its_table(client: FlaskClient, name: str) -> None:
    response = client.get(f"/queries/{name}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<table class="results">' in page
    columns = client.get(f"/queries/{name}.json").get_json()["columns"]
    for column in columns:
        assert f'<th scope="col">{column}</th>' in page
    assert f'</queries/{name}.json>; rel="alternate"' in response.headers["Link"]


def test_page_shows_description_form_defaults_and_sparql(
    client: FlaskClient, seed_settings: Settings
) -> None:
    query = find_query(PROJECT_ROOT / "queries", "measures-of-section")
    assert query is not None
    page = client.get("/queries/measures-of-section").get_data(as_text=True)
    assert query.description in page
    # the default, with {base} replaced by the configured base
    assert f'name="section" value="{section_iri(seed_settings, "koseki")}"' in page
    # the SPARQL that ran, its values bound in a VALUES block
    assert "mkg:Contribution" in page
    koseki = section_iri(seed_settings, "koseki")
    assert f"VALUES (?section) {{ (&lt;{koseki}&gt;) }}" in page
    for fmt in ("json", "csv", "xlsx"):
        assert f'href="/queries/measures-of-section.{fmt}"' in page


def test_iris_are_links_and_literals_plain_text(client: FlaskClient) -> None:
    page = client.get("/queries/measures-of-area").get_data(as_text=True)
    iri = "http://127.0.0.1:8000/id/minami/2022/measure/gensai-01"
    assert f'<a href="{iri}" title="{iri}">id/minami/2022/measure/gensai-01</a>' in page
    assert '<span lang="ja">' in page  # a label, as text in its language


def test_document_text_is_escaped(app: Flask) -> None:
    query = find_query(PROJECT_ROOT / "queries", "sections-by-reach")
    with app.test_request_context("/queries/sections-by-reach"):
        page = render_template(
            "query.html",
            query=query,
            form={},
            links={"json": "j", "csv": "c", "xlsx": "x", "rq": "r"},
            columns=["text"],
            rows=[[Cell("<script>alert(1)</script>")]],
            sparql="SELECT",
        )
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- parameters ---------------------------------------------------------------------------


def test_parameter_form_changes_the_result(client: FlaskClient, seed_settings: Settings) -> None:
    koseki = client.get("/queries/measures-of-section.json").get_json()["rows"]
    somu_iri = section_iri(seed_settings, "somu")
    response = client.get("/queries/measures-of-section", query_string={"section": somu_iri})
    assert response.status_code == 200
    assert f'name="section" value="{somu_iri}"' in response.get_data(as_text=True)
    somu = client.get(
        "/queries/measures-of-section.json", query_string={"section": somu_iri}
    ).get_json()["rows"]
    assert somu and somu != koseki
    # {base} works in a value too, and an empty value means the default
    same = client.get(
        "/queries/measures-of-section.json",
        query_string={"section": "{base}id/minami/section/somu"},
    ).get_json()["rows"]
    assert same == somu
    empty = client.get("/queries/measures-of-section.json?section=").get_json()["rows"]
    assert empty == koseki


def test_a_bad_iri_is_a_400_page_with_the_message(client: FlaskClient) -> None:
    response = client.get("/queries/measures-of-section", query_string={"section": "not an iri"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "section: &#39;not an iri&#39; is not an IRI" in page
    assert 'name="section" value="not an iri"' in page  # the form keeps what was typed


def test_bad_values_answer_one_json_error_shape(client: FlaskClient) -> None:
    for url in (
        "/queries/measures-of-section.json?section=%3Cbad%3E",
        "/queries/measures-of-section.csv?section=%3Cbad%3E",
        "/queries/measures-of-area.xlsx?area=x%20y",
        "/queries/sections-by-reach.json?nosuch=1",
        "/queries/sections-by-reach?format=pdf",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        body = response.get_json()
        assert list(body) == ["error"] and body["error"], url


def test_unknown_query_is_404(client: FlaskClient) -> None:
    response = client.get("/queries/no-such-query")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "no-such-query" in page and 'href="/queries/sections-by-reach"' in page
    response = client.get("/queries/no-such-query.json")
    assert response.status_code == 404
    assert response.get_json() == {"error": "no canned query called 'no-such-query'"}
    assert client.get("/queries/..%2Fpyproject").status_code == 404


# --- the twins: JSON, CSV, xlsx -----------------------------------------------------------


def test_json_twin_shape(client: FlaskClient) -> None:
    for url in (
        "/queries/sections-by-reach.json",
        "/queries/sections-by-reach?format=json",
    ):
        data = client.get(url).get_json()
        assert set(data) == {"query", "columns", "rows"}
        assert data["query"] == "sections-by-reach"
        assert data["columns"] == ["section", "measures", "areas"]
        assert all(len(row) == 3 for row in data["rows"])
        assert all(isinstance(row[1], int) for row in data["rows"])
    by_accept = client.get("/queries/sections-by-reach", headers={"Accept": "application/json"})
    assert by_accept.get_json() == data
    assert "総務課" in {row[0] for row in data["rows"]}


def test_csv_has_a_bom_and_reads_back(client: FlaskClient) -> None:
    response = client.get("/queries/sections-by-reach.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="sections-by-reach.csv"')
    assert f"filename*=UTF-8''{quote('担う取組の多い課.csv')}" in disposition
    assert response.data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    data = client.get("/queries/sections-by-reach.json").get_json()
    # the open-data conventions: the local government code, an ID and its name come first
    assert rows[0] == ["全国地方公共団体コード", "ID", "地方公共団体名", *data["columns"]]
    assert [row[3:] for row in rows[1:]] == [[str(v) for v in row] for row in data["rows"]]
    assert {(row[0], row[2]) for row in rows[1:]} == {("141054", "横浜市南区")}
    assert [row[1] for row in rows[1:]] == [str(n) for n in range(1, len(rows))]
    assert "総務課" in {row[3] for row in rows[1:]}
    english = client.get("/queries/sections-by-reach.csv?header=en").data.decode("utf-8-sig")
    assert english.splitlines()[0] == ",".join(["code", "id", "name", *data["columns"]])
    assert client.get("/queries/sections-by-reach.csv?header=zz").status_code == 400


def test_csv_keeps_parameters(client: FlaskClient, seed_settings: Settings) -> None:
    somu_iri = section_iri(seed_settings, "somu")
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    "/queries/measures-of-section.csv", query_string={"section": somu_iri}
                ).data.decode("utf-8-sig")
            )
        )
    )
    somu = client.get(
        "/queries/measures-of-section.json", query_string={"section": somu_iri}
    ).get_json()
    assert len(rows) == len(somu["rows"]) + 1


def test_xlsx_opens_and_has_the_rows(client: FlaskClient) -> None:
    response = client.get("/queries/sections-by-reach.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert (
        f"filename*=UTF-8''{quote('担う取組の多い課.xlsx')}"
        in response.headers["Content-Disposition"]
    )
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "担う取組の多い課"
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    data = client.get("/queries/sections-by-reach.json").get_json()
    assert rows[0] == data["columns"]
    assert rows[1:] == data["rows"]
    assert client.get("/queries/sections-by-reach?format=xlsx").data[:2] == b"PK"


def test_xlsx_never_writes_a_formula() -> None:
    table = ResultTable(
        ["label", "count"],
        [
            [Literal('=HYPERLINK("http://evil.example","x")'), Literal("3", datatype=XSD.integer)],
            [Literal("+81 45"), Literal("-2", datatype=XSD.integer)],
            [Literal("-区民"), None],
            [Literal("@SUM(A1)"), Literal("ctl\x01char")],
            [NamedNode("http://example.org/a"), Literal("減災")],
        ],
    )
    book = load_workbook(io.BytesIO(table_xlsx(table, "試し: [テスト]", CREDIT)))
    sheet = book.active
    assert sheet.title == "試し_ (テスト)"
    cells = {cell.coordinate: cell for row in sheet.iter_rows() for cell in row}
    for coordinate in ("A2", "A3", "A4", "A5"):
        assert cells[coordinate].data_type == "s", coordinate
    assert cells["A2"].value == '\'=HYPERLINK("http://evil.example","x")'
    assert cells["A3"].value == "'+81 45"
    assert cells["A4"].value == "'-区民"
    assert cells["A5"].value == "'@SUM(A1)"
    assert cells["B2"].value == 3 and cells["B3"].value == -2  # numbers stay numbers
    assert cells["B5"].value == "ctlchar"  # a control character Excel refuses is dropped
    assert cells["A6"].value == "http://example.org/a" and cells["B6"].value == "減災"


def test_rq_twin_is_the_bound_query(client: FlaskClient, seed_settings: Settings) -> None:
    response = client.get("/queries/measures-of-section.rq")
    assert response.mimetype == "application/sparql-query"
    text = response.get_data(as_text=True)
    koseki = section_iri(seed_settings, "koseki")
    # first in the WHERE group, where it also narrows what an aggregate counts
    assert f"WHERE {{\n  VALUES (?section) {{ (<{koseki}>) }}\n" in text


def test_run_query_turns_ask_and_construct_into_tables(app: Flask) -> None:
    with app.app_context():
        ask = run_query("ASK { ?s a <https://w3id.org/minami-kg/def#Plan> }")
        triples = run_query(
            "CONSTRUCT { ?p a <https://w3id.org/minami-kg/def#Plan> }"
            " WHERE { ?p a <https://w3id.org/minami-kg/def#Plan> }"
        )
    assert ask.columns == ["boolean"] and ask.rows[0][0].value == "true"
    assert triples.columns == ["subject", "predicate", "object"] and len(triples.rows) >= 1


# --- the editor ---------------------------------------------------------------------------


def test_yasgui_assets_are_served_from_our_app(client: FlaskClient) -> None:
    response = client.get("/assets/yasgui/yasgui.min.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert b"Yasgui" in response.data[:2000]
    css = client.get("/assets/yasgui/yasgui.min.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert b"fonts.googleapis" not in css.data and b"@import" not in css.data
    script = client.get("/static/sparql.js")
    assert script.status_code == 200
    assert b"lov.linkeddata" in script.data  # named only to explain why its completers are off


@pytest.mark.parametrize(
    "path",
    [
        "/assets/yasgui/../../package.json",
        "/assets/yasgui/%2e%2e/%2e%2e/package.json",
        "/assets/yasgui/..%2F..%2Fpackage.json",
        "/assets/yasgui/../package.json",
        "/assets/yasgui/ts/src/index.d.ts",
        "/assets/yasgui/nothing.js",
    ],
)
def test_yasgui_assets_refuse_other_paths(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def render_editor(app: Flask, query: str | None) -> str:
    with app.test_request_context("/sparql"):
        return render_template(
            "sparql.html",
            query=query,
            endpoint="http://127.0.0.1:8000/sparql",
            prefixes=PREFIXES,
            examples=QUERIES,
        )


def editor_config(page: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="sparql-config">(.*?)</script>', page, re.S
    )
    assert match is not None
    return json.loads(match.group(1))


def test_editor_page_has_endpoint_prefixes_and_examples(app: Flask) -> None:
    page = render_editor(app, None)
    config = editor_config(page)
    assert config["endpoint"] == "http://127.0.0.1:8000/sparql"
    assert config["prefixes"] == PREFIXES
    assert config["query"] is None
    assert config["examples"] == [q.text for q in QUERIES]
    for query in QUERIES:
        assert query.title in page
    assert "https://w3id.org/minami-kg/def#" in page
    assert '/assets/yasgui/yasgui.min.js"' in page and '/assets/yasgui/yasgui.min.css"' in page
    assert "<noscript>" in page and 'method="post" action="http://127.0.0.1:8000/sparql"' in page
    # without a query, the fallback form starts with our prefixes
    assert "PREFIX mkg: &lt;https://w3id.org/minami-kg/def#&gt;" in page
    assert not re.search(r'src="(https?:)?//', page)  # nothing from a CDN


def test_editor_opens_a_given_query_safely(app: Flask) -> None:
    query = 'SELECT * WHERE { ?s ?p "</script><script>alert(1)</script>" } # </textarea><b>'
    page = render_editor(app, query)
    assert "<script>alert(1)</script>" not in page
    assert "</textarea><b>" not in page
    assert editor_config(page)["query"] == query
    assert "&lt;/textarea&gt;&lt;b&gt;" in page  # pre-filled in the fallback form too
