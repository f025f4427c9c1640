"""Many plans in one store: canned queries by ward and year, `/plans`, and links that keep the plan.

The store holds four plans of three wards: the seed (minami/2022), Kohoku's
FY2024 (tests/fixtures/plans) and the fixture ward 架空区's FY2023 and FY2024
(tests/fixtures/years), whose sections are shared across its two years.
Every number is checked against a count of our own, written here as plain
SPARQL over the same store, not read back from the code under test.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import NamedNode, QuerySolutions

from minami_kg.build import build
from minami_kg.cli import main
from minami_kg.config import PROJECT_ROOT, Settings
from minami_kg.queries import CannedQuery, QueryParameterError, canned_queries, find_query
from minami_kg.server import create_app
from minami_kg.store import EmbeddedStore

from .conftest import FIXTURES, settings_for
from .oxigraph_server import OxigraphServer

BASE = Settings().base
PLANS = {"minami/2022", "kohoku/2024", "kaku/2023", "kaku/2024"}
PREFIXES = """
PREFIX mkg: <https://w3id.org/minami-kg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
QUERIES = canned_queries(PROJECT_ROOT / "queries")
BY_WARD_AND_YEAR = [q for q in QUERIES if {"ward", "fy"} <= {p.name for p in q.parameters}]
SELECTIONS = [
    {},
    {"ward": "kaku"},
    {"fy": "2024"},
    {"ward": "kaku", "fy": "2023"},
    {"ward": "minami", "fy": "2022"},
    {"ward": "kohoku", "fy": "2022"},  # a ward without a plan that year: nothing
]


def documents(root: Path) -> Path:
    """The four plans as `data/sources/` holds them, one `<ward>/<fy>/` folder each."""
    shutil.copytree(PROJECT_ROOT / "data" / "sources" / "minami", root / "minami")
    shutil.copytree(FIXTURES / "years" / "kaku", root / "kaku")
    (root / "kohoku" / "2024").mkdir(parents=True)
    shutil.copy(FIXTURES / "plans" / "kohoku-r6.txt", root / "kohoku" / "2024" / "kohoku-r6.txt")
    return root


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    sources = documents(tmp_path_factory.mktemp("documents"))
    settings = settings_for(tmp_path_factory.mktemp("many") / "store").with_changes(sources=sources)
    result = build(settings)
    built = {f"{p.document.ward}/{p.document.fiscal_year}" for p in result.plans}
    assert built == PLANS
    return settings


@pytest.fixture(scope="module")
def store(many: Settings) -> EmbeddedStore:
    return EmbeddedStore(many.store)


@pytest.fixture(scope="module")
def app(many: Settings) -> Flask:
    return create_app(many)


@pytest.fixture
def web(app: Flask) -> FlaskClient:
    """A client of its own per test: a language chosen by one test stays in its cookie."""
    return app.test_client()


def select(store: EmbeddedStore, sparql: str) -> list[dict[str, str]]:
    result = store.query(PREFIXES + sparql)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def count(store: EmbeddedStore, sparql: str) -> int:
    return int(select(store, sparql)[0]["n"])


def things(store: EmbeddedStore, where: str) -> int:
    """How many distinct `?x` match the pattern."""
    return count(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}")


def rows(store: EmbeddedStore, query: CannedQuery, **values: str) -> list[tuple[str, ...]]:
    result = store.query(query.bound(values, BASE))
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [tuple(row[n].value if row[n] is not None else "" for n in names) for row in result]


def canned(name: str) -> CannedQuery:
    query = find_query(PROJECT_ROOT / "queries", name)
    assert query is not None, name
    return query


def chosen(selection: dict[str, str]) -> str:
    """A VALUES list of the plans a selection means, from their IRIs (our own reading)."""
    keys = [
        k
        for k in sorted(PLANS)
        if selection.get("ward", k.split("/")[0]) == k.split("/")[0]
        and selection.get("fy", k.split("/")[1]) == k.split("/")[1]
    ]
    return "VALUES ?plan { " + " ".join(str(NamedNode(f"{BASE}id/{k}")) for k in keys) + " }"


# --- canned queries -----------------------------------------------------------------------


def test_every_query_about_plans_takes_ward_and_year() -> None:
    names = {q.name for q in BY_WARD_AND_YEAR}
    assert names == {q.name for q in QUERIES} - {
        "measures-of-area",
        "measures-of-section",
        "topic-scheme",
    }
    assert [p.name for p in canned("measures-of-section").parameters] == ["section", "fy"]
    for query in BY_WARD_AND_YEAR:
        kinds = {p.name: (p.type, p.default) for p in query.parameters}
        assert kinds["ward"] == ("ward", None) and kinds["fy"] == ("year", None), query.name


def test_without_values_the_query_is_the_file(store: EmbeddedStore) -> None:
    for query in BY_WARD_AND_YEAR:
        assert query.bound({}, BASE) == query.text
        assert query.bound({"ward": "", "fy": " "}, BASE) == query.text  # empty means every


def test_values_are_typed_terms_first_in_the_where_group() -> None:
    text = canned("links-by-method").bound({"ward": "kaku", "fy": "2023"}, BASE)
    year = '"2023"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    block = f"VALUES (?ward ?fy) {{ (<{BASE}id/kaku> {year}) }}"
    assert f"WHERE {{\n  {block}\n" in text
    for bad in ({"ward": "../x"}, {"ward": "Kaku"}, {"fy": "22"}, {"fy": "2022 }"}):
        with pytest.raises(QueryParameterError):
            canned("links-by-method").bound(bad, BASE)


def test_on_the_seed_its_own_plan_changes_nothing_and_another_gives_nothing(
    seed_store: EmbeddedStore,
) -> None:
    for query in BY_WARD_AND_YEAR:
        everything = rows(seed_store, query)
        assert rows(seed_store, query, ward="minami", fy="2022") == everything, query.name
        assert rows(seed_store, query, ward="minami") == everything, query.name
        assert rows(seed_store, query, ward="kohoku") == [], query.name
        assert rows(seed_store, query, fy="2021") == [], query.name
    section = canned("measures-of-section")
    assert rows(seed_store, section, fy="2022") == rows(seed_store, section)
    assert rows(seed_store, section, fy="2023") == []


# One row per thing of the plans chosen: our own pattern for those things (`?x`).
PER_ROW = {
    "measures-by-area": "?x a mkg:Measure ; mkg:inPlan ?plan",
    "priority-areas": "?plan mkg:hasFocusArea ?x",
    "section-goals": "?x a mkg:SectionGoal ; mkg:inPlan ?plan",
    "candidate-links": "?x a mkg:Contribution ; mkg:accepted false ; mkg:inPlan ?plan",
    "measures-without-section": """?x a mkg:Measure ; mkg:inPlan ?plan
        FILTER NOT EXISTS { ?s mkg:contributesTo ?x }""",
    "flagged-items": "?x mkg:flag ?f ; mkg:inPlan ?plan",
    "topics-by-section": """?g a mkg:SectionGoal ; mkg:inPlan ?plan ; dcterms:subject ?t
        BIND(CONCAT(STR(?g), " ", STR(?t)) AS ?x)""",
}


@pytest.mark.parametrize("selection", SELECTIONS, ids=lambda s: "&".join(s.values()) or "all")
def test_rows_are_those_of_the_plans_chosen(
    store: EmbeddedStore, selection: dict[str, str]
) -> None:
    for name, sparql in PER_ROW.items():
        found = rows(store, canned(name), **selection)
        assert len(found) == things(store, f"{chosen(selection)} {sparql}"), (name, selection)


@pytest.mark.parametrize("selection", SELECTIONS, ids=lambda s: "&".join(s.values()) or "all")
def test_counts_are_those_of_the_plans_chosen(
    store: EmbeddedStore, selection: dict[str, str]
) -> None:
    by_method = rows(store, canned("links-by-method"), **selection)
    plans = chosen(selection)
    links = things(store, f"{plans} ?x a mkg:Contribution ; mkg:inPlan ?plan")
    assert sum(int(r[2]) for r in by_method) == links
    # sections: each counted with the measures it carries in the plans chosen
    reach = rows(store, canned("sections-by-reach"), **selection)
    carried = things(
        store,
        f"""{plans} ?s mkg:contributesTo ?m . ?m mkg:inPlan ?plan .
        BIND(CONCAT(STR(?s), " ", STR(?m)) AS ?x)""",
    )
    assert sum(int(r[1]) for r in reach) == carried


def test_sections_keep_apart_across_wards_and_count_one_ward_and_year(store: EmbeddedStore) -> None:
    reach = rows(store, canned("sections-by-reach"))
    sections = count(store, "SELECT (COUNT(?s) AS ?n) WHERE { ?s a mkg:Section }")
    assert len(reach) == sections  # one row per section IRI, even when two wards share a name
    kaku = rows(store, canned("sections-by-reach"), ward="kaku", fy="2024")
    expected = select(
        store,
        f"""SELECT ?label (COUNT(DISTINCT ?m) AS ?n) WHERE {{
          ?s a mkg:Section ; org:unitOf <{BASE}id/kaku> ; skos:prefLabel ?label .
          FILTER(lang(?label) = "ja")
          OPTIONAL {{ ?s mkg:contributesTo ?m . ?m mkg:inPlan <{BASE}id/kaku/2024> }}
        }} GROUP BY ?s ?label""",
    )
    assert sorted((r[0], int(r[1])) for r in kaku) == sorted(
        (r["label"], int(r["n"])) for r in expected
    )


def test_cli_takes_ward_and_year(many: Settings, store: EmbeddedStore) -> None:
    runner = CliRunner()
    args = ["query", "section-goals", "--format", "json", "--store", str(many.store)]
    result = runner.invoke(main, [*args, "--param", "ward=kaku", "--param", "fy=2023"])
    assert result.exit_code == 0, result.output
    goals = things(store, f"?x mkg:inPlan <{BASE}id/kaku/2023> ; a mkg:SectionGoal")
    assert len(re.findall(r'"goal"', result.output)) == goals
    bad = runner.invoke(main, [*args, "--param", "fy=R5"])
    assert bad.exit_code != 0 and "fy" in bad.output


def test_query_page_offers_the_wards_and_years(web: FlaskClient, store: EmbeddedStore) -> None:
    page = web.get("/queries/measures-by-area?ward=kaku&fy=2023").text
    assert '<select id="param-ward" name="ward">' in page
    assert '<option value="kaku" selected>架空区 (kaku)</option>' in page
    assert '<option value="kohoku">港北区 (kohoku)</option>' in page
    assert '<option value="2023" selected>2023</option>' in page
    assert '<option value="">すべての年度</option>' in page
    as_json = web.get("/queries/measures-by-area.json?ward=kaku&fy=2023").get_json()
    assert len(as_json["rows"]) == count(
        store,
        f"SELECT (COUNT(?m) AS ?n) WHERE {{ ?m a mkg:Measure ; mkg:inPlan <{BASE}id/kaku/2023> }}",
    )
    assert (
        web.get("/queries/measures-by-area.json?fy=").get_json()["rows"]
        == (web.get("/queries/measures-by-area.json").get_json()["rows"])
    )
    bad = web.get("/queries/measures-by-area.json?ward=../../x")
    assert bad.status_code == 400 and "ward" in bad.get_json()["error"]
    assert web.get("/queries/measures-by-area?fy=twenty").status_code == 400
    listed = web.get("/queries.json").get_json()["queries"]
    params = {q["name"]: [p["name"] for p in q["parameters"]] for q in listed}
    assert params["sections-by-reach"] == ["ward", "fy"]


# --- /plans -------------------------------------------------------------------------------


def test_plans_lists_every_plan_with_its_counts(web: FlaskClient, store: EmbeddedStore) -> None:
    listed = web.get("/plans?format=json").get_json()["plans"]
    assert [p["key"] for p in listed] == ["kaku/2024", "kaku/2023", "kohoku/2024", "minami/2022"]
    for plan in listed:
        iri = f"<{BASE}id/{plan['key']}>"
        assert plan["iri"] == f"{BASE}id/{plan['key']}"
        assert plan["counts"] == {
            "measures": things(store, f"?x a mkg:Measure ; mkg:inPlan {iri}"),
            "sections": things(store, f"?g a mkg:SectionGoal ; mkg:inPlan {iri} ; mkg:goalOf ?x"),
            "links": things(store, f"?x a mkg:Contribution ; mkg:accepted true ; mkg:inPlan {iri}"),
            "candidates": things(
                store, f"?x a mkg:Contribution ; mkg:accepted false ; mkg:inPlan {iri}"
            ),
        }, plan["key"]
        assert plan["counts"]["measures"] > 0 and plan["counts"]["sections"] > 0
    by_key = {p["key"]: p for p in listed}
    assert by_key["kaku/2024"]["previous"] == "2023"
    assert by_key["kaku/2024"]["links"]["diff"] == "/diff/kaku/2023/2024"
    assert by_key["kaku/2023"]["links"]["diff"] is None
    assert by_key["minami/2022"]["ward_label"] == "南区"
    assert by_key["minami/2022"]["links"] == {
        "home": "/?plan=minami/2022",
        "sections": "/sections?plan=minami/2022",
        "matrix": "/matrix?plan=minami/2022",
        "source": "/source/minami/2022",
        "reading": "/plans/minami/2022/reading",
        "page": "/page/minami/2022",
        "diff": None,
        "measuresCsv": "/plans/minami/2022/measures.csv",
        "sectionsCsv": "/plans/minami/2022/sections.csv",
        "linksCsv": "/plans/minami/2022/links.csv",
    }


def test_every_link_of_plans_opens_on_its_plan(web: FlaskClient) -> None:
    for plan in web.get("/plans?format=json").get_json()["plans"]:
        links, key = plan["links"], plan["key"]
        assert web.get(links["home"] + "&format=json").get_json()["current"] == key
        assert web.get(links["sections"] + "&format=json").get_json()["plan"] == key
        matrix = web.get(links["matrix"] + "&format=json")
        assert matrix.status_code == 200 and key in matrix.text
        source = web.get(links["source"])
        assert source.status_code == 200 and plan["title"] in source.text
        assert web.get(links["page"]).status_code == 200
        if links["diff"]:
            assert web.get(links["diff"] + "?format=json").status_code == 200
        for table in ("measures", "sections", "links"):
            csv_file = web.get(links[f"{table}Csv"])
            assert csv_file.status_code == 200, (key, table)
            assert csv_file.data.decode("utf-8-sig").startswith("全国地方公共団体コード,ID,")


def test_plans_page(web: FlaskClient) -> None:
    response = web.get("/plans")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.text
    assert page.count('<tr class="plan"') == len(PLANS)
    assert '<a href="/?plan=kohoku/2024">令和6年度 港北区運営方針</a>' in page
    assert '<a href="/diff/kaku/2023/2024">前年度（2023）との違い</a>' in page
    assert '<a href="/matrix?plan=kaku/2023">課×取組</a>' in page
    assert "Changes since 2023" in web.get("/plans?lang=en").text
    assert 'rel="alternate"' in response.headers["Link"]
    assert web.get("/plans", headers={"Accept": "application/json"}).is_json


# --- links keep the plan ------------------------------------------------------------------


def test_home_links_to_the_views_of_the_same_plan(web: FlaskClient) -> None:
    page = web.get("/?plan=kaku/2023").text
    assert '<a href="/plans">' in page
    assert 'href="/matrix?plan=kaku/2023"' in page
    assert 'href="/sections?plan=kaku/2023"' in page
    assert 'href="/compare?plan=kaku/2023"' in page
    assert 'href="/sections/kaku/somu?plan=kaku/2023"' in page
    assert '<a href="/plans">' in web.get("/").text


def test_section_page_links_within_its_plan(web: FlaskClient) -> None:
    page = web.get("/sections/kaku/somu?plan=kaku/2023").text
    assert 'href="/matrix?section=kaku%2Fsection%2Fsomu&amp;plan=kaku%2F2023"' in page
    assert 'href="/compare?a=kaku/section/somu&amp;plan=kaku/2023"' in page
    assert 'href="/sections?plan=kaku/2023"' in page
    shares = re.findall(r'href="(/compare\?a=[^"]+&amp;b=[^"]+)"', page)
    assert shares and all(href.endswith("&amp;plan=kaku/2023") for href in shares)
    # without ?plan= the page shows its ward's newest plan, and the matrix link names it
    newest = web.get("/sections/kaku/somu").text
    assert 'href="/matrix?section=kaku%2Fsection%2Fsomu&amp;plan=kaku%2F2024"' in newest
    # the years of its ward, to switch between; the one shown is marked
    assert '<a href="/sections/kaku/somu?plan=kaku/2024">2024</a>' in page
    assert '<strong aria-current="page">2023</strong>' in page
    matrix = web.get("/matrix?section=kaku%2Fsection%2Fsomu&plan=kaku%2F2023&format=json")
    assert matrix.status_code == 200


# --- sections are shared across years -----------------------------------------------------


def test_a_section_is_one_iri_with_a_goal_for_each_year(
    store: EmbeddedStore, web: FlaskClient
) -> None:
    somu = f"{BASE}id/kaku/section/somu"
    goals = select(
        store,
        f"""SELECT ?goal ?fy WHERE {{
          ?goal a mkg:SectionGoal ; mkg:goalOf <{somu}> ; mkg:inPlan/mkg:fiscalYear ?fy }}""",
    )
    assert sorted(g["fy"] for g in goals) == ["2023", "2024"]
    assert {g["goal"] for g in goals} == {
        f"{BASE}id/kaku/2023/goal/somu",
        f"{BASE}id/kaku/2024/goal/somu",
    }
    kaku_sections = select(
        store, f"SELECT ?s WHERE {{ ?s a mkg:Section ; org:unitOf <{BASE}id/kaku> }}"
    )
    assert len({r["s"] for r in kaku_sections}) == len(kaku_sections)
    assert all("/2023/" not in r["s"] and "/2024/" not in r["s"] for r in kaku_sections)
    pages = {
        fy: web.get(f"/sections/kaku/somu?plan=kaku/{fy}&format=json").get_json()
        for fy in ("2023", "2024")
    }
    assert {p["iri"] for p in pages.values()} == {somu}
    assert pages["2023"]["goal"]["iri"].endswith("/2023/goal/somu")
    assert pages["2024"]["goal"]["iri"].endswith("/2024/goal/somu")
    both = rows(store, canned("section-goals"), ward="kaku")
    years = sorted(r[1] for r in both if r[0] == "総務課")
    assert years == ["2023", "2024"]


# --- the same over a remote SPARQL server ---------------------------------------------------


@pytest.fixture(scope="module")
def remote_many(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The four plans built into a real `oxigraph serve` (dumps and index in a folder of ours)."""
    server = OxigraphServer(tmp_path_factory.mktemp("remote-many") / "oxigraph")
    server.start()
    try:
        settings = server.settings().with_changes(
            store=tmp_path_factory.mktemp("remote-files") / "store"
        )
        build(settings, documents(tmp_path_factory.mktemp("remote-documents")))
        yield settings
    finally:
        server.stop()


def test_remote_backend_gives_the_same_plans_and_queries(
    remote_many: Settings, web: FlaskClient
) -> None:
    there = create_app(remote_many).test_client()
    for url in (
        "/plans?format=json",
        "/queries/sections-by-reach.json?ward=kaku&fy=2024",
        "/queries/links-by-method.json?fy=2024",
        "/queries/measures-by-area.json",
        "/?plan=kaku/2023&format=json",
    ):
        answer = there.get(url)
        assert answer.status_code == 200, (url, answer.text[:300])
        assert answer.get_json() == web.get(url).get_json(), url
