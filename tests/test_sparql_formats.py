"""Content negotiation for /sparql, with Accept headers that real clients send."""

from __future__ import annotations

import pytest

from minami_kg.results.formats import (
    GRAPH,
    GRAPH_FORMATS,
    RESULT_FORMATS,
    RESULTS,
    choose,
    parse_accept,
    prefers_html,
)

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
SPARQLWRAPPER_JSON = (
    "application/sparql-results+json,application/json,text/javascript,application/javascript"
)
SPARQLWRAPPER_N3 = (
    "application/turtle,text/turtle,text/rdf+n3,application/n-triples,application/n3,text/n3"
)
YASGUI_SELECT = "application/sparql-results+json,*/*;q=0.9"


@pytest.mark.parametrize(
    ("accept", "kind", "expected"),
    [
        (None, RESULTS, "json"),
        ("*/*", GRAPH, "ttl"),
        (SPARQLWRAPPER_JSON, RESULTS, "json"),
        (SPARQLWRAPPER_N3, GRAPH, "ttl"),
        ("application/sparql-results+xml", RESULTS, "xml"),
        ("text/csv", RESULTS, "csv"),
        ("text/tab-separated-values", RESULTS, "tsv"),
        ("application/rdf+xml", GRAPH, "rdfxml"),
        ("application/ld+json", GRAPH, "jsonld"),
        ("application/n-triples", GRAPH, "nt"),
        ("application/n-quads", GRAPH, "nq"),
        ("application/trig", GRAPH, "trig"),
        ("text/csv;q=0.5, application/sparql-results+xml", RESULTS, "xml"),
        ("text/csv, application/sparql-results+xml;q=0.5", RESULTS, "csv"),
        ("text/*", RESULTS, "xml"),  # text/xml is one of SPARQL XML's types
        ("application/json", GRAPH, "jsonld"),
        (YASGUI_SELECT, RESULTS, "json"),
        (FIREFOX, RESULTS, "xml"),  # application/xml;q=0.9 beats */*;q=0.8
        ("text/csv", GRAPH, None),
        ("image/png", RESULTS, None),
        ("application/sparql-results+json;q=0", RESULTS, None),
    ],
)
def test_accept_picks_a_format(accept: str | None, kind: str, expected: str | None) -> None:
    chosen = choose(kind, parse_accept(accept), ())
    assert (chosen.name if chosen else None) == expected


@pytest.mark.parametrize(
    ("names", "kind", "expected"),
    [
        (("json",), RESULTS, "json"),
        (("json",), GRAPH, "jsonld"),
        (("xml",), GRAPH, "rdfxml"),
        (("tsv", "text/tab-separated-values"), RESULTS, "tsv"),
        (("rdf+xml", "application/rdf+xml"), GRAPH, "rdfxml"),
        (("json-ld", "application/ld+json"), GRAPH, "jsonld"),
        (("turtle",), GRAPH, "ttl"),
        (("csv",), GRAPH, None),
    ],
)
def test_format_parameter_overrides_accept(
    names: tuple[str, ...], kind: str, expected: str | None
) -> None:
    chosen = choose(kind, parse_accept("text/csv"), names)
    assert (chosen.name if chosen else None) == expected


@pytest.mark.parametrize(
    ("accept", "browser"),
    [
        (FIREFOX, True),
        (CHROME, True),
        ("text/html", True),
        (None, False),
        ("*/*", False),
        (SPARQLWRAPPER_JSON, False),
        ("application/sparql-results+json, text/html;q=0.5", False),
    ],
)
def test_browsers_prefer_html(accept: str | None, browser: bool) -> None:
    assert prefers_html(parse_accept(accept)) is browser


def test_every_format_has_a_pyoxigraph_counterpart() -> None:
    for fmt in RESULT_FORMATS:
        assert fmt.results_format().media_type.startswith(fmt.media_type)
    for fmt in GRAPH_FORMATS:
        assert fmt.rdf_format().media_type == fmt.media_type
