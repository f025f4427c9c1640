"""SPARQLWrapper, a client people use, against `minami-kg serve` over real HTTP.

Every result format SPARQLWrapper knows, with each way it sends a query: GET,
POST as a form, and POST with the query as the body.
"""

from __future__ import annotations

import csv
import http.client
import io
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from rdflib import Graph
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from minami_kg.cli import main
from minami_kg.config import Settings

from .w3c.server import live_server

LABEL = "令和4年度 南区運営方針"
PREFIXES = """
PREFIX mkg: <https://w3id.org/minami-kg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
SELECT = (
    PREFIXES
    + """
SELECT ?label WHERE {
  ?plan a mkg:Plan ; mkg:fiscalYear ?fy ; skos:prefLabel ?label . FILTER(lang(?label) = "ja")
}"""
)
ASK = PREFIXES + "ASK { ?plan a mkg:Plan ; mkg:fiscalYear ?fy }"
CONSTRUCT = (
    PREFIXES
    + """
CONSTRUCT { ?plan skos:prefLabel ?label }
WHERE { ?plan a mkg:Plan ; mkg:fiscalYear ?fy ; skos:prefLabel ?label }"""
)

METHODS = {
    "get": (GET, URLENCODED),
    "post-form": (POST, URLENCODED),
    "post-direct": (POST, POSTDIRECTLY),
}


@pytest.fixture(scope="module")
def endpoint(seed_settings: Settings, seed_build: object) -> Iterator[str]:
    with live_server(seed_settings.store) as url:
        yield f"{url}/sparql"


def wrapper(endpoint: str, query: str, fmt: str, method: str) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    http_method, request_method = METHODS[method]
    client.setMethod(http_method)
    client.setRequestMethod(request_method)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select(endpoint: str, fmt: str, method: str) -> None:
    result = wrapper(endpoint, SELECT, fmt, method).query()
    data = result.convert()
    if fmt == JSON:
        assert result.info()["content-type"] == "application/sparql-results+json"
        labels = [b["label"]["value"] for b in data["results"]["bindings"]]
    elif fmt == XML:
        labels = [n.firstChild.data for n in data.getElementsByTagName("literal")]
    elif fmt == CSV:
        labels = [row["label"] for row in csv.DictReader(io.StringIO(data.decode()))]
    else:
        rows = data.decode().splitlines()
        assert rows[0] == "?label"
        labels = [row.removesuffix("@ja").strip('"') for row in rows[1:]]
    assert labels == [LABEL]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_ask(endpoint: str, fmt: str, method: str) -> None:
    data = wrapper(endpoint, ASK, fmt, method).query().convert()
    if fmt == JSON:
        assert data["boolean"] is True
    elif fmt == XML:
        assert data.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert data.strip() == b"true"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, XML, JSONLD])
def test_construct(endpoint: str, fmt: str, method: str) -> None:
    data = wrapper(endpoint, CONSTRUCT, fmt, method).query().convert()
    graph = data if isinstance(data, Graph) else Graph().parse(data=data, format="turtle")
    assert LABEL in {str(o) for o in graph.objects()}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD])
def test_describe(endpoint: str, seed_settings: Settings, fmt: str, method: str) -> None:
    plan = f"{seed_settings.base}id/minami/2022"
    data = wrapper(endpoint, f"DESCRIBE <{plan}>", fmt, method).query().convert()
    graph = data if isinstance(data, Graph) else Graph().parse(data=data, format="turtle")
    assert LABEL in {str(o) for o in graph.objects()}


@pytest.mark.parametrize("method", METHODS)
def test_construct_as_n_triples_by_content_negotiation(endpoint: str, method: str) -> None:
    client = wrapper(endpoint, CONSTRUCT, TURTLE, method)
    client.setOnlyConneg(True)
    client.addCustomHttpHeader("Accept", "application/n-triples")
    result = client.query()
    assert result.info()["content-type"] == "application/n-triples"
    graph = Graph().parse(data=result.convert(), format="nt")
    assert LABEL in {str(o) for o in graph.objects()}


def test_serve_runs_waitress_on_port_from_env(endpoint: str) -> None:
    address = urlsplit(endpoint)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    connection.request("GET", "/healthz")
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Server", "") == "minami-kg"  # waitress, named as ours


def test_serve_options() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--threads", "--host", "--port", "--dev"):
        assert option in result.output
    assert "waitress" in result.output
