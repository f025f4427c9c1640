"""A harvester's view: a real server on loopback, read with rdflib alone.

Starting from `/.well-known/void`, follow every `void:dataDump`, parse it and
check it holds the whole store; then, as a crawler, dereference every IRI the
data mentions and follow the 303 to its page and its data. The store is built with the server's own
address as `{base}`, so every IRI the data mentions is one the server answers.
"""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.compare import isomorphic

from minami_kg.build import build
from minami_kg.config import Settings
from tests.conftest import settings_for

VOID = Namespace("http://rdfs.org/ns/void#")
RDFLIB_FORMAT_BY_SUFFIX = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".rdf": "xml",
}
DATASET_SUFFIXES = (".nq", ".trig", ".jsonld")


@dataclass(frozen=True)
class Served:
    base: str
    settings: Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    settings = settings_for(tmp_path_factory.mktemp("harvest") / "store").with_changes(base=base)
    build(settings)
    env = {**os.environ, "MINAMI_KG_STORE": str(settings.store), "MINAMI_KG_BASE": base}
    cli = Path(sys.executable).parent / "minami-kg"  # the console script of this venv
    command = [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port)]
    log_path = settings.store.parent / "server.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                output = log_path.read_text(errors="replace")
                pytest.fail(f"the server did not start on {base}:\n{output}")
            time.sleep(0.2)
        yield Served(base=base, settings=settings)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # the server's own process group
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        log.close()


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200, url
        return response.read()


def _whole_store(settings: Settings) -> Dataset:
    from minami_kg.store import EmbeddedStore

    dataset = Dataset()
    dataset.parse(data=EmbeddedStore(settings.store).sorted_nquads(), format="nquads")
    return dataset


def test_harvest_every_dump_from_the_void_description(served: Served) -> None:
    void = Graph().parse(served.base + ".well-known/void")  # rdflib negotiates the format
    dumps = sorted(str(o) for o in void.objects(None, VOID.dataDump))
    assert len(dumps) == 12, dumps
    expected = _whole_store(served.settings)
    expected_union = Graph()
    for s, p, o, _ in expected.quads((None, None, None, None)):
        expected_union.add((s, p, o))
    expected_graphs = {
        g.identifier: g
        for g in expected.graphs()
        if g.identifier != expected.default_graph.identifier
    }

    for url in dumps:
        assert url.startswith(served.base + "download/"), url
        data = _fetch(url)
        name = url.rsplit("/", 1)[1]
        if name.endswith(".gz"):
            data, name = gzip.decompress(data), name[:-3]
        suffix = Path(name).suffix
        fmt = RDFLIB_FORMAT_BY_SUFFIX[suffix]
        if suffix in DATASET_SUFFIXES:
            found = Dataset()
            found.parse(data=data, format=fmt)
            graphs = {
                g.identifier: g
                for g in found.graphs()
                if g.identifier != found.default_graph.identifier and len(g)
            }
            assert set(graphs) == set(expected_graphs), url
            for name_iri, graph in graphs.items():
                assert isomorphic(graph, expected_graphs[URIRef(name_iri)]), (url, name_iri)
        else:
            found = Graph().parse(data=data, format=fmt)
            assert isomorphic(found, expected_union), url


def _iris_under_base(settings: Settings) -> list[str]:
    """Every IRI under `{base}` the data mentions, graph names included."""
    from pyoxigraph import NamedNode, RdfFormat, parse

    from minami_kg.store import EmbeddedStore

    found: set[str] = set()
    data = EmbeddedStore(settings.store).sorted_nquads()
    for quad in parse(data, format=RdfFormat.N_QUADS):
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, NamedNode) and term.value.startswith(settings.base):
                found.add(term.value.split("#")[0])
    return sorted(found)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.parametrize(
    ("accept", "media_type"), [("text/html", "text/html"), ("text/turtle", "text/turtle")]
)
def test_crawl_every_iri(served: Served, accept: str, media_type: str) -> None:
    """Each `{base}id/` IRI answers 303 to a document, which answers 200 in the asked-for
    format; any other IRI under `{base}` answers 200 directly or the same way."""
    from concurrent.futures import ThreadPoolExecutor

    no_redirect = urllib.request.build_opener(_NoRedirect)

    def visit(iri: str) -> str | None:
        request = urllib.request.Request(iri, headers={"Accept": accept})
        try:
            with no_redirect.open(request, timeout=30) as response:
                if iri.startswith(served.base + "id/"):
                    return f"{iri}: {response.status} without a 303"
                if response.headers.get_content_type() != media_type:
                    return f"{iri}: {response.headers['Content-Type']}"
                return None
        except urllib.error.HTTPError as err:
            if err.code != 303:
                return f"{iri}: {err.code} instead of 303"
            location = urllib.parse.urljoin(iri, err.headers["Location"])
        try:
            with urllib.request.urlopen(
                urllib.request.Request(location, headers={"Accept": accept}), timeout=30
            ) as response:
                if response.status != 200:
                    return f"{iri} → {location}: {response.status}"
                if response.headers.get_content_type() != media_type:
                    return f"{iri} → {location}: {response.headers['Content-Type']}"
        except urllib.error.HTTPError as err:
            return f"{iri} → {location}: {err.code}"
        return None

    iris = _iris_under_base(served.settings)
    assert len(iris) > 100
    with ThreadPoolExecutor(max_workers=4) as pool:
        failures = [f for f in pool.map(visit, iris) if f]
    assert not failures, f"{len(failures)} of {len(iris)} IRIs fail, e.g.\n" + "\n".join(
        failures[:20]
    )
