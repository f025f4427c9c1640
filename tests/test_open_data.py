"""Issue 21: CSV as Japanese open-data portals expect it, and the licence in every export.

Every CSV (a plan's measures, sections and links; every canned query) starts with
the 全国地方公共団体コード, an ID and the local government's name, is UTF-8 with a
BOM and has one header row; every xlsx carries an 出典・利用条件 sheet; the
DCAT description, /dataset, the footer of the pages and the dumps' README carry
the licence and the 出典 and 加工 lines, all from the one `licence` setting.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from pyoxigraph import NamedNode, RdfFormat, parse
from werkzeug.test import TestResponse

from minami_kg.build import BuildResult
from minami_kg.config import PROJECT_ROOT, Settings
from minami_kg.publish.attribution import SHEET_TITLE, Attribution, SourceCredit
from minami_kg.queries import canned_queries
from minami_kg.server import create_app

CC_BY = "https://creativecommons.org/licenses/by/4.0/"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
TITLE = "令和4年度 南区運営方針"
SOURCE_JA = f"出典：「{TITLE}」（横浜市南区）"
EDITED_JA = f"「{TITLE}」（横浜市南区）を加工して作成"
CODE_COLUMNS = ["全国地方公共団体コード", "ID", "地方公共団体名"]
QUERIES = canned_queries(PROJECT_ROOT / "queries")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_rows(response: TestResponse) -> list[list[str]]:
    assert response.status_code == 200, response.data[:300]
    assert response.data.startswith(codecs.BOM_UTF8)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def licence_link(response: TestResponse) -> None:
    links = response.headers.getlist("Link")
    assert f'<{CC_BY}>; rel="license"' in links, links
    assert any('dataset>; rel="describedby"' in link for link in links), links


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["measures", "sections", "links"])
def test_a_plans_tables_start_with_the_local_government(client: FlaskClient, table: str) -> None:
    response = client.get(f"/plans/minami/2022/{table}.csv")
    rows = csv_rows(response)
    assert rows[0][:3] == CODE_COLUMNS
    assert len(rows) > 5
    assert {tuple(row[:1] + row[2:3]) for row in rows[1:]} == {("141054", "横浜市南区")}
    ids = [row[1] for row in rows[1:]]
    assert len(set(ids)) == len(ids) and all(i.startswith("minami/") for i in ids)
    assert "attachment" in response.headers["Content-Disposition"]
    licence_link(response)
    # the JSON twin holds the same rows, with both header rows
    data = client.get(f"/plans/minami/2022/{table}.json").get_json()
    assert data["columns"] == rows[0] and data["columnsEn"][:3] == ["code", "id", "name"]
    assert [[("" if v is None else str(v)) for v in row] for row in data["rows"]] == rows[1:]
    english = csv_rows(client.get(f"/plans/minami/2022/{table}.csv?header=en"))
    assert english[0] == data["columnsEn"] and english[1:] == rows[1:]


def test_the_measures_table_names_the_sections_that_carry_each(client: FlaskClient) -> None:
    rows = csv_rows(client.get("/plans/minami/2022/measures.csv"))
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert first["ID"] == "minami/2022/measure/gensai-01" and first["取組番号"] == "1"
    assert first["URI"].endswith("/id/minami/2022/measure/gensai-01")
    assert any(row[header.index("担う課")] for row in rows[1:])


def test_a_plans_tables_refuse_what_does_not_exist(client: FlaskClient) -> None:
    assert client.get("/plans/minami/1999/measures.csv").status_code == 404
    assert client.get("/plans/minami/2022/partners.csv").status_code == 404
    assert client.get("/plans/minami/2022/measures.xml").status_code == 404
    assert client.get("/plans/minami/2022/measures.csv?header=fr").status_code == 400
    # a ward or year that cannot be an address: refused, never spliced into a query
    for bad in ("mi%3Enami/2022", "mi%20nami/2022", "minami/20x22", "minami%7D/2022"):
        for table in ("measures.csv", "links.json"):
            response = client.get(f"/plans/{bad}/{table}")
            assert response.status_code == 400, (bad, table)
            assert response.get_json()["error"]


def test_the_sections_of_a_measure_are_listed_in_name_order(client: FlaskClient) -> None:
    rows = csv_rows(client.get("/plans/minami/2022/measures.csv"))
    column = rows[0].index("担う課")
    shared = [row[column].split("、") for row in rows[1:] if "、" in row[column]]
    assert shared and all(names == sorted(names) for names in shared)


@pytest.mark.parametrize("query", [q.name for q in QUERIES])
def test_every_canned_query_csv_starts_with_the_local_government(
    client: FlaskClient, query: str
) -> None:
    response = client.get(f"/queries/{query}.csv")
    rows = csv_rows(response)
    columns = client.get(f"/queries/{query}.json").get_json()["columns"]
    assert rows[0] == CODE_COLUMNS + columns
    for number, row in enumerate(rows[1:], start=1):
        # the seed holds one ward: every row is Minami's, numbered in order
        assert row[:3] == ["141054", str(number), "横浜市南区"], row
    licence_link(response)


# ---------------------------------------------------------------------------------------------
# The licence and the sources, everywhere
# ---------------------------------------------------------------------------------------------


def attribution_sheet(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data))
    assert SHEET_TITLE in book.sheetnames
    sheet = book[SHEET_TITLE]
    return "\n".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)


@pytest.mark.parametrize(
    "path",
    ["/matrix.xlsx?plan=minami/2022", "/matrix.xlsx?plan=minami/2022&lang=en"]
    + [f"/queries/{q.name}.xlsx" for q in QUERIES],
)
def test_every_xlsx_has_a_sheet_with_the_licence_and_sources(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == XLSX
    text = attribution_sheet(response.data)
    for expected in (CC_BY, SOURCE_JA, EDITED_JA, "Source: “令和4年度 南区運営方針”"):
        assert expected in text, expected
    assert "横浜市南区が作成したものではありません" in text


def test_the_dataset_description_carries_the_licence_and_the_attribution(
    client: FlaskClient,
) -> None:
    body = client.get("/dataset?format=nt").data
    triples = list(parse(body, format=RdfFormat.N_TRIPLES))
    dct = "http://purl.org/dc/terms/"

    def objects(predicate: str) -> list:
        return [t.object for t in triples if t.predicate == NamedNode(dct + predicate)]

    assert NamedNode(CC_BY) in objects("license")
    rights = set(objects("rights"))
    assert len(rights) == 1
    statements = [
        t.object.value
        for t in triples
        if t.subject in rights and t.predicate.value.endswith("#label")
    ]
    ja = next(s for s in statements if "出典" in s)
    assert SOURCE_JA in ja and EDITED_JA in ja and CC_BY in ja
    assert any("Created by editing" in s for s in statements)
    # each plan's dataset names its source: its URL, or the copy we read when there is none
    sources = {o.value for o in objects("source")}
    assert sources == {"http://127.0.0.1:8000/id/minami/2022/document"}
    turtle = client.get("/dataset", headers={"Accept": "text/turtle"}).data.decode()
    assert "dcterms:license" in turtle and "を加工して作成" in turtle


def test_the_dataset_page_and_every_footer_credit_the_sources(client: FlaskClient) -> None:
    page = client.get("/dataset?format=html").data.decode()
    assert 'id="attribution"' in page and SOURCE_JA in page and EDITED_JA in page
    assert f'rel="license" href="{CC_BY}"' in page
    for path in ("/", "/plans", "/sections", "/matrix", "/queries", "/ontology", "/no-such-page"):
        html = client.get(path, headers={"Accept": "text/html"}).data.decode()
        footer = html[html.index("<footer") :]
        assert CC_BY in footer and SOURCE_JA in footer and EDITED_JA in footer, path
    english = client.get("/?lang=en").data.decode()
    footer = english[english.index("<footer") :]
    assert "Creative Commons Attribution 4.0" in footer and "Created by editing" in footer


def test_the_dumps_readme_carries_the_licence_and_sources(
    client: FlaskClient, seed_settings: Settings, seed_build: BuildResult
) -> None:
    listing = client.get("/download/").get_json()
    assert listing["readme"].endswith("/download/README.md")
    response = client.get("/download/README.md")
    assert response.status_code == 200 and response.mimetype == "text/markdown"
    text = response.data.decode("utf-8")
    for expected in (CC_BY, SOURCE_JA, EDITED_JA, "minami-kg.nq.gz"):
        assert expected in text, expected
    assert (seed_settings.dumps_dir / "README.md").read_text(encoding="utf-8") == text


def test_one_setting_changes_the_licence_everywhere(
    seed_settings: Settings, seed_build: BuildResult, tmp_path: Path
) -> None:
    app = create_app(seed_settings.with_changes(licence=CC0, publisher="試験局"))
    client = app.test_client()
    turtle = client.get("/dataset?format=nt").data.decode()
    assert f"<{CC0}>" in turtle and CC_BY not in turtle
    footer = client.get("/").data.decode()
    assert "CC0 1.0" in footer and "試験局" in footer
    sheet = attribution_sheet(client.get("/queries/sections-by-reach.xlsx").data)
    assert CC0 in sheet and CC_BY not in sheet
    assert f'<{CC0}>; rel="license"' in client.get("/plans/minami/2022/links.csv").headers.getlist(
        "Link"
    )


# ---------------------------------------------------------------------------------------------
# The lines themselves
# ---------------------------------------------------------------------------------------------


def credit(*sources: SourceCredit) -> Attribution:
    return Attribution(licence=CC_BY, publisher="minami-kg", sources=sources)


SOURCE = SourceCredit(
    plan="p",
    document="d",
    title="令和5年度 中区運営方針",
    publisher="横浜市中区",
    url="https://www.city.yokohama.lg.jp/naka/example.pdf",
)


def test_the_source_line_names_title_publisher_and_url_and_the_edit_stands_apart() -> None:
    lines = credit(SOURCE).lines("ja")
    assert lines[1] == (
        "出典：「令和5年度 中区運営方針」（横浜市中区）（https://www.city.yokohama.lg.jp/naka/example.pdf）"
    )
    assert lines[2].endswith("を加工して作成") and not lines[2].startswith("出典")
    assert "横浜市中区が作成したものではありません" in lines[3]
    en = credit(SOURCE).lines("en")
    assert en[1].startswith("Source: “令和5年度 中区運営方針” (横浜市中区) (https://")
    assert "it was not made by 横浜市中区" in en[3]


def test_without_sources_there_is_no_edit_line_and_many_are_counted() -> None:
    assert credit().edited_line("ja") is None
    assert credit().lines("ja")[0].startswith("このデータセットはminami-kgが")
    many = credit(*[SOURCE] * 5)
    assert many.short_lines("ja")[0].startswith("出典：各区の区運営方針 5 件")
    assert len(credit(SOURCE).short_lines("en")) == 2


def test_an_unknown_licence_is_shown_as_its_iri() -> None:
    other = Attribution(licence="https://example.org/terms", publisher="x")
    assert other.licence_name("ja") == "https://example.org/terms"
