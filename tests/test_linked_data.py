"""Dereferenceable IRIs, resource pages and the source view, over the seed store.

Everything runs through Flask's test client on the session's seed store; the
escaping test builds its own small store from an edited copy of the seed.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser

import pytest
import rdflib
from flask.testing import FlaskClient
from pyoxigraph import NamedNode, QuerySolutions

from minami_kg.build import build
from minami_kg.config import Settings
from minami_kg.readmodels.resources import PER_PAGE
from minami_kg.server import create_app
from minami_kg.store import EmbeddedStore

from .conftest import SEED, settings_for

MEASURE = "minami/2022/measure/gensai-01"
CONTRIBUTION = "minami/2022/contribution/seikatsu-eisei/steady-work-04"
SECTION = "minami/section/somu"
TOPIC = "topic/bousai"
PARTNER = "partner/gakko"
PLAN = "minami/2022"
RDF_TYPES = {
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
    "rdf": ("application/rdf+xml", "xml"),
}


def iri(settings: Settings, path: str) -> str:
    return f"{settings.base}id/{path}"


def page_text(client: FlaskClient, path: str, **kwargs: object) -> str:
    response = client.get(f"/page/{path}", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


# --- 1. dereferencing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "location"),
    [
        (None, f"/page/{MEASURE}"),
        ("*/*", f"/page/{MEASURE}"),
        ("text/html", f"/page/{MEASURE}"),
        ("application/xhtml+xml", f"/page/{MEASURE}"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", f"/page/{MEASURE}"),
        ("text/turtle", f"/data/{MEASURE}.ttl"),
        ("application/ld+json", f"/data/{MEASURE}.jsonld"),
        ("application/ld+json, application/json;q=0.9", f"/data/{MEASURE}.jsonld"),
        ("application/n-triples", f"/data/{MEASURE}.nt"),
        ("application/rdf+xml", f"/data/{MEASURE}.rdf"),
        ("text/turtle;q=0.5, application/rdf+xml", f"/data/{MEASURE}.rdf"),
        ("application/json", f"/page/{MEASURE}.json"),
    ],
)
def test_id_answers_303_by_accept(client: FlaskClient, accept: str | None, location: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get(f"/id/{MEASURE}", headers=headers)
    assert response.status_code == 303
    assert response.headers["Location"] == location
    assert "Accept" in response.headers["Vary"]
    link = response.headers["Link"]
    for media in ("text/html", "application/json", *(t for t, _ in RDF_TYPES.values())):
        assert f'rel="alternate"; type="{media}"' in link
    assert f"</data/{MEASURE}.ttl>" in link


@pytest.mark.parametrize(
    ("fmt", "location"),
    [
        ("html", f"/page/{PLAN}"),
        ("json", f"/page/{PLAN}.json"),
        ("ttl", f"/data/{PLAN}.ttl"),
        ("turtle", f"/data/{PLAN}.ttl"),
        ("jsonld", f"/data/{PLAN}.jsonld"),
        ("nt", f"/data/{PLAN}.nt"),
        ("rdf", f"/data/{PLAN}.rdf"),
    ],
)
def test_format_overrides_accept(client: FlaskClient, fmt: str, location: str) -> None:
    response = client.get(f"/id/{PLAN}?format={fmt}", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["Location"] == location
    assert "Accept" in response.headers["Vary"]


def test_nothing_acceptable_is_406(client: FlaskClient) -> None:
    response = client.get(f"/id/{PLAN}", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_json()["error"]
    assert client.get(f"/id/{PLAN}?format=pdf").status_code == 406


@pytest.mark.parametrize(
    "path",
    [
        "/id/minami/2022/measure/gensai-99",
        "/page/minami/2022/measure/gensai-99",
        "/data/minami/2022/measure/gensai-99.ttl",
        "/id/nowhere",
        f"/data/{MEASURE}.pdf",
        f"/data/{MEASURE}",
    ],
)
def test_unknown_iri_is_a_404_page(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "<h1>見つかりません</h1>" in page
    english = client.get(path, headers={"Accept": "text/html", "Accept-Language": "en"})
    assert "<h1>Not found</h1>" in english.get_data(as_text=True)
    assert 'class="brand" href="/"' in page  # the site's own frame


def test_unknown_iri_404_is_json_for_json_clients(client: FlaskClient) -> None:
    response = client.get("/page/minami/2022/measure/gensai-99.json")
    assert response.status_code == 404
    assert "not in the graph" in response.get_json()["error"]


def _store_triples(store: EmbeddedStore, subject: str) -> set[tuple[str, str, str]]:
    """The subject's outgoing triples as the store holds them (the term's `str()` is SPARQL)."""
    result = store.query(f"SELECT DISTINCT ?p ?o WHERE {{ {NamedNode(subject)} ?p ?o }}")
    assert isinstance(result, QuerySolutions)
    return {(subject, row["p"].value, row["o"].value) for row in result}


def _store_incoming(store: EmbeddedStore, subject: str) -> set[tuple[str, str, str]]:
    result = store.query(f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {NamedNode(subject)} }}")
    assert isinstance(result, QuerySolutions)
    return {(row["s"].value, row["p"].value, subject) for row in result}


def _as_values(graph: rdflib.Graph) -> set[tuple[str, str, str]]:
    return {(str(s), str(p), str(o)) for s, p, o in graph}


@pytest.mark.parametrize("ext", list(RDF_TYPES))
@pytest.mark.parametrize("path", [MEASURE, CONTRIBUTION, TOPIC])
def test_data_parses_and_holds_the_description(
    client: FlaskClient, seed_settings: Settings, seed_store: EmbeddedStore, ext: str, path: str
) -> None:
    response = client.get(f"/data/{path}.{ext}")
    assert response.status_code == 200
    media, parser = RDF_TYPES[ext]
    assert response.mimetype == media
    assert 'rel="alternate"' in response.headers["Link"]
    graph = rdflib.Graph().parse(data=response.data, format=parser)
    got = _as_values(graph)
    subject = iri(seed_settings, path)
    outgoing = _store_triples(seed_store, subject)
    assert outgoing and outgoing <= got
    assert _store_incoming(seed_store, subject) <= got
    if path != CONTRIBUTION:  # nothing points at a contribution
        assert any(o == subject for _s, _p, o in got)


def test_contribution_data_carries_its_evidence_quotes(
    client: FlaskClient, seed_settings: Settings
) -> None:
    graph = rdflib.Graph().parse(data=client.get(f"/data/{CONTRIBUTION}.nt").data, format="nt")
    exact = rdflib.URIRef("http://www.w3.org/ns/oa#exact")
    quotes = {str(s): str(o) for s, _p, o in graph.triples((None, exact, None))}
    selector = iri(seed_settings, CONTRIBUTION + "/evidence/1/section/selector")
    assert quotes[selector] == "食品取扱施設"
    assert len(quotes) == 4  # two pieces of evidence, a quote from each side


# --- 2. resource pages --------------------------------------------------------------------


class _LangChecker(HTMLParser):
    """Text inside <article> that no element with a `lang` attribute (inside it) encloses."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.inside = 0
        self.orphans: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article":
            self.inside += 1
        if self.inside and tag not in ("br", "circle", "line", "link", "meta"):
            self.stack.append((tag, any(k == "lang" for k, _ in attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.inside -= 1
        if self.inside and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        has_letters = re.search(r"[^\W\d_]", data)
        if self.inside and has_letters and not any(lang for _tag, lang in self.stack):
            self.orphans.append(data.strip())


def test_measure_page(client: FlaskClient, seed_settings: Settings) -> None:
    page = page_text(client, MEASURE)
    assert '<h1><span lang="ja">防災・減災意識の向上</span>' in page
    assert '<span class="en" lang="en">Raising disaster preparedness awareness</span>' in page
    # properties named by their ontology labels, values as labelled links
    assert (
        '<span lang="ja">所属する施策</span> <span class="en" lang="en">in focus area</span>'
        in page
    )
    assert 'href="/page/minami/2022/area/gensai"' in page
    assert '<span lang="ja">減災</span>' in page
    assert f">{iri(seed_settings, 'minami/2022/area/gensai')}<" not in page
    # the verbatim source line, linked into the source view
    assert 'class="source-text"' in page
    assert 'href="/source/minami/2022?hl=64#L64"' in page
    # alternates, canonical, the graph and its table
    assert f'<link rel="canonical" href="{seed_settings.base}page/{MEASURE}">' in page
    assert 'type="text/turtle"' in page and "<svg" in page and 'class="neighbours"' in page


def test_every_text_has_a_lang(client: FlaskClient) -> None:
    for path in (MEASURE, CONTRIBUTION, SECTION, TOPIC, PARTNER, PLAN):
        checker = _LangChecker()
        checker.feed(page_text(client, path))
        assert checker.orphans == [], (path, checker.orphans[:5])


def test_section_page(client: FlaskClient) -> None:
    page = page_text(client, SECTION)
    assert '<span lang="ja">総務課</span>' in page
    assert 'href="/page/minami/2022/goal/somu"' in page


def test_contribution_page_shows_evidence(client: FlaskClient) -> None:
    page = page_text(client, CONTRIBUTION)
    assert 'id="evidence"' in page
    assert "生活衛生" in page  # the basis
    assert "<mark>食品取扱施設</mark>" in page and "<mark>食の安全</mark>" in page
    assert 'href="/source/minami/2022?hl=148#L148"' in page
    assert 'href="/source/minami/2022?hl=108#L108"' in page


def test_topic_and_partner_pages(client: FlaskClient) -> None:
    topic = page_text(client, TOPIC)
    assert '<span lang="ja">防災</span>' in topic and 'lang="en">Disaster preparedness' in topic
    assert 'id="incoming"' in topic
    partner = page_text(client, PARTNER)
    assert '<span lang="ja">学校</span>' in partner
    assert 'id="incoming"' in partner


def test_embedded_json_ld(client: FlaskClient, seed_settings: Settings) -> None:
    page = page_text(client, SECTION)
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert found
    data = json.loads(found.group(1))
    assert data["@context"] == "https://schema.org"
    assert data["@id"] == iri(seed_settings, SECTION)
    assert data["@type"] == "GovernmentOrganization"
    assert {"@value": "総務課", "@language": "ja"} in data["name"]


def test_json_twin(client: FlaskClient, seed_settings: Settings) -> None:
    by_suffix = client.get(f"/page/{MEASURE}.json")
    by_accept = client.get(f"/page/{MEASURE}", headers={"Accept": "application/json"})
    by_format = client.get(f"/page/{MEASURE}?format=json")
    assert by_suffix.get_json() == by_accept.get_json() == by_format.get_json()
    twin = by_suffix.get_json()
    assert twin["iri"] == iri(seed_settings, MEASURE)
    assert twin["label"]["ja"] and twin["label"]["en"]
    assert {"iri", "types", "outgoing", "incoming", "page", "pages", "source", "neighbours"} <= set(
        twin
    )
    group = next(g for g in twin["outgoing"] if g["short"] == "mkg:inFocusArea")
    assert group["label_ja"] and group["count"] == 1
    assert group["values"][0]["href"] == "/page/minami/2022/area/gensai"
    assert twin["source"]["href"].startswith("/source/minami/2022?hl=")
    assert twin["formats"]["ttl"] == f"/data/{MEASURE}.ttl"
    html = client.get(f"/page/{MEASURE}")
    assert (
        f'</page/{MEASURE}.json>; rel="alternate"; type="application/json"'
        in (html.headers["Link"])
    )


def test_incoming_links_page_on_a_busy_resource(client: FlaskClient) -> None:
    first = client.get(f"/page/{PLAN}.json").get_json()
    in_plan = next(g for g in first["incoming"] if g["short"] == "mkg:inPlan")
    assert in_plan["count"] > PER_PAGE
    assert len(in_plan["values"]) == PER_PAGE
    assert first["pages"] >= 2
    second = client.get(f"/page/{PLAN}.json?page=2").get_json()
    in_plan_2 = next(g for g in second["incoming"] if g["short"] == "mkg:inPlan")
    assert second["page"] == 2
    assert len(in_plan_2["values"]) == min(PER_PAGE, in_plan["count"] - PER_PAGE)
    assert not {v["value"] for v in in_plan["values"]} & {v["value"] for v in in_plan_2["values"]}
    html = page_text(client, PLAN)
    assert f"({in_plan['count']})" in html and 'rel="next" href="?page=2#incoming"' in html


# --- 3. the source view -------------------------------------------------------------------


def test_source_view_lines_and_highlights(client: FlaskClient) -> None:
    response = client.get("/source/minami/2022?hl=3-5&hl=9")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    ids = re.findall(r'<li id="L(\d+)"', page)
    assert ids == [str(n) for n in range(1, 180)]
    assert 'href="#L12"' in page
    marked = re.findall(r'<li id="L(\d+)" class="hl"', page)
    assert marked == ["3", "4", "5", "9"]
    assert "令和4年度 南区運営方針" in page


def test_a_measure_links_to_its_line(client: FlaskClient) -> None:
    twin = client.get("/page/minami/2022/measure/steady-work-09.json").get_json()
    assert twin["source"]["lines"] == [113]
    assert twin["source"]["href"] == "/source/minami/2022?hl=113#L113"
    page = client.get("/source/minami/2022?hl=113").get_data(as_text=True)
    line = re.search(r'<li id="L113" class="hl">.*?</li>', page, re.S)
    assert line and "ICTを活用した窓口サービス向上" in line.group(0)


@pytest.mark.parametrize(
    "path",
    [
        "/source/../etc/2022",
        "/source/minami/..%2f..",
        "/source/minami/..%2F2022",
        "/source/..%2f..%2fetc/2022",
        "/source/MINAMI/2022",
        "/source/minami/20222",
        "/source/nowhere/2022",
        "/source/minami/1999",
    ],
)
def test_source_paths_from_the_request_are_refused(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


# --- escaping -----------------------------------------------------------------------------


HOSTILE = "ICTを<script>alert(1)</script>活用した窓口サービス向上"


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    """A store built from the seed with one measure renamed to carry markup."""
    sources = tmp_path_factory.mktemp("hostile-sources")
    folder = sources / "minami" / "2022"
    folder.mkdir(parents=True)
    shutil.copy(SEED.parent / "manifest.toml", folder / "manifest.toml")
    text = SEED.read_text(encoding="utf-8")
    assert text.count("ICTを活用した窓口サービス向上") == 1
    (folder / SEED.name).write_text(text.replace("ICTを活用した窓口サービス向上", HOSTILE), "utf-8")
    settings = settings_for(tmp_path_factory.mktemp("hostile") / "store").with_changes(
        sources=sources
    )
    build(settings)
    return create_app(settings).test_client()


def test_markup_in_a_label_is_escaped(hostile_client: FlaskClient) -> None:
    twin = hostile_client.get("/page/minami/2022/measure/steady-work-09.json").get_json()
    assert "<script>alert(1)</script>" in twin["label"]["ja"]
    for path in ("/page/minami/2022/measure/steady-work-09", "/page/minami/2022/area/steady-work"):
        page = hostile_client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    page = hostile_client.get("/page/minami/2022/measure/steady-work-09").get_data(as_text=True)
    embedded = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert embedded and "<" not in embedded.group(1)
    assert "<script>alert(1)</script>" in json.loads(embedded.group(1))["name"][0]["@value"]
    source = hostile_client.get("/source/minami/2022").get_data(as_text=True)
    assert "<script>alert" not in source and "&lt;script&gt;alert(1)" in source


# --- named graphs and unknown paths ------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["ontology", "org/minami", "plan/minami/2022", "links", "topics", "curated"]
)
def test_named_graph_iris_dereference(
    name: str, seed_settings: Settings, seed_build: object
) -> None:
    client = create_app(seed_settings).test_client()
    response = client.get(f"/graph/{name}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["Vary"] == "Accept"
    graph = rdflib.Graph().parse(data=response.get_data(as_text=True), format="turtle")
    store = EmbeddedStore(seed_settings.store)
    graph_iri = f"<{seed_settings.base}graph/{name}>"
    count = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph_iri} {{ ?s ?p ?o }} }}")
    assert len(graph) == int(next(iter(count))["n"].value)
    browser = client.get(f"/graph/{name}", headers={"Accept": "text/html"})
    assert browser.status_code == 303
    assert browser.headers["Location"].startswith("/sparql?query=")


def test_unknown_graph_and_unknown_path_get_the_404_page(
    seed_settings: Settings, seed_build: object
) -> None:
    client = create_app(seed_settings).test_client()
    assert client.get("/graph/nothing", headers={"Accept": "text/turtle"}).status_code == 404
    page = client.get("/no/such/path", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert "見つかりません" in page.get_data(as_text=True)
    machine = client.get("/no/such/path.json")
    assert machine.status_code == 404
    assert "error" in machine.get_json()


@pytest.mark.parametrize(
    "path",
    [f"/data/{MEASURE}.ttl", "/dataset?format=ttl", "/.well-known/void", "/api/search?q=防災"],
)
def test_the_machine_faces_may_be_read_from_any_origin(client: FlaskClient, path: str) -> None:
    """CORS, so a portal's page can read the data; the staff's pages are not opened so."""
    answer = client.get(path, headers={"Origin": "https://portal.example.jp"})
    assert answer.status_code == 200, path
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    missing = client.get(f"/data/{MEASURE}.xyz", headers={"Origin": "https://portal.example.jp"})
    assert missing.headers["Access-Control-Allow-Origin"] == "*"  # errors too
    page = client.get("/", headers={"Origin": "https://portal.example.jp"})
    assert "Access-Control-Allow-Origin" not in page.headers
