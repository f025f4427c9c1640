"""The remote store against real SPARQL servers on loopback: the same checks as embedded.

Every test that takes `seeded_engine` or `engine` runs twice, on `oxigraph
serve` (the `oxigraph` binary from PyPI, the test extra) and on Virtuoso
(Debian's `virtuoso-opensource`): see tests/remote_engines.py. The module's
server is built once with `minami-kg build --endpoint` and only read; tests
that write, or stop the server, start their own. The ways Virtuoso bends the
standard have their own tests in tests/test_remote_engines.py.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import time
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from flask.testing import FlaskClient
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Variable,
    serialize,
)

from minami_kg.analysis import read_network
from minami_kg.config import PROJECT_ROOT, Settings
from minami_kg.queries import canned_queries
from minami_kg.server import create_app
from minami_kg.stats import graph_stats
from minami_kg.store import EXPORT_FORMATS, EmbeddedStore, RemoteStore, StoreError, open_store
from minami_kg.store.remote import STAGING_PREFIX, bind, query_shape

from .oxigraph_server import OxigraphServer, run_cli
from .remote_engines import RemoteServer, make_server

BASE = Settings().base
# Graphs every build writes (a build may write more: compare with the embedded store).
GRAPHS = [
    BASE + "graph/curated",
    BASE + "graph/links",
    BASE + "graph/meta",
    BASE + "graph/ontology",
    BASE + "graph/org/minami",
    BASE + "graph/plan/minami/2022",
    BASE + "graph/topics",
]


@pytest.fixture(scope="module")
def remote(seeded_engine: RemoteServer) -> RemoteStore:
    store = open_store(seeded_engine.settings())
    assert isinstance(store, RemoteStore)
    return store


# -- the same answers as the embedded store ----------------------------------------


def test_seed_counts(remote: RemoteStore) -> None:
    stats = graph_stats(remote)
    assert {
        label: stats.counts[label]
        for label in (
            "plans",
            "focus areas",
            "priority focus areas",
            "measures",
            "actions",
            "organisational principles",
            "sections",
        )
    } == {
        "plans": 1,
        "focus areas": 6,
        "priority focus areas": 4,
        "measures": 36,
        "actions": 39,
        "organisational principles": 2,
        "sections": 14,
    }
    assert set(GRAPHS) <= set(stats.named_graphs)


def test_stats_are_those_of_the_embedded_store(
    remote: RemoteStore, seed_store: EmbeddedStore
) -> None:
    assert graph_stats(remote) == graph_stats(seed_store)
    assert len(remote) == len(seed_store)
    assert remote.named_graphs() == seed_store.named_graphs()


def test_sorted_nquads_are_byte_identical_to_an_embedded_build(
    remote: RemoteStore, seed_store: EmbeddedStore
) -> None:
    assert remote.sorted_nquads() == seed_store.sorted_nquads()


def test_stats_command(
    seeded_engine: RemoteServer, seed_settings: Settings, seed_build: object, runner: CliRunner
) -> None:
    result = run_cli(runner, "stats", *seeded_engine.options())
    assert result.exit_code == 0, result.output + result.stderr
    lines = {" ".join(line.split()) for line in result.output.splitlines()}
    assert {"measures 36", "actions 39", "sections 14"} <= lines
    embedded = run_cli(runner, "stats", "--store", str(seed_settings.store))
    assert result.output == embedded.output


def test_canned_query_by_name(
    seeded_engine: RemoteServer, seed_settings: Settings, seed_build: object, runner: CliRunner
) -> None:
    args = ("query", "measures-of-area", "--param", "area=" + BASE + "id/minami/2022/area/gensai")
    remote = run_cli(runner, *args, "--format", "json", *seeded_engine.options())
    embedded = run_cli(runner, *args, "--format", "json", "--store", str(seed_settings.store))
    assert remote.exit_code == 0, remote.output + remote.stderr
    rows = json.loads(remote.output)
    assert rows == json.loads(embedded.output)
    assert len({row["measure"] for row in rows}) == 4


@pytest.mark.parametrize("name", [query.name for query in canned_queries(PROJECT_ROOT / "queries")])
def test_every_canned_query_answers_as_on_the_embedded_store(
    seeded_engine: RemoteServer,
    seed_settings: Settings,
    seed_build: object,
    runner: CliRunner,
    name: str,
) -> None:
    """The canned queries with their default parameters: the same rows on every engine.

    Up to what SPARQL leaves to the engine: the order of GROUP_CONCAT's parts, and
    the precision of AVG (Virtuoso averages decimals as doubles)."""
    remote = run_cli(runner, "query", name, "--format", "csv", *seeded_engine.options())
    assert remote.exit_code == 0, remote.output + remote.stderr
    embedded = run_cli(
        runner, "query", name, "--format", "csv", "--store", str(seed_settings.store)
    )
    assert _csv_rows(remote.output) == _csv_rows(embedded.output)


def _csv_rows(text: str) -> list[tuple[str, ...]]:
    """The rows of `minami-kg query --format csv`, sorted, each cell in a comparable form."""

    def cell(value: str) -> str:
        try:
            return format(float(value), ".9g")
        except ValueError:
            return " / ".join(sorted(value.split(" / ")))

    return sorted(tuple(cell(v) for v in row) for row in csv.reader(io.StringIO(text)))


def test_query_results_are_pyoxigraph_types(remote: RemoteStore) -> None:
    select = remote.query(
        "SELECT ?area WHERE { ?area a <https://w3id.org/minami-kg/def#FocusArea> }"
    )
    assert isinstance(select, QuerySolutions)
    assert [v.value for v in select.variables] == ["area"]
    assert len(list(select)) == 6

    ask = remote.query("ASK { ?s <https://w3id.org/minami-kg/def#isPriority> true }")
    assert isinstance(ask, QueryBoolean) and bool(ask)

    construct = remote.query(
        "CONSTRUCT { ?m a ?c } WHERE { ?m a ?c "
        "FILTER(?c = <https://w3id.org/minami-kg/def#Measure>) }"
    )
    assert isinstance(construct, QueryTriples)
    assert serialize(construct, format=RdfFormat.N_TRIPLES).count(b"\n") == 36


def test_graph_clause_sees_named_graphs(remote: RemoteStore, seed_store: EmbeddedStore) -> None:
    rows = remote.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert sorted(row["g"].value for row in rows) == seed_store.named_graphs()
    assert set(GRAPHS) <= set(seed_store.named_graphs())


def test_the_union_is_our_graphs_only(remote: RemoteStore, seed_store: EmbeddedStore) -> None:
    """Virtuoso's own default graph is every graph, its system graphs included."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    union = remote.query(count)
    assert isinstance(union, QuerySolutions)
    expected = seed_store.query(count)
    assert isinstance(expected, QuerySolutions)
    assert next(union)["n"] == next(expected)["n"]
    system = "ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'http://www.openlinksw.com/')) }"
    assert not bool(remote.query(system))


def test_a_bad_query_is_a_syntax_error(remote: RemoteStore) -> None:
    with pytest.raises(SyntaxError, match="rejected the query"):
        remote.query("SELECT ?s WHERE { ?s ?p }")


def test_substitutions_bind_like_the_embedded_store(
    remote: RemoteStore, seed_store: EmbeddedStore
) -> None:
    query = """
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?p != skos:altLabel) }
    """
    subject = {Variable("s"): NamedNode(BASE + "id/minami/2022/measure/gensai-01")}

    def rows(store: RemoteStore | EmbeddedStore) -> set[tuple[str, str, str]]:
        return {
            (str(r["p"]), str(r["o"]), str(r["g"]))
            for r in store.query(query, substitutions=subject)
        }

    found = rows(remote)
    assert found and found == rows(seed_store)

    label = {Variable("label"): Literal("減災", language="ja")}
    ask = "ASK { ?area <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }"
    assert bool(remote.query(ask, substitutions=label))


def test_analysis_with_a_plan_bound(remote: RemoteStore, seed_store: EmbeddedStore) -> None:
    plan = BASE + "id/minami/2022"
    remote_graph = read_network(remote, plan)
    assert remote_graph.number_of_edges() > 0
    assert sorted(remote_graph.edges) == sorted(read_network(seed_store, plan).edges)


@pytest.mark.parametrize("fmt", sorted(EXPORT_FORMATS))
def test_export_parses_with_rdflib(
    seeded_engine: RemoteServer,
    seed_store: EmbeddedStore,
    runner: CliRunner,
    tmp_path: Path,
    fmt: str,
) -> None:
    out = tmp_path / f"graph.{fmt}"
    result = run_cli(runner, "export", "--format", fmt, "-o", str(out), *seeded_engine.options())
    assert result.exit_code == 0, result.output + result.stderr
    rdflib_format = {
        "ttl": "turtle",
        "nt": "nt",
        "nq": "nquads",
        "trig": "trig",
        "jsonld": "json-ld",
        "rdfxml": "xml",
    }[fmt]
    if EXPORT_FORMATS[fmt].supports_datasets:
        dataset = rdflib.Dataset()
        dataset.parse(out, format=rdflib_format)
        assert len(list(dataset.quads((None, None, None, None)))) == len(seed_store)
    else:
        graph = rdflib.Graph().parse(out, format=rdflib_format)
        union = seed_store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert len(graph) == int(next(iter(union))["n"].value)


def test_validate_and_analyze_read_the_remote_store(
    seeded_engine: RemoteServer, seed_settings: Settings, seed_build: object, runner: CliRunner
) -> None:
    for command in ("validate", "analyze"):
        remote = run_cli(runner, command, *seeded_engine.options())
        embedded = run_cli(runner, command, "--store", str(seed_settings.store))
        assert (remote.exit_code, remote.output) == (embedded.exit_code, embedded.output)
        assert remote.output.strip()


def test_the_app_serves_from_the_remote_store(
    seeded_engine: RemoteServer, seed_store: EmbeddedStore
) -> None:
    client = create_app(seeded_engine.settings()).test_client()
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["quads"] == len(seed_store)
    page = client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "令和4年度 南区運営方針" in text
    assert text.count('<li class="measure">') == 36


def test_the_app_answers_with_real_content(
    seeded_engine: RemoteServer, client: FlaskClient
) -> None:
    """Every face over the remote store, with the seed's real numbers, the same as embedded."""
    remote = create_app(seeded_engine.settings()).test_client()

    sections = remote.get("/sections?format=json").get_json()["sections"]
    assert len(sections) == 14
    assert sum(section["measures"] for section in sections) > 0
    assert (
        remote.get("/sections?format=json").get_json()
        == client.get("/sections?format=json").get_json()
    )

    found = remote.get("/api/search", query_string={"q": "防災"})
    assert found.status_code == 200, found.get_data(as_text=True)
    hits = [hit["iri"] for hit in found.get_json()["results"]]
    assert BASE + "id/minami/2022/measure/gensai-01" in hits
    assert found.get_json()["total"] == client.get("/api/search?q=防災").get_json()["total"] > 0

    matrix = remote.get("/matrix?format=json").get_json()
    assert (len(matrix["columns"]), len(matrix["rows"]), len(matrix["areas"])) == (36, 14, 6)
    assert matrix == client.get("/matrix?format=json").get_json()
    page = remote.get("/matrix")
    assert page.status_code == 200
    assert "総務課" in page.get_data(as_text=True)

    graph = remote.get("/graph?format=json").get_json()
    assert graph == client.get("/graph?format=json").get_json()
    shown = [node for node in graph["elements"]["nodes"] if node["data"]["type"] == "section"]
    assert len(shown) > 10 and graph["elements"]["edges"]
    assert {node["data"]["label"] for node in shown} <= {s["label"] for s in sections}
    assert remote.get("/api/graph/sections").get_json() == graph_without_view(graph)
    assert remote.get("/graph").status_code == 200

    count = "SELECT (COUNT(?m) AS ?n) WHERE { ?m a <https://w3id.org/minami-kg/def#Measure> }"
    answer = remote.get("/sparql", query_string={"query": count, "format": "csv"})
    assert answer.status_code == 200
    assert answer.data.splitlines() == [b"n", b"36"]
    assert "X-Result-Truncated" not in answer.headers
    areas = "SELECT ?a WHERE { ?a a <https://w3id.org/minami-kg/def#FocusArea> }"
    rows = remote.get("/sparql", query_string={"query": areas, "format": "json"}).get_json()
    assert len(rows["results"]["bindings"]) == 6


def graph_without_view(graph: dict[str, object]) -> dict[str, object]:
    """/api/graph/sections is /graph's JSON twin without the `view` key."""
    return {key: value for key, value in graph.items() if key != "view"}


def test_build_leaves_no_staging_graphs(
    seeded_engine: RemoteServer, seed_store: EmbeddedStore
) -> None:
    graphs = {
        row["g"]
        for row in seeded_engine.raw_select("SELECT ?g { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    }
    assert not [g for g in graphs if g.startswith(STAGING_PREFIX)]
    assert {g for g in graphs if g.startswith(BASE)} == set(seed_store.named_graphs())


# -- writing ---------------------------------------------------------------------


def _nquads(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


ALL_GRAPHS = "SELECT ?g { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def test_union_ignores_the_servers_other_data(
    remote_engine: str, tmp_path: Path, seed_store: EmbeddedStore, runner: CliRunner
) -> None:
    """Foreign triples in the server's default graph and other graphs stay out of sight,
    even with Oxigraph's own union switched on, and with Virtuoso's, which is always on
    and holds its system graphs too."""
    server: RemoteServer
    foreign = "GRAPH <urn:other> { <urn:y> a <https://w3id.org/minami-kg/def#Measure> }"
    if remote_engine == "oxigraph":
        server = OxigraphServer(tmp_path / "oxigraph", "--union-default-graph")
        foreign += " <urn:x> a <https://w3id.org/minami-kg/def#Measure> ."
    else:  # Virtuoso has no writable default graph
        server = make_server(remote_engine, tmp_path)
    server.start()
    try:
        server.raw_update(f"INSERT DATA {{ {foreign} }}")
        result = run_cli(runner, "build", *server.options())
        assert result.exit_code == 0, result.output + result.stderr + server.stderr()
        store = open_store(server.settings())
        assert graph_stats(store) == graph_stats(seed_store)
        assert store.sorted_nquads() == seed_store.sorted_nquads()
        graphs = {row["g"] for row in server.raw_select(ALL_GRAPHS)}
        assert "urn:other" in graphs  # left alone
    finally:
        server.stop()


def test_replace_holds_exactly_the_new_quads(engine: RemoteServer, tmp_path: Path) -> None:
    store = open_store(engine.settings())
    first = _nquads(
        tmp_path / "first.nq",
        [
            f'<urn:a> <urn:p> "一"@ja <{BASE}graph/one> .',
            f'<urn:a> <urn:p> "2"^^<http://www.w3.org/2001/XMLSchema#integer> <{BASE}graph/two> .',
        ],
    )
    store.replace(first)
    assert store.named_graphs() == [BASE + "graph/one", BASE + "graph/two"]
    assert len(store) == 2

    second = _nquads(tmp_path / "second.nq", [f"<urn:b> <urn:p> <urn:c> <{BASE}graph/two> ."])
    store.replace(second)
    assert store.named_graphs() == [BASE + "graph/two"]
    assert store.sorted_nquads() == second.read_bytes()
    assert bool(store.query("ASK { <urn:b> <urn:p> <urn:c> }"))
    assert not any(row["g"].startswith(STAGING_PREFIX) for row in engine.raw_select(ALL_GRAPHS))


def test_replace_in_many_batches(engine: RemoteServer, tmp_path: Path) -> None:
    lines = [f'<urn:s{i}> <urn:p> "{i}" <{BASE}graph/g{i % 3}> .' for i in range(2_500)]
    store = open_store(engine.settings())
    store.replace(_nquads(tmp_path / "many.nq", lines))
    assert len(store) == 2_500
    assert store.sorted_nquads() == b"".join(sorted(line.encode() + b"\n" for line in lines))


def test_a_refused_replace_leaves_the_store_as_it_was(engine: RemoteServer, tmp_path: Path) -> None:
    store = open_store(engine.settings())
    store.replace(_nquads(tmp_path / "ok.nq", [f"<urn:a> <urn:p> <urn:b> <{BASE}graph/one> ."]))
    before = store.sorted_nquads()
    blank = _nquads(tmp_path / "blank.nq", [f"_:x <urn:p> <urn:b> <{BASE}graph/one> ."])
    with pytest.raises(StoreError, match="blank node"):
        store.replace(blank)
    broken = _nquads(tmp_path / "broken.nq", [f"<urn:a> <urn:p> <{BASE}graph/one> ."])
    with pytest.raises(StoreError, match=r"broken\.nq"):
        store.replace(broken)
    assert store.sorted_nquads() == before


# -- the server going away and coming back ---------------------------------------------


def test_server_outage_and_recovery(engine: RemoteServer, runner: CliRunner) -> None:
    result = run_cli(runner, "build", *engine.options())
    assert result.exit_code == 0, result.output + result.stderr + engine.stderr()
    client = create_app(engine.settings()).test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 200

    engine.stop()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["status"] == "unavailable"
    assert "SPARQL server unavailable" in health.get_json()["error"]
    page = client.get("/")
    assert page.status_code == 503
    assert "SPARQL server unavailable" in page.get_data(as_text=True)
    down = run_cli(runner, "stats", *engine.options())
    assert down.exit_code == 1
    assert down.stderr.startswith("Error: ")
    assert "SPARQL server unavailable (connection refused)" in down.stderr
    assert len(down.stderr.strip().splitlines()) == 1
    assert "Traceback" not in down.output

    engine.start()  # same port, same data
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 200
    again = run_cli(runner, "stats", *engine.options())
    assert again.exit_code == 0, again.output + again.stderr
    assert "36" in again.output


def test_a_silent_server_times_out(tmp_path: Path) -> None:
    """A server that accepts the connection and never answers: StoreError after the timeout."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        store = RemoteStore(f"http://127.0.0.1:{port}/query", timeout=0.5)
        started = time.monotonic()
        with pytest.raises(StoreError, match=r"no answer within 0\.5 s"):
            len(store)
        assert time.monotonic() - started < 5


# -- binding terms into query text ------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "SELECT ?s WHERE { ?s ?p ?o }",
            "SELECT ?s WHERE {\n  VALUES (?s) { (<urn:x>) } ?s ?p ?o }",
        ),
        (
            "PREFIX select: <urn:p#> SELECT * { ?s select:p '}' } # {",
            "PREFIX select: <urn:p#> SELECT * {\n  VALUES (?s) { (<urn:x>) } ?s select:p '}' } # {",
        ),
        (
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
            "CONSTRUCT { ?s ?p ?o } WHERE {\n  VALUES (?s) { (<urn:x>) } ?s ?p ?o }",
        ),
        (
            "CONSTRUCT WHERE { ?s ?p ?o }",
            "CONSTRUCT WHERE { ?s ?p ?o }\nVALUES (?s) { (<urn:x>) }\n",
        ),
        (
            "SELECT ?s WHERE { SELECT ?s { ?s ?p ?o } LIMIT 1 }",
            "SELECT ?s WHERE {\n  VALUES (?s) { (<urn:x>) }\n  { SELECT ?s { ?s ?p ?o } LIMIT 1 }}",
        ),
        ("DESCRIBE ?s", "DESCRIBE ?s\nVALUES (?s) { (<urn:x>) }\n"),
    ],
)
def test_bind_places_values_in_the_where_group(query: str, expected: str) -> None:
    assert bind(query, {Variable("s"): NamedNode("urn:x")}) == expected


def test_bind_escapes_literals_and_refuses_blank_nodes() -> None:
    text = bind("ASK { ?s ?p ?o }", {Variable("o"): Literal('"} . DROP ALL ; #', language="ja")})
    assert text == 'ASK {\n  VALUES (?o) { ("\\"} . DROP ALL ; #"@ja) } ?s ?p ?o }'
    with pytest.raises(ValueError, match="only IRIs and literals"):
        bind("ASK { ?s ?p ?o }", {Variable("s"): BlankNode()})


def test_query_shape_sees_a_dataset_clause() -> None:
    assert query_shape("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }").declares_dataset
    assert not query_shape("SELECT * WHERE { ?s <urn:FROM> 'FROM' }").declares_dataset
    assert query_shape("ASK {}").form == "ASK"
