"""The ontology reference: `/ontology` as a page for people and as the vocabulary itself.

The page is generated from the same two files the build reads
(`ontology/minami-kg.ttl`, loaded into the `{base}graph/ontology` named graph,
and `ontology/shapes.ttl`, which `minami-kg validate` checks against), on the
first request for it. Reading them rather than writing HTML at build time means
there is no generated file to go stale or to commit: the page can only disagree with the
vocabulary if someone edits the files under a running server, and a restart
fixes that. The examples come from the store, through one SPARQL query,
remembered per store version (the embedded store changes only on a rebuild).

Content negotiation (as `/id/…`, see `linked_data.py`): `/ontology` answers
a browser (or no Accept, or `*/*`) with HTML, `application/json` with the
page's JSON twin, and `text/turtle`, `application/ld+json`,
`application/rdf+xml` with the ontology itself; `?format=html|json|ttl|jsonld|rdf`
overrides Accept, and `/ontology.ttl`, `.jsonld`, `.rdf`, `.json` name one
format. An Accept or a format that fits none of them answers 406 with the list.
The Turtle is the file as written (with its comments); JSON-LD and RDF/XML are
pyoxigraph's serialisations of the same triples.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue
from pyoxigraph import RdfFormat, parse, serialize

from minami_kg.config import Settings
from minami_kg.ontology_doc import Ontology, read_ontology
from minami_kg.rdf.iris import Iris
from minami_kg.readmodels.ontology_examples import Example, examples
from minami_kg.server.follower import current_version
from minami_kg.server.http import HttpError, alternates, negotiate
from minami_kg.server.state import get_settings, get_store
from minami_kg.store import serialized

ontology = Blueprint("ontology", __name__)

ONTOLOGY_KEY = "minami_kg.ontology"
EXAMPLES_KEY = "minami_kg.ontology_examples"
ONTOLOGY_FILE, SHAPES_FILE = "minami-kg.ttl", "shapes.ttl"

MEDIA_TYPES: list[tuple[str, str]] = [
    ("text/html", "html"),
    ("application/xhtml+xml", "html"),
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/rdf+xml", "rdf"),
    ("application/json", "json"),
]
"""Accept → format, in the order that breaks ties (a bare `*/*` gets HTML)."""

RDF_LABELS = {"ttl": "Turtle", "jsonld": "JSON-LD", "rdf": "RDF/XML"}
_FORMAT_ALIASES = {"turtle": "ttl", "json-ld": "jsonld", "rdfxml": "rdf", "xml": "rdf"}
_MEDIA_TYPE = {fmt: media for media, fmt in reversed(MEDIA_TYPES)}


@dataclass(frozen=True)
class Vocabulary:
    """What the app read at start: the page's data and the ontology in each RDF format."""

    doc: Ontology
    bodies: dict[str, bytes]  # format name → the ontology serialised


def read_vocabulary(settings: Settings) -> Vocabulary:
    folder = settings.ontology
    turtle = (folder / ONTOLOGY_FILE).read_bytes()
    triples = list(parse(turtle, format=RdfFormat.TURTLE))
    doc = read_ontology(folder / ONTOLOGY_FILE, folder / SHAPES_FILE)
    return Vocabulary(
        doc=doc,
        bodies={
            "ttl": turtle,
            "jsonld": serialized(serialize(triples, format=RdfFormat.JSON_LD)),
            "rdf": serialized(
                serialize(triples, format=RdfFormat.RDF_XML, prefixes=dict(doc.namespaces))
            ),
        },
    )


def _vocabulary(app: Flask) -> Vocabulary:
    """The files read on the first request that needs them, then kept with the app.

    Not when the app is created: every server and every test would parse
    both files (about 0.1 s) for a page few of them serve.
    """
    vocabulary = app.extensions.get(ONTOLOGY_KEY)
    if vocabulary is None:
        vocabulary = app.extensions[ONTOLOGY_KEY] = read_vocabulary(get_settings(app))
    return vocabulary


# --- routes -------------------------------------------------------------------------------


@ontology.get("/ontology")
def reference() -> ResponseReturnValue:
    fmt = negotiate(MEDIA_TYPES, _FORMAT_ALIASES)
    if fmt is None:
        offered = ", ".join(m for m, _ in MEDIA_TYPES)
        raise HttpError(
            406,
            f"no representation fits; media types: {offered}; "
            "?format= html, json, ttl, jsonld, rdf",
            {"Vary": "Accept"},
        )
    response = _answer(fmt)
    response.vary.add("Accept")
    return response


@ontology.get("/ontology.<ext>")
def reference_as(ext: str) -> ResponseReturnValue:
    """One format by its extension; an extension we do not write is a page that does not exist."""
    if ext not in ("ttl", "jsonld", "rdf", "json"):
        raise HttpError(404, f"/ontology.{ext}: the ontology comes as .ttl, .jsonld, .rdf or .json")
    return _answer(ext)


def _answer(fmt: str) -> Response:
    vocabulary = _vocabulary(current_app)
    if fmt == "html":
        response = Response(render_template("ontology.html", **_context(vocabulary)))
    elif fmt == "json":
        response = jsonify(_twin(vocabulary))
    else:
        response = Response(vocabulary.bodies[fmt], content_type=_content_type(fmt))
    others = [name for name in ("ttl", "jsonld", "rdf", "json") if name != fmt]
    return alternates(response, [(f"/ontology.{name}", _MEDIA_TYPE[name]) for name in others])


def _content_type(fmt: str) -> str:
    media = _MEDIA_TYPE[fmt]
    return media if media == "application/rdf+xml" else f"{media}; charset=utf-8"


# --- what the page shows ------------------------------------------------------------------


def _context(vocabulary: Vocabulary) -> dict[str, object]:
    doc = vocabulary.doc
    return {
        "onto": doc,
        "examples": current_examples(doc),
        "graph_iri": Iris(get_settings().base).ontology_graph().value,
        "rdf_formats": [(name, label, _MEDIA_TYPE[name]) for name, label in RDF_LABELS.items()],
        "sizes": {name: len(body) for name, body in vocabulary.bodies.items()},
        "terms": {c.iri: c for c in doc.classes} | {p.iri: p for p in doc.properties},
    }


def _twin(vocabulary: Vocabulary) -> dict[str, object]:
    """The page as JSON: the same data, with the examples and the other formats' URLs."""
    found = current_examples(vocabulary.doc)
    data = asdict(vocabulary.doc)
    for entry in data["classes"] + data["object_properties"] + data["datatype_properties"]:
        example = found.get(entry["local"])
        entry["example"] = asdict(example) if example else None
    data["graph"] = Iris(get_settings().base).ontology_graph().value
    data["formats"] = {name: f"/ontology.{name}" for name in RDF_LABELS}
    return data


def current_examples(doc: Ontology) -> dict[str, Example]:
    """The examples (`models.ontology_examples`), kept per store version."""
    store = get_store()
    version = current_version(store)
    cached = current_app.extensions.get(EXAMPLES_KEY)
    if version is not None and cached and cached[0] == version.tag:
        return cached[1]
    found = examples(store, get_settings().base, doc)
    if version is not None:
        current_app.extensions[EXAMPLES_KEY] = (version.tag, found)
    return found
