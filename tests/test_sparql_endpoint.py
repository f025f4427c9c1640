"""/sparql through Flask's test client, over the real seed store and real query workers."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    parse,
    parse_query_results,
)

from minami_kg.config import Settings
from minami_kg.server import create_app
from minami_kg.server.sparql import get_pool
from minami_kg.store import EmbeddedStore, replace_store

from .conftest import settings_for

SD = "http://www.w3.org/ns/sparql-service-description#"
PLAN_LABEL = """
PREFIX mkg: <https://w3id.org/minami-kg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?label WHERE {
  ?plan a mkg:Plan ; mkg:fiscalYear ?fy ; skos:prefLabel ?label . FILTER(lang(?label) = "ja")
}
"""
PLAN_GRAPH = """
PREFIX mkg: <https://w3id.org/minami-kg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?plan skos:prefLabel ?label }
WHERE { ?plan a mkg:Plan ; mkg:fiscalYear ?fy ; skos:prefLabel ?label }
"""
# Three copies of the store joined: far more work than any timeout allows.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def app(seed_settings: Settings, seed_build: object) -> Iterator[Flask]:
    app = create_app(seed_settings.with_changes(sparql_timeout=3.0, max_rows=50))
    yield app
    get_pool(app).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def solutions(body: bytes, fmt: QueryResultsFormat = QueryResultsFormat.JSON) -> list[dict]:
    if fmt == QueryResultsFormat.CSV:  # lossy by design: pyoxigraph does not read it back
        return list(csv.DictReader(io.StringIO(body.decode())))
    result = parse_query_results(body, format=fmt)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in result]


def test_get_query_answers_sparql_json(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": PLAN_LABEL})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert solutions(response.data) == [{"label": "令和4年度 南区運営方針"}]


def test_post_form_and_post_direct(client: FlaskClient) -> None:
    form = client.post("/sparql", data={"query": PLAN_LABEL})
    direct = client.post(
        "/sparql", data=PLAN_LABEL.encode(), content_type="application/sparql-query"
    )
    assert form.status_code == direct.status_code == 200
    assert solutions(form.data) == solutions(direct.data)


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/sparql-results+json", QueryResultsFormat.JSON),
        ("application/sparql-results+xml", QueryResultsFormat.XML),
        ("text/csv", QueryResultsFormat.CSV),
        ("text/tab-separated-values", QueryResultsFormat.TSV),
    ],
)
def test_select_and_ask_in_every_results_format(
    client: FlaskClient, accept: str, fmt: QueryResultsFormat
) -> None:
    response = client.get("/sparql", query_string={"query": PLAN_LABEL}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    assert [row["label"] for row in solutions(response.data, fmt)] == ["令和4年度 南区運営方針"]
    ask = client.get(
        "/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": accept}
    )
    assert ask.status_code == 200
    if fmt in (QueryResultsFormat.JSON, QueryResultsFormat.XML):
        result = parse_query_results(ask.data, format=fmt)
        assert isinstance(result, QueryBoolean) and bool(result)
    else:
        assert ask.data.strip() == b"true"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("ttl", RdfFormat.TURTLE),
        ("nt", RdfFormat.N_TRIPLES),
        ("nq", RdfFormat.N_QUADS),
        ("trig", RdfFormat.TRIG),
        ("jsonld", RdfFormat.JSON_LD),
        ("rdfxml", RdfFormat.RDF_XML),
    ],
)
def test_construct_in_every_rdf_format(client: FlaskClient, name: str, fmt: RdfFormat) -> None:
    by_accept = client.get(
        "/sparql", query_string={"query": PLAN_GRAPH}, headers={"Accept": fmt.media_type}
    )
    by_name = client.get("/sparql", query_string={"query": PLAN_GRAPH, "format": name})
    for response in (by_accept, by_name):
        assert response.status_code == 200
        assert response.mimetype == fmt.media_type
        labels = {q.object.value for q in parse(response.data, format=fmt)}
        assert "令和4年度 南区運営方針" in labels


def test_describe_answers_rdf(client: FlaskClient, seed_settings: Settings) -> None:
    plan = f"{seed_settings.base}id/minami/2022"
    response = client.get("/sparql", query_string={"query": f"DESCRIBE <{plan}>"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    assert any(q.subject.value == plan for q in parse(response.data, format=RdfFormat.TURTLE))


def test_format_parameter_is_relative_to_the_result_kind(client: FlaskClient) -> None:
    select = client.get("/sparql", query_string={"query": PLAN_LABEL, "format": "xml"})
    construct = client.get("/sparql", query_string={"query": PLAN_GRAPH, "format": "xml"})
    assert select.mimetype == "application/sparql-results+xml"
    assert construct.mimetype == "application/rdf+xml"


def test_default_graph_is_the_union_unless_the_protocol_names_one(
    client: FlaskClient, seed_settings: Settings
) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s <https://w3id.org/minami-kg/def#fiscalYear> ?y }"
    union = solutions(client.get("/sparql", query_string={"query": count}).data)
    assert union == [{"n": "1"}]
    plan_graph = f"{seed_settings.base}graph/plan/minami/2022"
    links_graph = f"{seed_settings.base}graph/links"
    in_plan = client.get("/sparql", query_string={"query": count, "default-graph-uri": plan_graph})
    in_links = client.get(
        "/sparql", query_string={"query": count, "default-graph-uri": links_graph}
    )
    assert solutions(in_plan.data) == [{"n": "1"}]
    assert solutions(in_links.data) == [{"n": "0"}]
    named = client.get(
        "/sparql",
        query_string={
            "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            "named-graph-uri": plan_graph,
        },
    )
    assert solutions(named.data) == [{"g": plan_graph}]


def test_rows_beyond_max_rows_are_cut_and_flagged(client: FlaskClient) -> None:
    everything = "SELECT * WHERE { ?s ?p ?o }"
    for fmt in ("json", "xml", "csv", "tsv"):
        response = client.get("/sparql", query_string={"query": everything, "format": fmt})
        assert response.status_code == 200
        assert response.headers["X-Result-Truncated"] == "true"
    rows = solutions(client.get("/sparql", query_string={"query": everything}).data)
    assert len(rows) == 50
    graph = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert graph.headers["X-Result-Truncated"] == "true"
    assert len(list(parse(graph.data, format=RdfFormat.TURTLE))) == 50
    small = client.get("/sparql", query_string={"query": PLAN_LABEL})
    assert "X-Result-Truncated" not in small.headers


def test_malformed_query_is_400_with_the_parsers_message(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE {"})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert "error at 1:" in response.get_data(as_text=True)


def test_service_is_refused_before_the_store_sees_it(client: FlaskClient) -> None:
    for query in (
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        r"SELECT * WHERE { \u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    ):
        response = client.get("/sparql", query_string={"query": query})
        assert response.status_code == 400
        assert "SERVICE is not allowed" in response.get_data(as_text=True)
    harmless = "SELECT * WHERE { ?s <http://example.org/service> 'SERVICE' }"
    assert client.get("/sparql", query_string={"query": harmless}).status_code == 200


def test_unacceptable_accept_is_406_listing_the_formats(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": PLAN_LABEL}, headers={"Accept": "image/png"}
    )
    assert response.status_code == 406
    assert "text/csv" in response.get_data(as_text=True)
    graph_as_csv = client.get(
        "/sparql", query_string={"query": PLAN_GRAPH}, headers={"Accept": "text/csv"}
    )
    assert graph_as_csv.status_code == 406
    assert "text/turtle" in graph_as_csv.get_data(as_text=True)
    assert (
        client.get("/sparql", query_string={"query": PLAN_GRAPH, "format": "csv"}).status_code
        == 406
    )


def test_bad_requests_are_4xx_never_500(client: FlaskClient) -> None:
    cases = [
        client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D"),
        client.get("/sparql", query_string={"update": "CLEAR ALL"}),
        client.put("/sparql", query_string={"query": "ASK {}"}),
        client.post("/sparql", data=b"query=ASK%20%7B%7D"),
        client.post("/sparql", data=b"ASK {}", content_type="text/plain"),
        client.post(
            "/sparql",
            data="ASK {}".encode("utf-16"),
            content_type="application/sparql-query; charset=UTF-16",
        ),
        client.post("/sparql", data=b"\xff\xfe", content_type="application/sparql-query"),
        client.post("/sparql", data={"nothing": "here"}),
        client.get("/sparql", query_string={"query": "ASK {}", "format": "nonsense"}),
    ]
    assert [r.status_code for r in cases] == [400, 400, 405, 415, 415, 400, 400, 400, 400]
    assert all(r.mimetype == "text/plain" for r in cases)


def test_body_over_the_limit_is_413(seed_settings: Settings, seed_build: object) -> None:
    app = create_app(seed_settings.with_changes(max_body_bytes=100))
    client = app.test_client()
    query = "ASK { " + " ".join(f"<http://x/{i}> ?p ?o ." for i in range(20)) + " }"
    response = client.post("/sparql", data=query.encode(), content_type="application/sparql-query")
    assert response.status_code == 413
    assert client.post("/sparql", data={"query": query}).status_code == 413


def test_cors_on_answers_errors_and_preflight(client: FlaskClient) -> None:
    ok = client.get("/sparql", query_string={"query": "ASK {}"})
    bad = client.get("/sparql", query_string={"query": "ASK {"})
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    for response in (ok, bad, preflight):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


def test_service_description(client: FlaskClient, seed_settings: Settings) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    triples = list(parse(response.data, format=RdfFormat.TURTLE))

    def objects(predicate: str) -> set[str]:
        return {t.object.value for t in triples if t.predicate.value == SD + predicate}

    assert objects("endpoint") == {"http://localhost/sparql"}
    assert objects("supportedLanguage") == {SD + "SPARQL11Query"}  # no token: no Update
    assert SD + "UnionDefaultGraph" in objects("feature")
    assert "http://www.w3.org/ns/formats/SPARQL_Results_CSV" in objects("resultFormat")
    assert "http://www.w3.org/ns/formats/JSON-LD" in objects("resultFormat")
    assert f"{seed_settings.base}graph/plan/minami/2022" in objects("name")
    rdfxml = client.get("/sparql", headers={"Accept": "application/rdf+xml"})
    assert rdfxml.mimetype == "application/rdf+xml"
    assert client.get("/sparql", headers={"Accept": "text/csv"}).status_code == 406


def test_service_description_lists_update_when_a_token_is_set(
    seed_settings: Settings, seed_build: object
) -> None:
    app = create_app(seed_settings.with_changes(update_token="secret"))
    body = app.test_client().get("/sparql").get_data(as_text=True)
    assert "SPARQL11Update" in body


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_browsers_get_the_editor(client: FlaskClient, app: Flask) -> None:
    template = Path(app.template_folder or "") / "sparql.html"
    assert template.is_file(), "web/templates/sparql.html is the editor page"
    page = client.get("/sparql", headers={"Accept": BROWSER})
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    permalink = client.get(
        "/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": BROWSER}
    )
    assert permalink.status_code == 200
    assert permalink.mimetype == "text/html"
    assert "ASK { ?s ?p ?o }" in permalink.get_data(as_text=True)
    results = client.get(
        "/sparql", query_string={"query": "ASK {}", "format": "json"}, headers={"Accept": BROWSER}
    )
    assert results.mimetype == "application/sparql-results+json"


def test_a_runaway_query_is_stopped_and_the_server_keeps_answering(
    client: FlaskClient, app: Flask
) -> None:
    assert client.get("/sparql", query_string={"query": PLAN_LABEL}).status_code == 200
    before = set(get_pool(app).pids())  # the idle process the runaway query will take
    answers: list[int] = []
    started = time.monotonic()
    runaway = threading.Thread(
        target=lambda: answers.append(
            client.get("/sparql", query_string={"query": RUNAWAY}).status_code
        )
    )
    runaway.start()
    time.sleep(0.5)
    quick = app.test_client().get("/sparql", query_string={"query": PLAN_LABEL})
    assert quick.status_code == 200  # the other worker answers meanwhile
    runaway.join(30)
    assert answers == [503]
    assert time.monotonic() - started < 10
    after = set(get_pool(app).pids())
    assert before - after  # the stuck process was stopped
    assert 1 <= len(after) <= get_pool(app).size  # and replaced
    response = client.get("/sparql", query_string={"query": RUNAWAY})
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "stopped" in response.get_data(as_text=True)
    assert client.get("/sparql", query_string={"query": PLAN_LABEL}).status_code == 200


def test_updates_are_refused_without_a_token(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"update": "CLEAR ALL"})
    assert response.status_code == 403
    direct = client.post("/sparql", data=b"CLEAR ALL", content_type="application/sparql-update")
    assert direct.status_code == 403
    assert client.get("/sparql", query_string={"query": PLAN_LABEL}).status_code == 200


UPDATE_TOKEN = "s3cret"
INSERT = "INSERT DATA { GRAPH <http://ex/g2> { <http://ex/c> <http://ex/p> <http://ex/d> } }"


@pytest.fixture
def updatable(tmp_path: Path) -> Iterator[FlaskClient]:
    """A client of an app over a store of one quad, with an update token set."""
    source = tmp_path / "start.nq"
    source.write_text("<http://ex/a> <http://ex/p> <http://ex/b> <http://ex/g1> .\n")
    replace_store(tmp_path / "store", source)
    app = create_app(settings_for(tmp_path / "store").with_changes(update_token=UPDATE_TOKEN))
    yield app.test_client()
    get_pool(app).close()


def test_updates_with_the_token(updatable: FlaskClient) -> None:
    assert updatable.post("/sparql", data={"update": INSERT}).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert updatable.post("/sparql", data={"update": INSERT}, headers=wrong).status_code == 403
    auth = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
    done = updatable.post(
        "/sparql", data=INSERT, content_type="application/sparql-update", headers=auth
    )
    assert done.status_code == 200
    ask = updatable.get("/sparql", query_string={"query": "ASK { <http://ex/c> ?p ?o }"})
    assert ask.data == b'{"head":{},"boolean":true}'

    # the protocol dataset of an update: using-graph-uri becomes USING
    copy = "INSERT { GRAPH <http://ex/out> { ?s ?p ?o } } WHERE { ?s ?p ?o }"
    using = updatable.post(
        "/sparql?using-graph-uri=http%3A%2F%2Fex%2Fg1",
        data=copy,
        content_type="application/sparql-update",
        headers=auth,
    )
    assert using.status_code == 200
    copied = updatable.get(
        "/sparql",
        query_string={"query": "SELECT ?s WHERE { GRAPH <http://ex/out> { ?s ?p ?o } }"},
    )
    assert solutions(copied.data) == [{"s": "http://ex/a"}]

    load = updatable.post("/sparql", data={"update": "LOAD <http://127.0.0.1:9/x>"}, headers=auth)
    assert load.status_code == 400
    assert "LOAD is not allowed" in load.get_data(as_text=True)
    bad = updatable.post("/sparql", data={"update": "CLEAR XYZ"}, headers=auth)
    assert bad.status_code == 400
    # relative IRIs resolve against the endpoint (Protocol: the base "MAY be the endpoint")
    relative = "INSERT DATA { GRAPH <http://ex/g3> { <http://ex/s> <http://ex/p> <rel> } }"
    updatable.post("/sparql", data={"update": relative}, headers=auth)
    resolved = updatable.get(
        "/sparql",
        query_string={"query": "SELECT ?o WHERE { GRAPH <http://ex/g3> { ?s ?p ?o } }"},
    )
    assert solutions(resolved.data) == [{"o": "http://localhost/rel"}]


def test_healthz_counts_the_quads_of_the_store_as_it_is_after_an_update(
    updatable: FlaskClient, tmp_path: Path
) -> None:
    """The count is kept for a generation, and an update swaps in a new one."""
    assert updatable.get("/healthz").get_json()["quads"] == 1
    assert updatable.get("/healthz").get_json()["quads"] == 1
    auth = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
    assert updatable.post("/sparql", data={"update": INSERT}, headers=auth).status_code == 200
    # the triple, and the new build identifier the update stamps on the store
    counted_anew = len(EmbeddedStore(tmp_path / "store"))
    assert updatable.get("/healthz").get_json()["quads"] == counted_anew == 3


def test_head_is_answered_as_get_without_a_body(client: FlaskClient) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    get = client.get("/sparql", query_string={"query": "ASK {}"}, headers=accept)
    head = client.head("/sparql", query_string={"query": "ASK {}"}, headers=accept)
    assert head.status_code == get.status_code == 200
    assert head.data == b"" and get.data
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    described = client.head("/sparql", headers={"Accept": "text/turtle"})
    assert described.status_code == 200 and described.mimetype == "text/turtle"
    assert "HEAD" in client.put("/sparql").headers["Allow"]
