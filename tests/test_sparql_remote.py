"""/sparql when the graph lives on a remote SPARQL server (a real `oxigraph serve`)."""

from __future__ import annotations

import http.client
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from minami_kg.server import create_app

from .conftest import settings_for
from .w3c.server import free_port

# the remote store reads only the graphs under {base}graph/
GRAPH = "http://127.0.0.1:8000/graph/test"
DATA = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <http://ex/a> <http://ex/p> 'remote' }} }}"


@pytest.fixture(scope="module")
def remote() -> Iterator[str]:
    beside_python = Path(sys.executable).parent / "oxigraph"
    binary = str(beside_python) if beside_python.exists() else shutil.which("oxigraph")
    if binary is None:
        pytest.fail("the `oxigraph` server is missing: pip install -e '.[test]'")
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request(
                    "POST",
                    "/update",
                    body=DATA,
                    headers={"Content-Type": "application/sparql-update"},
                )
                if connection.getresponse().status in (200, 204):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("oxigraph serve did not start")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def test_queries_go_to_the_remote_server(remote: str, tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "unused").with_changes(
        endpoint=f"{remote}/query", update_endpoint=f"{remote}/update"
    )
    client = create_app(settings).test_client()
    select = client.get(
        "/sparql", query_string={"query": "SELECT ?o WHERE { ?s ?p ?o }", "format": "csv"}
    )
    assert select.status_code == 200
    assert select.data.splitlines() == [b"o", b"remote"]
    graph = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert graph.mimetype == "text/turtle" and b"remote" in graph.data
    assert client.get("/sparql", query_string={"query": "ASK {"}).status_code == 400
    dataset = client.get(
        "/sparql", query_string={"query": "ASK {}", "default-graph-uri": "http://ex/g"}
    )
    assert dataset.status_code == 501
    assert client.post("/sparql", data={"update": "CLEAR ALL"}).status_code == 403
