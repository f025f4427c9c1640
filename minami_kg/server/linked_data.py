"""The linked-data face: dereferenceable IRIs, resource pages and the source view.

Every IRI `{base}id/…` is a thing, not a document, so `/id/…` answers
`303 See Other` (Cool URIs for the Semantic Web, https://www.w3.org/TR/cooluris/#r303gendocument)
to the document that fits the `Accept` header or a `?format=` override:

  text/html, application/xhtml+xml   → /page/…        the resource page
  application/json                   → /page/….json   its JSON twin
  text/turtle                        → /data/….ttl
  application/ld+json                → /data/….jsonld
  application/n-triples              → /data/….nt
  application/rdf+xml                → /data/….rdf

No Accept header (or `*/*`) means HTML; an Accept that names none of these
answers 406 with the list, rather than guessing. Every answer carries
`Vary: Accept` and `Link: rel="alternate"` headers naming the other formats.
An IRI the store does not hold answers 404, on `/id`, `/page` and `/data`
alike. Our IRIs are readable ASCII slugs without dots, so the last `.ext` of a
`/data` or `/page` path is always the format.

`/source/<ward>/<fy>` shows the plan's source document line by line
(`#L12` anchors, `?hl=12-15` or repeated `hl` highlights the lines).

A named graph's IRI `{base}graph/…` names a document (the graph), so it
answers 200 with the graph's triples in the RDF format negotiated; a browser
is sent (303) to the SPARQL editor with a query over that graph.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from pyoxigraph import NamedNode, QueryTriples, RdfFormat, serialize

from minami_kg.rdf.namespaces import PREFIXES
from minami_kg.readmodels.plan_pages import PlanPages, SectionSummary
from minami_kg.readmodels.resources import Edge, Reader, Resource, schema_org
from minami_kg.readmodels.sources import source_document
from minami_kg.readmodels.urls import Urls, data_url, page_url, plan_key
from minami_kg.server.http import HttpError, alternates, negotiate, wants_json
from minami_kg.server.staff import current_account
from minami_kg.server.state import get_settings, get_store

linked_data = Blueprint("linked_data", __name__)

RDF_FORMATS: dict[str, RdfFormat] = {
    "ttl": RdfFormat.TURTLE,
    "jsonld": RdfFormat.JSON_LD,
    "nt": RdfFormat.N_TRIPLES,
    "rdf": RdfFormat.RDF_XML,
}
"""The `/data/….<ext>` serialisations, each written by pyoxigraph."""

_MEDIA_TYPES: list[tuple[str, str]] = [
    ("text/html", "html"),
    ("application/xhtml+xml", "html"),
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"),
    ("application/json", "json"),
]
"""Accept → format, in the order that breaks ties (a bare `*/*` gets HTML)."""

_FORMAT_ALIASES = {"turtle": "ttl", "json-ld": "jsonld", "ntriples": "nt", "rdfxml": "rdf"}
_MEDIA_TYPE = {fmt: media for media, fmt in reversed(_MEDIA_TYPES)}
_WARD = re.compile(r"[a-z0-9-]+")
_FY = re.compile(r"\d{4}")
_HL = re.compile(r"(\d{1,6})(?:-(\d{1,6}))?")


def _reader() -> Reader:
    return Reader(get_store(), get_settings().base)


def _href(fmt: str, key: str) -> str:
    return page_url(key, fmt) if fmt in ("html", "json") else data_url(key, fmt)


def _alternates(response: Response, key: str, *, besides: str | None = None) -> Response:
    """Name every representation of the thing `key` but `besides` in `Link`."""
    formats = [fmt for fmt in ("html", "json", *RDF_FORMATS) if fmt != besides]
    return alternates(response, [(_href(fmt, key), _MEDIA_TYPE[fmt]) for fmt in formats])


def _not_acceptable() -> HttpError:
    """406 with the list of what there is."""
    offered = ", ".join(m for m, _ in _MEDIA_TYPES)
    formats = ", ".join(["html", "json", *RDF_FORMATS])
    message = f"no representation fits; media types: {offered}; ?format= {formats}"
    return HttpError(406, message, {"Vary": "Accept"})


def _known(key: str) -> str:
    """The IRI of the thing `key`; 404 when the store does not hold it."""
    iri = Urls(get_settings().base).iri(key)
    if not _reader().exists(iri):
        raise HttpError(404, f"{iri} is not in the graph")
    return iri


# --- /id: the things ----------------------------------------------------------------------


@linked_data.get("/id/<path:path>")
def dereference(path: str) -> ResponseReturnValue:
    """303 to the page or the data, by Accept or `?format=`."""
    _known(path)
    fmt = negotiate(_MEDIA_TYPES, _FORMAT_ALIASES)
    if fmt is None:
        raise _not_acceptable()
    response = Response(status=303)
    response.headers["Location"] = _href(fmt, path)
    response.vary.add("Accept")
    return _alternates(response, path)


# --- /graph: the named graphs -------------------------------------------------------------


@linked_data.get("/graph/<path:name>")
def named_graph(name: str) -> ResponseReturnValue:
    """A named graph's triples, or (for a browser) the editor with a query over it."""
    store = get_store()
    graph = get_settings().base + "graph/" + name
    if graph not in store.named_graphs():
        raise HttpError(404, f"{graph} is not a named graph of the store")
    fmt = negotiate(_MEDIA_TYPES, _FORMAT_ALIASES)
    if fmt is None:
        raise _not_acceptable()
    term = str(NamedNode(graph))  # one of the store's own graph names, written as SPARQL
    if fmt in ("html", "json"):
        query = f"SELECT ?s ?p ?o WHERE {{ GRAPH {term} {{ ?s ?p ?o }} }} LIMIT 100"
        response = Response(status=303)
        response.headers["Location"] = f"/sparql?{urlencode({'query': query})}"
    else:
        rdf_format = RDF_FORMATS[fmt]
        triples = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {term} {{ ?s ?p ?o }} }}")
        assert isinstance(triples, QueryTriples)
        prefixes = dict(PREFIXES) if rdf_format in (RdfFormat.TURTLE, RdfFormat.RDF_XML) else None
        body = serialize(triples, format=rdf_format, prefixes=prefixes)
        response = Response(body, content_type=_content_type(rdf_format))
    response.vary.add("Accept")
    return response


# --- /data: the descriptions --------------------------------------------------------------


@linked_data.get("/data/<path:path>")
def data(path: str) -> ResponseReturnValue:
    stem, _, ext = path.rpartition(".")
    if ext not in RDF_FORMATS or not stem:
        raise HttpError(404, f"/data/{path}: name a format, one of .{', .'.join(RDF_FORMATS)}")
    iri = _known(stem)
    fmt = RDF_FORMATS[ext]
    prefixes = dict(PREFIXES) if fmt in (RdfFormat.TURTLE, RdfFormat.RDF_XML) else None
    body = serialize(_reader().description_triples(iri), format=fmt, prefixes=prefixes)
    return _alternates(Response(body, content_type=_content_type(fmt)), stem, besides=ext)


def _content_type(fmt: RdfFormat) -> str:
    if fmt == RdfFormat.TURTLE:
        return "text/turtle; charset=utf-8"
    return fmt.media_type


# --- /page: the resource pages ------------------------------------------------------------


@dataclass(frozen=True)
class PlacedNode:
    """A neighbour placed on the small graph: where, and what it is."""

    x: float
    y: float
    edge: Edge


_SIZE = 480
_RADIUS = 180


def place(neighbours: list[Edge]) -> list[PlacedNode]:
    """Neighbours spread evenly on a circle around the resource (the centre)."""
    n = len(neighbours) or 1
    placed = []
    for i, edge in enumerate(neighbours):
        angle = 2 * math.pi * i / n - math.pi / 2
        x = _SIZE / 2 + _RADIUS * math.cos(angle)
        y = _SIZE / 2 + _RADIUS * math.sin(angle)
        placed.append(PlacedNode(round(x, 1), round(y, 1), edge))
    return placed


@linked_data.get("/page/<path:path>")
def page(path: str) -> ResponseReturnValue:
    """The resource page, or its JSON twin (`.json`, `?format=json`, Accept)."""
    as_json = path.endswith(".json") or wants_json()
    path = path.removesuffix(".json")
    iri = _known(path)
    number = request.args.get("page", "1")
    resource = _reader().resource(iri, page=int(number) if number.isdigit() else 1)
    url = get_settings().base + page_url(path).lstrip("/")
    if as_json:
        response = _alternates(jsonify(_twin(resource, url)), path, besides="json")
    else:
        html = render_template(
            "resource.html",
            r=resource,
            canonical=url,
            schema_org=schema_org(resource, url),
            formats={fmt: _href(fmt, path) for fmt in ("json", *RDF_FORMATS)},
            graph=place(resource.neighbours),
            graph_size=_SIZE,
            addable=_addable(resource),
        )
        response = _alternates(Response(html), path, besides="html")
    response.vary.add("Accept")
    return response


def _addable(resource: Resource) -> list[SectionSummary]:
    """The sections a reviewer may link to a measure by hand (「関係を追加」); none otherwise."""
    account = current_account()
    if not resource.is_measure or account is None or not account.may("reviewer"):
        return []  # nobody else sees the control: no query
    linked = {link.section.value for link in resource.sections}
    return PlanPages(get_store(), get_settings().base).sections_to_add(resource.path, linked)


def _twin(resource: Resource, url: str) -> dict[str, object]:
    body = asdict(resource)
    body["label"] = {"ja": resource.label_ja, "en": resource.label_en}
    body["url"] = url
    body["formats"] = {fmt: _href(fmt, resource.path) for fmt in ("html", *RDF_FORMATS)}
    return body


# --- /source: the documents ---------------------------------------------------------------


@linked_data.get("/source/<ward>/<fy>")
def source(ward: str, fy: str) -> ResponseReturnValue:
    """The plan's source document, every line anchored; `hl` marks lines."""
    settings = get_settings()
    document = None
    if _WARD.fullmatch(ward) and _FY.fullmatch(fy):
        document = source_document(get_store(), settings.base, settings.sources, ward, fy)
    if document is None:
        raise HttpError(404, f"no source document for {ward}/{fy}")
    highlighted = _highlighted(request.args.getlist("hl"), len(document.lines))
    return render_template(
        "source.html",
        doc=document,
        highlighted=highlighted,
        plan_href=page_url(plan_key(ward, fy)),
    )


def _highlighted(values: list[str], count: int) -> set[int]:
    """Line numbers from `hl=12`, `hl=12-15` (repeatable, or comma-separated); bad ones dropped."""
    lines: set[int] = set()
    for value in values:
        for part in value.split(","):
            match = _HL.fullmatch(part.strip())
            if not match:
                continue
            first = int(match.group(1))
            last = int(match.group(2) or first)
            lines.update(range(max(first, 1), min(last, count) + 1))
    return lines
