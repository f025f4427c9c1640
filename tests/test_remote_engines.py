"""Where real SPARQL servers bend the standard, and how the remote store absorbs it.

Each test runs on Oxigraph and on Virtuoso (tests/remote_engines.py) and is
written so that Virtuoso without the store's handling fails it; see
minami_kg/store/remote_answers.py and docs/operators.md ("### Virtuoso").
A test that needs a server started differently says which engine and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import Literal, NamedNode, QuerySolutions, RdfFormat, Store, serialize

from minami_kg.config import Settings
from minami_kg.server import create_app
from minami_kg.store import EmbeddedStore, RemoteStore, StoreError, open_store
from minami_kg.store.remote import STAGING_PREFIX

from .conftest import settings_for
from .oxigraph_server import run_cli
from .remote_engines import RemoteServer
from .virtuoso_server import VirtuosoServer

BASE = Settings().base
MKG = "https://w3id.org/minami-kg/def#"
BIG = 12_000  # quads in one graph: more than Virtuoso's default ResultSetMaxRows (10,000)
ALL_GRAPHS = "SELECT ?g { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def _nquads(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _remote(server: RemoteServer) -> RemoteStore:
    store = open_store(server.settings())
    assert isinstance(store, RemoteStore)
    return store


# -- listing our graphs --------------------------------------------------------------


def test_graphs_are_listed_and_a_rebuild_elsewhere_is_seen_at_once(
    engine: RemoteServer, tmp_path: Path
) -> None:
    """Virtuoso answers `GRAPH ?g { }` with one row and ?g unbound: the listing must not
    come back empty (every query would then run on an empty dataset), must leave the
    server's system graphs out, and must not keep a list another process can outdate."""
    reader = _remote(engine)
    assert reader.named_graphs() == []
    assert len(reader) == 0
    writer = _remote(engine)  # another process, as far as the reader can tell
    writer.replace(_nquads(tmp_path / "a.nq", [f"<urn:a> <urn:p> <urn:b> <{BASE}graph/a> ."]))
    assert reader.named_graphs() == [BASE + "graph/a"]
    assert bool(reader.query("ASK { <urn:a> <urn:p> <urn:b> }"))
    writer.replace(_nquads(tmp_path / "b.nq", [f"<urn:c> <urn:p> <urn:d> <{BASE}graph/b> ."]))
    assert reader.named_graphs() == [BASE + "graph/b"]
    assert not bool(reader.query("ASK { <urn:a> <urn:p> <urn:b> }"))
    assert len(reader) == 1
    on_server = {row["g"] for row in engine.raw_select(ALL_GRAPHS)}
    assert BASE + "graph/b" in on_server
    assert not [g for g in reader.named_graphs() if g not in on_server]


def test_stale_staging_graphs_are_found_and_dropped(engine: RemoteServer, tmp_path: Path) -> None:
    """A staging graph left by a build that died long ago is dropped by the next build
    (on Virtuoso it can only be found by listing graphs the way that works there)."""
    stale = f"{STAGING_PREFIX}1000-dead:0"
    engine.raw_update(f"INSERT DATA {{ GRAPH <{stale}> {{ <urn:x> <urn:p> <urn:y> }} }}")
    assert stale in {row["g"] for row in engine.raw_select(ALL_GRAPHS)}
    store = _remote(engine)
    assert store.named_graphs() == []  # never one of ours
    store.replace(_nquads(tmp_path / "a.nq", [f"<urn:a> <urn:p> <urn:b> <{BASE}graph/a> ."]))
    graphs = {row["g"] for row in engine.raw_select(ALL_GRAPHS)}
    assert stale not in graphs
    assert not [g for g in graphs if g.startswith(STAGING_PREFIX)]


# -- the row limit -------------------------------------------------------------------------


@pytest.fixture
def big(engine: RemoteServer, tmp_path: Path) -> tuple[RemoteServer, Path]:
    """BIG quads in one graph (three a subject) and a few in another, written by `replace`."""
    lines = [f'<urn:s{i // 3:05d}> <urn:p{i % 3}> "{i}" <{BASE}graph/big> .' for i in range(BIG)]
    lines += [f"<urn:t{i}> <urn:p> <urn:s{i:05d}> <{BASE}graph/small> ." for i in range(5)]
    path = _nquads(tmp_path / "big.nq", lines)
    _remote(engine).replace(path)
    return engine, path


def test_a_graph_bigger_than_the_row_limit_is_read_whole(
    big: tuple[RemoteServer, Path],
) -> None:
    """Virtuoso cuts every answer at 10,000 rows: reading everything pages past it."""
    server, path = big
    store = _remote(server)
    expected = b"".join(sorted(path.read_bytes().splitlines(keepends=True)))
    assert len(store) == BIG + 5
    assert store.sorted_nquads() == expected
    dumped = store.dump(RdfFormat.N_QUADS)
    assert b"".join(sorted(dumped.splitlines(keepends=True))) == expected
    triples = store.dump(RdfFormat.N_TRIPLES)
    assert triples.count(b"\n") == BIG + 5


def test_a_cut_answer_is_never_taken_for_a_whole_one(
    remote_engine: str, big: tuple[RemoteServer, Path]
) -> None:
    """A query whose answer the server cut raises StoreError naming the limit; on a server
    without a limit the same query simply answers everything."""
    store = _remote(big[0])
    select = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    if remote_engine == "virtuoso":
        with pytest.raises(StoreError, match="ResultSetMaxRows"):
            store.query(select)
        with pytest.raises(StoreError, match="ResultSetMaxRows"):
            store.query(construct)  # cut with no header at all
        rows, cut = store.query_cut(select)
        assert cut == 10_000 and len(list(rows)) == 10_000  # type: ignore[arg-type]
    else:
        assert len(list(store.query(select))) == BIG + 5  # type: ignore[arg-type]
        assert len(list(store.query(construct))) == BIG + 5  # type: ignore[arg-type]
        assert store.query_cut(select)[1] is None
    # a smaller answer is whole on both
    count = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert isinstance(count, QuerySolutions)
    assert int(next(count)["n"].value) == BIG + 5


def test_sparql_marks_an_answer_the_server_cut(
    remote_engine: str, big: tuple[RemoteServer, Path], tmp_path: Path
) -> None:
    """/sparql over a remote store answers the rows the server sent, marked truncated as
    the embedded endpoint marks its own `max_rows` cut (set far above here)."""
    server = big[0]
    settings = settings_for(tmp_path / "unused").with_changes(
        endpoint=server.query_endpoint, update_endpoint=server.update_endpoint, max_rows=50_000
    )
    client = create_app(settings).test_client()
    answer = client.get(
        "/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p ?o }", "format": "csv"}
    )
    assert answer.status_code == 200
    rows = answer.data.splitlines()[1:]
    if remote_engine == "virtuoso":
        assert len(rows) == 10_000
        assert answer.headers["X-Result-Truncated"] == "true"
        assert answer.headers["X-Result-Max-Rows"] == "10000"
    else:
        assert len(rows) == BIG + 5
        assert "X-Result-Truncated" not in answer.headers


def test_pages_of_a_small_row_limit(
    tmp_path: Path, seed_store: EmbeddedStore, runner: CliRunner
) -> None:
    """Virtuoso only (its ini sets the limit): with ResultSetMaxRows at 1,000 every graph
    of the seed but the smallest is read in pages, and the export is still byte for byte
    the embedded build's. (The seed is written with `replace`: `build` itself reads
    answers of more than 1,000 rows, which such a server refuses it, loudly.)"""
    seed = tmp_path / "seed.nq"
    seed.write_bytes(seed_store.sorted_nquads())
    server = VirtuosoServer(tmp_path / "virtuoso", max_rows=1_000)
    server.start()
    try:
        store = _remote(server)
        store.replace(seed)
        assert store.sorted_nquads() == seed_store.sorted_nquads()
        out = tmp_path / "export.nq"
        exported = run_cli(runner, "export", "--format", "nq", "-o", str(out), *server.options())
        assert exported.exit_code == 0, exported.output + exported.stderr
        assert out.read_bytes() == seed_store.sorted_nquads()
        with pytest.raises(StoreError, match="ResultSetMaxRows"):
            store.query("SELECT * WHERE { ?s ?p ?o }")
        failed = run_cli(runner, "query", "measures-by-area", *server.options())
        assert failed.exit_code == 0 or "ResultSetMaxRows" in failed.stderr
    finally:
        server.stop()


# -- terms as they come back ---------------------------------------------------------------


def test_booleans_come_back_as_the_embedded_store_has_them(
    seeded_engine: RemoteServer, seed_store: EmbeddedStore
) -> None:
    """Virtuoso writes a stored xsd:boolean as "1"/"0"; the embedded store as true/false."""
    query = f"SELECT ?area ?priority WHERE {{ ?area <{MKG}isPriority> ?priority }}"

    def rows(store: RemoteStore | EmbeddedStore) -> set[tuple[str, str]]:
        return {(str(row["area"]), str(row["priority"])) for row in store.query(query)}

    found = rows(_remote(seeded_engine))
    assert found == rows(seed_store)
    assert {priority for _, priority in found} == {
        str(Literal(True)),
        str(Literal(False)),
    }
    construct = f"CONSTRUCT {{ ?a <{MKG}isPriority> ?p }} WHERE {{ ?a <{MKG}isPriority> ?p }}"
    remote_triples = serialize(_remote(seeded_engine).query(construct), format=RdfFormat.N_TRIPLES)
    embedded = serialize(seed_store.query(construct), format=RdfFormat.N_TRIPLES)
    assert sorted(remote_triples.splitlines()) == sorted(embedded.splitlines())


def _round_trip(engine: RemoteServer, path: Path) -> tuple[RemoteStore, Store]:
    """`path` written to the engine, and an embedded store of it; asserts the engine gives
    back, byte for byte, the sorted N-Quads of the embedded store."""
    store = _remote(engine)
    store.replace(path)
    local = Store()
    local.load(path=str(path), format=RdfFormat.N_QUADS)
    expected = b"".join(
        sorted(serialize(local, format=RdfFormat.N_QUADS).splitlines(keepends=True))
    )
    assert store.sorted_nquads() == expected
    return store, local


def test_language_tags_read_back_as_the_embedded_store_keeps_them(
    engine: RemoteServer, tmp_path: Path
) -> None:
    """Virtuoso lower-cases language tags; pyoxigraph does too (in the embedded store as
    well), so what comes back is byte for byte what an embedded store of the file gives."""
    lines = [
        f'<urn:a> <urn:p> "南区"@ja-JP <{BASE}graph/lang> .',
        f'<urn:a> <urn:p> "南區"@zh-Hant-TW <{BASE}graph/lang> .',
        f'<urn:a> <urn:p> "Minami"@en <{BASE}graph/lang> .',
    ]
    store, local = _round_trip(engine, _nquads(tmp_path / "lang.nq", lines))
    ask = 'ASK { <urn:a> <urn:p> ?o FILTER(langMatches(lang(?o), "ja-JP")) }'
    assert bool(store.query(ask))
    labels = store.query("SELECT ?o WHERE { <urn:a> <urn:p> ?o }")
    assert {row["o"] for row in labels} == {quad.object for quad in local}
    assert Literal("南区", language="ja-JP") in {
        row["o"] for row in store.query("SELECT ?o WHERE { <urn:a> <urn:p> ?o }")
    }
    assert NamedNode("urn:a") in {row["s"] for row in store.query("SELECT ?s { ?s ?p ?o }")}


def test_integral_decimals_keep_their_type(engine: RemoteServer, tmp_path: Path) -> None:
    """Virtuoso stores `"1"^^xsd:decimal` as an integer (read back as xsd:integer); the
    embedded store's own export writes it so, and a reload must keep it a decimal."""
    decimal = "<http://www.w3.org/2001/XMLSchema#decimal>"
    lines = [
        f'<urn:a> <urn:score> "1"^^{decimal} <{BASE}graph/d> .',
        f'<urn:b> <urn:score> "1.0"^^{decimal} <{BASE}graph/d> .',
        f'<urn:c> <urn:score> "-2"^^{decimal} <{BASE}graph/d> .',
        f'<urn:d> <urn:score> "0.8"^^{decimal} <{BASE}graph/d> .',
    ]
    store, _ = _round_trip(engine, _nquads(tmp_path / "decimals.nq", lines))
    typed = "SELECT (DATATYPE(?o) AS ?t) WHERE { ?s <urn:score> ?o }"
    assert {row["t"].value for row in store.query(typed)} == {decimal.strip("<>")}
