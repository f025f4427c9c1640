"""The W3C SPARQL 1.1 Protocol test suite against `minami-kg serve` over real HTTP.

Every mf:ProtocolTest of `shared/standards/sparql-protocol/manifest.ttl` is run
as written: its requests in order, with their methods, headers and bodies (in
their declared character encoding), against a live server on loopback. Before
each test the store is rebuilt with the test's ut:graphData (each file in the
named graph its rdfs:label gives). Checked: the status class (mf:expectedStatus),
the result form (mf:expectedFormat: "boolean", "tabular" or "RDF") and the ASK
answer (mf:expectedBoolean).

Two things differ from the manifest's letter, both allowed by it or needed by
any deployment: the path prefix `/sparql/` becomes our `/sparql`, and every
request carries `Authorization: Bearer <token>` so the update tests reach an
endpoint that allows updates only with a token.

A missing manifest fails the test run; it is never skipped. Known failures are
listed by name in KNOWN_FAILURES (xfail, strict) with the reason.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    parse,
    parse_query_results,
)
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection

from minami_kg.config import PROJECT_ROOT
from minami_kg.store import replace_store

from .server import live_server

SUITE = PROJECT_ROOT.parent / "shared" / "standards" / "sparql-protocol"
MANIFEST = SUITE / "manifest.ttl"
TOKEN = "w3c-protocol-tests"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

KNOWN_FAILURES: dict[str, str] = {}


@dataclass
class Request:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes | None
    statuses: set[str]  # "2xx", "3xx", "4xx"
    expected_format: str | None
    expected_boolean: bool | None


@dataclass
class ProtocolTest:
    name: str  # the manifest's local name, e.g. query_post_form
    title: str
    graphs: list[tuple[Path, str]] = field(default_factory=list)  # (file, graph IRI)
    requests: list[Request] = field(default_factory=list)


def read_manifest(path: Path) -> list[ProtocolTest]:
    graph = Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        if (entry, RDF.type, MF.ProtocolTest) not in graph:
            continue
        test = ProtocolTest(str(entry).rsplit("#", 1)[-1], str(graph.value(entry, MF.name)))
        for data in graph.objects(entry, UT.graphData):
            file = Path(str(graph.value(data, UT.graph)).removeprefix("file://"))
            test.graphs.append((SUITE / file.name, str(graph.value(data, RDFS.label))))
        action = graph.value(entry, MF.action)
        for node in Collection(graph, graph.value(action, HT.requests)):
            test.requests.append(_request(graph, node))
        tests.append(test)
    return tests


def _request(graph: Graph, node: URIRef) -> Request:
    headers = []
    header_list = graph.value(node, HT.headers)
    if header_list is not None:
        for header in Collection(graph, header_list):
            headers.append(
                (str(graph.value(header, HT.fieldName)), str(graph.value(header, HT.fieldValue)))
            )
    body = None
    body_node = graph.value(node, HT.body)
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    response = graph.value(node, HT.resp)
    statuses = {
        str(s).rsplit("StatusCode", 1)[-1] for s in graph.objects(response, MF.expectedStatus)
    }
    expected_boolean = graph.value(response, MF.expectedBoolean)
    expected_format = graph.value(response, MF.expectedFormat)
    return Request(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=headers,
        body=body,
        statuses=statuses,
        expected_format=str(expected_format) if expected_format is not None else None,
        expected_boolean=expected_boolean.toPython() if expected_boolean is not None else None,
    )


def _cases() -> list[object]:
    if not MANIFEST.is_file():
        return [pytest.param(None, id="manifest-missing")]
    cases = []
    for test in read_manifest(MANIFEST):
        marks = []
        if test.name in KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(reason=KNOWN_FAILURES[test.name], strict=True))
        cases.append(pytest.param(test, id=test.name, marks=marks))
    return cases


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("w3c")
    empty = folder / "empty.nq"
    empty.write_text("")
    store = folder / "store"
    replace_store(store, empty)
    with live_server(store, env={"MINAMI_KG_UPDATE_TOKEN": TOKEN}) as url:
        yield url, store


def load_graphs(store: Path, graphs: list[tuple[Path, str]], scratch: Path) -> None:
    """Rebuild the store holding exactly the test's graphs (the server reopens it)."""
    lines = []
    for file, name in graphs:
        for quad in parse(path=str(file), format=RdfFormat.N_TRIPLES):
            lines.append(f"{quad.subject} {quad.predicate} {quad.object} <{name}> .\n")
    scratch.write_text("".join(lines))
    replace_store(store, scratch)


@pytest.mark.parametrize("test", _cases())
def test_protocol(test: ProtocolTest | None, server: tuple[str, Path], tmp_path: Path) -> None:
    assert test is not None, f"the W3C protocol manifest is missing: {MANIFEST}"
    url, store = server
    load_graphs(store, test.graphs, tmp_path / "data.nq")
    address = urlsplit(url)
    for number, request in enumerate(test.requests, start=1):
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        headers = dict(request.headers)
        headers["Authorization"] = f"Bearer {TOKEN}"
        path = "/sparql" + request.path.removeprefix("/sparql/")  # "/sparql/?q=" -> "/sparql?q="
        connection.request(request.method, path, body=request.body, headers=headers)
        response = connection.getresponse()
        body = response.read()
        where = f"{test.name} request {number}: {request.method} {path}"
        status_class = f"{response.status // 100}xx"
        assert status_class in request.statuses, (
            f"{where}: status {response.status}, expected {sorted(request.statuses)}\n"
            f"{body.decode(errors='replace')[:500]}"
        )
        content_type = response.getheader("Content-Type", "")
        if request.expected_format:
            _check_format(where, request, content_type, body)


def _check_format(where: str, request: Request, content_type: str, body: bytes) -> None:
    media_type = content_type.split(";")[0].strip()
    if request.expected_format == "RDF":
        fmt = RdfFormat.from_media_type(media_type)
        assert fmt is not None, f"{where}: {content_type} is not an RDF format"
        list(parse(body, format=fmt))
        return
    fmt = QueryResultsFormat.from_media_type(media_type)
    assert fmt is not None, f"{where}: {content_type} is not a SPARQL results format"
    result = parse_query_results(body, format=fmt)
    if request.expected_format == "boolean":
        assert isinstance(result, QueryBoolean), f"{where}: not a boolean result: {body[:200]!r}"
        if request.expected_boolean is not None:
            assert bool(result) is request.expected_boolean, f"{where}: {body[:200]!r}"
    else:
        assert isinstance(result, QuerySolutions), f"{where}: not a table: {body[:200]!r}"
