"""The open-data face: dumps, the DCAT/VoID description, downloads, caching, sitemap, robots."""

from __future__ import annotations

import gzip
import hashlib
import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from pyoxigraph import Dataset, NamedNode, RdfFormat, parse
from pyshacl import validate
from rdflib import Dataset as RdflibDataset
from rdflib import Graph, Namespace, URIRef

from minami_kg.build import BuildResult, build
from minami_kg.config import PROJECT_ROOT, Settings
from minami_kg.publish import DUMP_FORMATS, read_manifest
from minami_kg.results.formats import GRAPH_FORMATS
from minami_kg.server import create_app
from minami_kg.store import EmbeddedStore
from tests.conftest import settings_for

DCAT_AP = PROJECT_ROOT.parent / "shared" / "standards" / "dcat-ap"
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
RDFLIB_FORMATS = {
    "ttl": "turtle",
    "nt": "nt",
    "nq": "nquads",
    "trig": "trig",
    "jsonld": "json-ld",
    "rdfxml": "xml",
}


@pytest.fixture(scope="module")
def client(seed_settings: Settings, seed_build: BuildResult) -> FlaskClient:
    return create_app(seed_settings).test_client()


def _quads(data: bytes, fmt: RdfFormat) -> set:
    return set(parse(data, format=fmt))


# ---------------------------------------------------------------- dumps


def test_build_writes_every_dump_plain_and_gzipped(
    seed_settings: Settings, seed_store: EmbeddedStore
) -> None:
    manifest = read_manifest(seed_settings.dumps_dir)
    assert manifest is not None
    names = {f.name for f in manifest.files}
    for extension, _, _ in DUMP_FORMATS:
        assert {f"minami-kg.{extension}", f"minami-kg.{extension}.gz"} <= names
    for dump in manifest.files:
        data = (seed_settings.dumps_dir / dump.name).read_bytes()
        assert len(data) == dump.byte_size
        assert hashlib.sha256(data).hexdigest() == dump.sha256
        if dump.gzip:
            assert data[4:8] == b"\0\0\0\0", "gzip mtime must be 0"
            assert gzip.decompress(data) == (seed_settings.dumps_dir / dump.name[:-3]).read_bytes()


def test_dumps_hold_the_whole_store(seed_settings: Settings, seed_store: EmbeddedStore) -> None:
    store_quads = _quads(seed_store.sorted_nquads(), RdfFormat.N_QUADS)
    union = {q.triple for q in store_quads}
    for extension, fmt, _ in DUMP_FORMATS:
        data = (seed_settings.dumps_dir / f"minami-kg.{extension}").read_bytes()
        found = _quads(data, fmt)
        if fmt.supports_datasets:
            assert found == store_quads, extension
        else:
            assert {q.triple for q in found} == union, extension


def test_dumps_are_deterministic(tmp_path: Path, seed_settings: Settings) -> None:
    again = settings_for(tmp_path / "store")
    build(again)
    first, second = read_manifest(seed_settings.dumps_dir), read_manifest(again.dumps_dir)
    assert first and second
    assert [(f.name, f.sha256) for f in first.files] == [(f.name, f.sha256) for f in second.files]


# ---------------------------------------------------------------- the description


def _description(client: FlaskClient, fmt: str = "ttl", path: str = "/dataset") -> Graph:
    response = client.get(f"{path}?format={fmt}")
    assert response.status_code == 200
    graph = RdflibDataset() if fmt in ("nq", "trig", "jsonld") else Graph()
    graph.parse(data=response.data, format=RDFLIB_FORMATS[fmt])
    return graph


def test_description_conforms_to_dcat_ap(client: FlaskClient) -> None:
    """DCAT-AP 3.0.1: shapes.ttl (mandatory, literal ranges) and range.ttl (class ranges)."""
    assert (DCAT_AP / "shapes.ttl").is_file(), f"DCAT-AP shapes missing in {DCAT_AP}"
    shapes = Graph().parse(DCAT_AP / "shapes.ttl").parse(DCAT_AP / "range.ttl")
    conforms, _, text = validate(_description(client), shacl_graph=shapes)
    assert conforms, text


@pytest.mark.parametrize("path", ["/dataset", "/.well-known/void"])
@pytest.mark.parametrize("fmt", [f.name for f in GRAPH_FORMATS])
def test_description_in_every_rdf_format(client: FlaskClient, path: str, fmt: str) -> None:
    graph = _description(client, fmt, path)
    if isinstance(graph, RdflibDataset):
        triples = {(s, p, o) for s, p, o, _ in graph.quads((None, None, None, None))}
    else:
        triples = set(graph)
    assert any(p == VOID.triples for _, p, _ in triples)


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
def test_description_by_content_negotiation(client: FlaskClient, fmt) -> None:
    response = client.get("/.well-known/void", headers={"Accept": fmt.media_type})
    assert response.status_code == 200
    assert response.mimetype == fmt.media_type
    assert "Accept" in response.vary


def test_description_html_and_406(client: FlaskClient) -> None:
    page = client.get("/dataset", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "minami-kg.ttl.gz" in page.text and "SPARQL" in page.text
    assert client.get("/dataset", headers={"Accept": "image/png"}).status_code == 406


def test_description_says_what_harvesters_need(client: FlaskClient, seed_store) -> None:
    graph = _description(client)
    base = "http://127.0.0.1:8000/"
    whole = URIRef(base + "dataset#graph")
    assert (None, DCAT.dataset, URIRef(base + "dataset#plan-minami-2022")) in graph
    for term in ("triples", "entities", "classPartition", "propertyPartition", "vocabulary"):
        assert (whole, VOID[term], None) in graph, term
    assert (whole, VOID.sparqlEndpoint, URIRef(base + "sparql")) in graph
    assert str(graph.value(whole, VOID.uriSpace)) == base + "id/"
    assert (whole, VOID.exampleResource, URIRef(base + "id/minami/2022")) in graph
    dumps = set(graph.objects(whole, VOID.dataDump))
    assert URIRef(base + "download/minami-kg.nq.gz") in dumps and len(dumps) == 12
    dcterms = Namespace("http://purl.org/dc/terms/")
    catalog = URIRef(base + "dataset#catalog")
    assert graph.value(catalog, dcterms.modified) is not None
    assert {t.language for t in graph.objects(catalog, dcterms.title)} == {"ja", "en"}
    assert (
        catalog,
        dcterms.license,
        URIRef("https://creativecommons.org/licenses/by/4.0/"),
    ) in graph
    service = URIRef(base + "dataset#sparql")
    assert (service, DCAT.endpointURL, URIRef(base + "sparql")) in graph
    assert (
        service,
        URIRef("http://purl.org/dc/terms/conformsTo"),
        URIRef("https://www.w3.org/TR/sparql11-protocol/"),
    ) in graph


# ---------------------------------------------------------------- downloads


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("minami-kg.ttl", "text/turtle"),
        ("minami-kg.nt", "application/n-triples"),
        ("minami-kg.nq", "application/n-quads"),
        ("minami-kg.trig", "application/trig"),
        ("minami-kg.jsonld", "application/ld+json"),
        ("minami-kg.rdf", "application/rdf+xml"),
        ("minami-kg.ttl.gz", "application/gzip"),
        ("minami-kg.nq.gz", "application/gzip"),
    ],
)
def test_download(client: FlaskClient, seed_settings: Settings, name: str, media_type: str) -> None:
    response = client.get(f"/download/{name}")
    data = (seed_settings.dumps_dir / name).read_bytes()
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Content-Encoding" not in response.headers
    assert response.content_length == len(data) and response.data == data
    etag = response.headers["ETag"]
    assert etag == f'"{hashlib.sha256(data).hexdigest()}"'
    assert client.get(f"/download/{name}", headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/download/../pyproject.toml",
        "/download/..%2Fpyproject.toml",
        "/download/%2e%2e/pyproject.toml",
        "/download/%2e%2e%2fpyproject.toml",
        "/download/..%252Fpyproject.toml",
        "/download/manifest.json",
        "/download/minami-kg.csv",
        "/download//etc/passwd",
    ],
)
def test_download_reaches_nothing_else(client: FlaskClient, path: str) -> None:
    assert client.get(path, follow_redirects=True).status_code == 404


# ---------------------------------------------------------------- caching


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/dataset",
        "/dataset?format=nt",
        "/.well-known/void",
        "/sitemap.xml",
        "/robots.txt",
        "/sparql?query=ASK%7B%7D",
    ],
)
def test_validators_and_304(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["ETag"] and response.last_modified
    assert "max-age" in response.headers["Cache-Control"]
    again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = response.headers["Last-Modified"]
    assert client.get(path, headers={"If-Modified-Since": since}).status_code == 304
    assert client.get(path, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_formats_have_their_own_etags(client: FlaskClient) -> None:
    tags = {client.get(f"/dataset?format={f.name}").headers["ETag"] for f in GRAPH_FORMATS}
    assert len(tags) == len(GRAPH_FORMATS)


def test_etag_changes_on_rebuild_only(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "store")
    build(settings)
    client = create_app(settings).test_client()
    first = client.get("/dataset").headers["ETag"]
    assert client.get("/dataset").headers["ETag"] == first
    build(settings)
    assert client.get("/dataset").headers["ETag"] != first


# ---------------------------------------------------------------- sitemap and robots


def test_sitemap_lists_a_page_per_id(client: FlaskClient, seed_store: EmbeddedStore) -> None:
    from xml.etree import ElementTree

    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {e.text for e in ElementTree.fromstring(response.data).findall("s:url/s:loc", ns)}
    base = "http://127.0.0.1:8000/"
    ids = {  # a fragment (id/minami#name) is part of its document's page
        term.value.split("#")[0]
        for quad in _quads(seed_store.sorted_nquads(), RdfFormat.N_QUADS)
        for term in (quad.subject, quad.object)
        if isinstance(term, NamedNode) and term.value.startswith(base + "id/")
    }
    assert ids and locs == {base + "page/" + iri.removeprefix(base + "id/") for iri in ids}


def test_robots_points_at_the_sitemap(client: FlaskClient) -> None:
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in response.text.splitlines()


def test_dataset_parses_with_pyoxigraph_too(client: FlaskClient) -> None:
    data = client.get("/dataset?format=trig").data
    assert len(Dataset(parse(io.BytesIO(data), format=RdfFormat.TRIG))) > 100
