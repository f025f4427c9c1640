"""/sparql when the graph lives on a remote SPARQL server (real Oxigraph and Virtuoso)."""

from __future__ import annotations

from pathlib import Path

from minami_kg.server import create_app

from .conftest import settings_for
from .remote_engines import RemoteServer

# the remote store reads only the graphs under {base}graph/
GRAPH = "http://127.0.0.1:8000/graph/test"
DATA = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <http://ex/a> <http://ex/p> 'remote' }} }}"


def test_queries_go_to_the_remote_server(engine: RemoteServer, tmp_path: Path) -> None:
    engine.raw_update(DATA)
    settings = settings_for(tmp_path / "unused").with_changes(
        endpoint=engine.query_endpoint, update_endpoint=engine.update_endpoint
    )
    client = create_app(settings).test_client()
    select = client.get(
        "/sparql", query_string={"query": "SELECT ?o WHERE { ?s ?p ?o }", "format": "csv"}
    )
    assert select.status_code == 200
    assert select.data.splitlines() == [b"o", b"remote"]
    graph = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert graph.mimetype == "text/turtle" and b"remote" in graph.data
    ask = client.get("/sparql", query_string={"query": "ASK { ?s ?p 'remote' }", "format": "json"})
    assert ask.get_json()["boolean"] is True
    assert client.get("/sparql", query_string={"query": "ASK {"}).status_code == 400
    dataset = client.get(
        "/sparql", query_string={"query": "ASK {}", "default-graph-uri": "http://ex/g"}
    )
    assert dataset.status_code == 501
    assert client.post("/sparql", data={"update": "CLEAR ALL"}).status_code == 403
