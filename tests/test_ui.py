"""Home, section pages, comparison and the English switch, over the seed store.

Every number a page shows is checked against a count of our own, written
here as plain SPARQL over the same store, not read back from the page's code.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import NamedNode, QuerySolutions

from minami_kg.build import build
from minami_kg.config import Settings
from minami_kg.server import create_app
from minami_kg.store import EmbeddedStore

from .conftest import FIXTURES, SEED, settings_for
from .remote_engines import RemoteServer

BASE = Settings().base
KOSEKI = "minami/section/koseki"
KODOMO = "minami/section/kodomo-katei-shien"
PREFIXES = """
PREFIX mkg: <https://w3id.org/minami-kg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


def select(store: EmbeddedStore, sparql: str, **bound: str) -> list[dict[str, str]]:
    """Our own query; `$name` in it is replaced by the IRI given as `name`."""
    for name, iri in bound.items():
        sparql = sparql.replace(f"${name}", str(NamedNode(iri)))
    result = store.query(PREFIXES + sparql)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def html(client: FlaskClient, url: str, **kwargs: object) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def carried(store: EmbeddedStore) -> dict[str, set[str]]:
    """Section IRI → the measures it carries (accepted links), by our own query."""
    found: dict[str, set[str]] = {}
    for row in select(
        store,
        "SELECT ?s ?m WHERE { ?c a mkg:Contribution ; mkg:accepted true ;"
        " mkg:section ?s ; mkg:measure ?m }",
    ):
        found.setdefault(row["s"], set()).add(row["m"])
    return found


def shared_counts(store: EmbeddedStore) -> Counter[tuple[str, str]]:
    by_section = carried(store)
    return Counter(
        {
            (a, b): len(by_section[a] & by_section[b])
            for a, b in combinations(sorted(by_section), 2)
            if by_section[a] & by_section[b]
        }
    )


def key(iri: str) -> str:
    return iri.removeprefix(BASE + "id/")


# --- home ---------------------------------------------------------------------------------


def test_home_shows_the_plan_at_a_glance(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    page = html(client, "/")
    (goal,) = select(
        seed_store,
        "SELECT ?l WHERE { ?p a mkg:Plan ; mkg:hasBasicGoal/skos:prefLabel ?l"
        ' FILTER(lang(?l) = "ja") }',
    )
    assert f"<strong>{goal['l']}</strong>" in page
    # each focus area with its number of measures, priority ones marked, expandable
    areas = select(
        seed_store,
        "SELECT ?label ?priority (COUNT(?m) AS ?n) WHERE {"
        " ?a a mkg:FocusArea ; skos:prefLabel ?label ; mkg:isPriority ?priority"
        ' FILTER(lang(?label) = "ja")'
        " ?m mkg:inFocusArea ?a } GROUP BY ?label ?priority",
    )
    assert len(areas) == 6
    for area in areas:
        shown = re.search(
            rf'<summary><span class="area-name">{re.escape(area["label"])}</span>\s*'
            rf'(<span class="priority">重点</span>)?\s*<span class="count">(\d+) 施策</span>',
            page,
        )
        assert shown, area
        assert int(shown.group(2)) == int(area["n"])
        assert bool(shown.group(1)) == (area["priority"] == "true")
    assert page.count('<details class="area') == 6
    assert page.count('<li class="measure"><a href="/page/minami/2022/measure/') == 36
    # sections, each linked to its section page with the number of measures it carries
    by_section = carried(seed_store)
    sections = select(seed_store, "SELECT ?s WHERE { ?s a mkg:Section ; org:unitOf ?w }")
    assert page.count('<li class="section">') == len(sections) == 14
    for row in sections:
        slug = row["s"].rsplit("/", 1)[1]
        n = len(by_section.get(row["s"], ()))
        assert re.search(
            rf'<a href="/sections/minami/{slug}">[^<]+</a>\s*<span class="count">{n} 施策</span>',
            page,
        )
    # search box, graph and matrix
    assert '<form class="home-search" role="search" action="/search" method="get">' in page
    assert 'name="q"' in page and '<label for="home-q">' in page
    assert 'href="/graph"' in page and 'href="/matrix"' in page


def test_home_pairs_share_most_measures(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    expected = shared_counts(seed_store)
    data = client.get("/?format=json").get_json()
    pairs = data["pairs"]
    assert len(pairs) == min(10, len(expected))
    counts = [p["shared"] for p in pairs]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == max(expected.values())
    for pair in pairs:
        a, b = sorted((BASE + "id/" + pair["a"], BASE + "id/" + pair["b"]))
        assert pair["shared"] == expected[(a, b)]
        assert pair["href"] == f"/compare?a={pair['a']}&b={pair['b']}"
    # the HTML shows the same ten, each linked to the comparison
    page = html(client, "/")
    links = re.findall(r'<li class="pair"><a href="/compare\?a=([^&]+)&amp;b=([^"]+)">', page)
    assert links == [(p["a"], p["b"]) for p in pairs]
    shown = re.findall(r'<span class="count">(\d+) 施策を共有</span>', page)
    assert [int(n) for n in shown] == counts


def test_home_json_keeps_its_keys(client: FlaskClient) -> None:
    data = client.get("/", headers={"Accept": "application/json"}).get_json()
    (plan,) = data["plans"]
    assert {"iri", "title", "fiscal_year", "basic_goal", "areas"} <= plan.keys()
    assert data["current"] == "minami/2022"
    assert len(data["sections"]) == 14
    assert data["sections"][0]["href"].startswith("/sections/minami/")
    response = client.get("/")
    assert '<link rel="alternate" type="application/json" href="/?format=json">' in response.text
    assert 'rel="alternate"' in response.headers["Link"]


@pytest.fixture(scope="module")
def two_plans(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """An app over a store with two plans: the seed (2022) and Kohoku's (2024)."""
    documents = tmp_path_factory.mktemp("two-plans")
    shutil.copy(SEED, documents / SEED.name)
    shutil.copy(FIXTURES / "plans" / "kohoku-r6.txt", documents / "kohoku-r6.txt")
    settings = settings_for(tmp_path_factory.mktemp("two") / "store")
    build(settings, documents)
    yield create_app(settings).test_client()


def test_home_switches_between_plans(two_plans: FlaskClient) -> None:
    newest = two_plans.get("/?format=json").get_json()
    assert newest["current"] == "kohoku/2024"
    assert [p["fiscal_year"] for p in newest["plans"]] == ["2024", "2022"]
    page = html(two_plans, "/")
    assert '<nav class="plan-switch"' in page
    assert '<a href="/?plan=minami/2022">令和4年度 南区運営方針</a>' in page
    minami = two_plans.get("/?plan=minami/2022&format=json").get_json()
    assert minami["current"] == "minami/2022"
    assert all(s["key"].startswith("minami/") for s in minami["sections"])
    page = html(two_plans, "/?plan=minami/2022")
    assert "<h1>令和4年度 南区運営方針</h1>" in page
    assert 'href="/sections/minami/koseki?plan=minami/2022"' in page
    # a section page reads its own ward's newest plan, never another ward's
    assert two_plans.get("/sections/minami/koseki?format=json").get_json()["plan"]["key"] == (
        "minami/2022"
    )
    assert two_plans.get("/sections/minami/koseki?plan=kohoku/2024").status_code == 404


def test_home_rejects_a_bad_plan(client: FlaskClient) -> None:
    malformed = client.get("/?plan=../etc")
    assert malformed.status_code == 400 and "minami/2022" in malformed.text
    assert client.get("/?plan=x&format=json").get_json()["error"]
    unknown = client.get("/?plan=minami/1999")
    assert unknown.status_code == 404 and "minami/1999" in unknown.text


# --- sections -----------------------------------------------------------------------------


def test_sections_list_counts(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    by_section = carried(seed_store)
    candidates = Counter(
        row["s"]
        for row in select(
            seed_store,
            "SELECT DISTINCT ?s ?m WHERE { ?c a mkg:Contribution ; mkg:accepted false ;"
            " mkg:section ?s ; mkg:measure ?m }",
        )
    )
    data = client.get("/sections?format=json").get_json()
    assert data["plan"] == "minami/2022" and len(data["sections"]) == 14
    for s in data["sections"]:
        assert s["measures"] == len(by_section.get(s["iri"], ())), s["key"]
        assert s["candidates"] == candidates[s["iri"]], s["key"]
    assert sum(s["measures"] for s in data["sections"]) == 37
    page = html(client, "/sections")
    assert page.count('<tr class="section">') == 14
    assert '<a href="/sections/minami/koseki">戸籍課</a>' in page


def test_section_page(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    iri = BASE + "id/" + KOSEKI
    page = html(client, "/sections/minami/koseki")
    assert "<h1>戸籍課</h1>" in page
    (goal,) = select(
        seed_store,
        "SELECT ?text WHERE { ?g mkg:goalOf $s ; mkg:inPlan ?p ; mkg:goalStatement ?text }",
        s=iri,
    )
    assert goal["text"] in page
    assert 'href="/source/minami/2022?hl=130-132#L130"' in page
    # the measures it carries, each with method, score and a link to the evidence
    links = select(
        seed_store,
        "SELECT ?c ?m ?accepted WHERE { ?c a mkg:Contribution ; mkg:section $s ;"
        " mkg:measure ?m ; mkg:accepted ?accepted }",
        s=iri,
    )
    accepted = [r for r in links if r["accepted"] == "true"]
    candidates = [r for r in links if r["accepted"] == "false"]
    assert f'<h2 id="measures-h">担う施策 <small>({len(accepted)})</small></h2>' in page
    assert f'<h2 id="candidates-h">候補のリンク <small>({len(candidates)})</small></h2>' in page
    for row in links:
        assert f'href="/page/{key(row["c"])}">根拠</a>' in page
        assert f'href="/page/{key(row["m"])}"' in page
    assert "本文で明示 · スコア 1.00" in page  # steady-work-09 names 戸籍課
    # topics of its goal, sections it shares measures with
    topics = select(
        seed_store,
        "SELECT ?t WHERE { ?g mkg:goalOf $s ; dcterms:subject ?t }",
        s=iri,
    )
    for row in topics:
        assert f'href="/page/{key(row["t"])}"' in page
    shares = {
        (b if a == iri else a): n
        for (a, b), n in shared_counts(seed_store).items()
        if iri in (a, b)
    }
    shown = re.findall(
        r'<li class="share"><a href="/sections/minami/([^"]+)">[^<]+</a>:\s*'
        r'<a href="/compare\?a=minami/section/koseki&amp;b=minami/section/\1">(\d+) 施策を共有</a>',
        page,
    )
    assert {BASE + "id/minami/section/" + slug: int(n) for slug, n in shown} == shares
    assert [int(n) for _slug, n in shown] == sorted(shares.values(), reverse=True)
    # its other faces
    assert 'href="/page/minami/section/koseki"' in page
    assert (
        'href="/graph?focus=http%3A%2F%2F127.0.0.1%3A8000%2Fid%2Fminami%2Fsection%2Fkoseki"' in page
    )
    # the matrix of the plan the page shows, not the newest plan of any ward
    assert 'href="/matrix?section=minami%2Fsection%2Fkoseki&amp;plan=minami%2F2022"' in page


def test_section_partners(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    iri = BASE + "id/" + KODOMO
    partners = select(seed_store, "SELECT ?p WHERE { $s mkg:involves ?p }", s=iri)
    assert partners
    data = client.get(f"/sections/{KODOMO.replace('/section/', '/')}?format=json").get_json()
    assert sorted(p["iri"] for p in data["partners"]) == sorted(r["p"] for r in partners)
    assert data["measure_count"] == len(carried(seed_store)[iri])
    assert data["links"]["page"] == f"/page/{KODOMO}"


def test_unknown_section_is_404(client: FlaskClient) -> None:
    page = client.get("/sections/minami/no-such-section")
    assert page.status_code == 404 and "<h1>見つかりません</h1>" in page.text
    assert "minami/section/no-such-section" in page.text
    machine = client.get("/sections/minami/no-such-section?format=json")
    assert machine.status_code == 404 and machine.get_json()["error"]
    assert client.get("/sections/Minami/../koseki").status_code == 404


# --- comparison ---------------------------------------------------------------------------


def test_compare_side_by_side(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    by_section = carried(seed_store)
    a, b = BASE + "id/" + KOSEKI, BASE + "id/" + KODOMO
    data = client.get(f"/compare?a={KOSEKI}&b={KODOMO}&format=json").get_json()

    def measures(groups: list[dict]) -> set[str]:
        return {link["measure"]["iri"] for g in groups for link in g["links"]}

    both = {item["measure"]["iri"] for g in data["both"] for item in g["items"]}
    assert both == by_section[a] & by_section[b] and both
    assert measures(data["only_a"]) == by_section[a] - by_section[b]
    assert measures(data["only_b"]) == by_section[b] - by_section[a]
    assert data["same"] is False
    topics = [
        {
            r["t"]
            for r in select(
                seed_store, "SELECT ?t WHERE { ?g mkg:goalOf $s ; dcterms:subject ?t }", s=s
            )
        }
        for s in (a, b)
    ]
    assert set(data["shared_topics"]) == topics[0] & topics[1]
    page = html(client, f"/compare?a={KOSEKI}&b={KODOMO}")
    n_both, n_a, n_b = len(both), len(by_section[a] - both), len(by_section[b] - both)
    assert f"共通 {n_both} 施策、A のみ {n_a}、B のみ {n_b}" in page
    assert page.count('<span class="shared-mark">共通</span>') == 2 * len(topics[0] & topics[1])
    side_a = '<span class="side-letter">A</span> <a href="/sections/minami/koseki">戸籍課</a>'
    assert f'<h2 id="side-a-h">{side_a}</h2>' in page
    assert "子ども家庭総合支援拠点機能の充実" in page  # only B carries it


def test_compare_same_section(client: FlaskClient) -> None:
    page = html(client, f"/compare?a={KOSEKI}&b={KOSEKI}")
    assert "A と B は同じ課です" in page
    data = client.get(f"/compare?a={KOSEKI}&b={KOSEKI}&format=json").get_json()
    assert data["same"] is True and data["only_a"] == [] and data["only_b"] == []


def test_compare_form(client: FlaskClient) -> None:
    page = html(client, "/compare")
    for side in ("a", "b"):
        assert f'<label for="compare-{side}">' in page
        assert f'<select id="compare-{side}" name="{side}" required>' in page
    assert page.count('<option value="minami/section/') == 28
    chosen = html(client, f"/compare?a={KOSEKI}")
    assert f'<option value="{KOSEKI}" selected>戸籍課</option>' in chosen


@pytest.mark.parametrize(
    "query",
    [
        "a=koseki&b=minami/section/somu",
        "a=minami/section/nope&b=minami/section/somu",
        "a=minami/section/somu&b=<script>",
    ],
)
def test_compare_bad_values_are_400(client: FlaskClient, query: str) -> None:
    page = client.get(f"/compare?{query}")
    assert page.status_code == 400
    assert '<p class="error" role="alert">' in page.text and "<script>" not in page.text
    assert '<select id="compare-a"' in page.text  # the form to try again
    machine = client.get(f"/compare?{query}&format=json")
    assert machine.status_code == 400 and machine.get_json()["error"]


# --- resource pages lead to section pages -------------------------------------------------


def test_measure_page_lists_its_sections(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    measure = BASE + "id/minami/2022/measure/kodomo-01"
    rows = select(
        seed_store,
        "SELECT ?s ?accepted WHERE { ?c mkg:measure $m ; mkg:section ?s ; mkg:accepted ?accepted }",
        m=measure,
    )
    page = html(client, "/page/minami/2022/measure/kodomo-01")
    assert '<section id="sections">' in page
    for row in rows:
        assert f'href="/sections/{key(row["s"]).replace("/section/", "/")}"' in page
    assert page.count('<tr class="accepted">') == sum(r["accepted"] == "true" for r in rows)
    section = html(client, "/page/minami/section/koseki")
    assert '<p class="section-page"><a href="/sections/minami/koseki">' in section


# --- language -----------------------------------------------------------------------------

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}

# (path, an English UI string it must show, a Japanese one it must not, in English)
PAGES = [
    ("/", "Focus areas", "取組の分野"),
    ("/sections", "Candidates", "候補"),
    ("/sections/minami/koseki", "Measures it carries", "担う施策"),
    (f"/compare?a={KOSEKI}&b={KODOMO}", "Measures both carry", "両方が担う施策"),
    ("/compare", "Choose a section", "選んでください"),
    ("/queries", "Ready-made SPARQL questions", "よく使う問い"),
    ("/queries/measures-of-section", "Run", "実行"),
    ("/sparql", "Prefixes", "接頭辞"),
    ("/dataset", "Downloads", "ダウンロード"),
    (
        "/page/minami/2022/measure/kodomo-01",
        "Sections linked to this measure",
        "この取組に関わる課",
    ),
    ("/page/minami/2022/contribution/seikatsu-eisei/steady-work-04", "Section side", "課の側"),
    ("/source/minami/2022", "The plan&#39;s page", "運営方針のページ"),
]


@pytest.mark.parametrize(("path", "english", "japanese"), PAGES)
def test_english_page(app: Flask, path: str, english: str, japanese: str) -> None:
    sep = "&" if "?" in path else "?"
    page = html(app.test_client(), f"{path}{sep}lang=en", headers=BROWSER)
    assert '<html lang="en">' in page
    assert english in page and japanese not in page
    default = html(app.test_client(), path, headers=BROWSER)
    assert '<html lang="ja">' in default and japanese in default


def test_accept_language_and_cookie(app: Flask) -> None:
    client = app.test_client()
    english = {**BROWSER, "Accept-Language": "en-GB,en;q=0.9"}
    by_header = html(client, "/sections/minami/koseki", headers=english)
    assert '<html lang="en">' in by_header and "<h1>Family Registry Section</h1>" in by_header
    html(client, "/?lang=en", headers=BROWSER)  # the choice is remembered in a cookie
    for path in ("/compare", "/queries", "/dataset", "/page/minami/section/koseki"):
        assert '<html lang="en">' in html(client, path, headers=BROWSER), path
    html(client, "/dataset?lang=ja", headers=english)  # and an explicit choice wins
    assert '<html lang="ja">' in html(client, "/", headers=english)


# --- the same pages over a remote SPARQL server ---------------------------------------------


def test_remote_backend_gives_the_same_json(
    seeded_engine: RemoteServer,
    client: FlaskClient,
) -> None:
    remote = create_app(seeded_engine.settings()).test_client()
    for url in (
        "/?format=json",
        "/sections?format=json",
        "/sections/minami/koseki?format=json",
        f"/compare?a={KOSEKI}&b={KODOMO}&format=json",
    ):
        there = remote.get(url)
        assert there.status_code == 200, there.text[:300]
        assert there.get_json() == client.get(url).get_json(), url


def test_remote_home_page_renders(seeded_engine: RemoteServer, tmp_path: Path) -> None:
    page = create_app(seeded_engine.settings()).test_client().get("/")
    assert page.status_code == 200 and page.text.count('<li class="measure">') == 36
