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
from pyoxigraph import Literal, NamedNode, RdfFormat, parse, serialize

from minami_kg.config import Settings
from minami_kg.ontology_doc import MKG, Ontology, Text, read_ontology
from minami_kg.publish import store_version
from minami_kg.rdf.iris import Iris
from minami_kg.server.linked_data import negotiate_format, not_found
from minami_kg.server.state import get_store
from minami_kg.store import select, serialized

ontology = Blueprint("ontology", __name__)

ONTOLOGY_KEY = "minami_kg.ontology"
EXAMPLES_KEY = "minami_kg.ontology_examples"
ONTOLOGY_FILE, SHAPES_FILE = "minami-kg.ttl", "shapes.ttl"
VALUE_CHARS = 80  # an example's value is cut to this many characters

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


@dataclass(frozen=True)
class Example:
    """One resource of the data that uses a term, as its entry shows it."""

    iri: str
    href: str
    label: Text
    value: str = ""  # for a property: the value the resource has
    value_href: str = ""
    value_label: Text | None = None
    via: str = ""  # for a class with no instances of its own: the subclass it was taken from


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

    Not when the app is created: every web worker and every test would parse
    both files (about 0.1 s) for a page few of them serve.
    """
    vocabulary = app.extensions.get(ONTOLOGY_KEY)
    if vocabulary is None:
        vocabulary = app.extensions[ONTOLOGY_KEY] = read_vocabulary(app.config["MINAMI_KG"])
    return vocabulary


def _settings() -> Settings:
    return current_app.config["MINAMI_KG"]


# --- routes -------------------------------------------------------------------------------


@ontology.get("/ontology")
def reference() -> ResponseReturnValue:
    fmt = _negotiated()
    response = _not_acceptable() if fmt is None else _answer(fmt)
    response.vary.add("Accept")
    return response


@ontology.get("/ontology.<ext>")
def reference_as(ext: str) -> ResponseReturnValue:
    """One format by its extension; an extension we do not write is a page that does not exist."""
    if ext not in ("ttl", "jsonld", "rdf", "json"):
        return not_found(f"/ontology.{ext}: the ontology comes as .ttl, .jsonld, .rdf or .json")
    return _answer(ext)


def _negotiated() -> str | None:
    return negotiate_format(MEDIA_TYPES, _FORMAT_ALIASES)


def _not_acceptable() -> Response:
    offered = ", ".join(m for m, _ in MEDIA_TYPES)
    formats = "html, json, ttl, jsonld, rdf"
    response = jsonify(error=f"no representation fits; media types: {offered}; ?format= {formats}")
    response.status_code = 406
    return response


def _answer(fmt: str) -> Response:
    vocabulary = _vocabulary(current_app)
    if fmt == "html":
        response = Response(render_template("ontology.html", **_context(vocabulary)))
    elif fmt == "json":
        response = jsonify(_twin(vocabulary))
    else:
        response = Response(vocabulary.bodies[fmt], content_type=_content_type(fmt))
    response.headers["Link"] = ", ".join(
        f'</ontology.{name}>; rel="alternate"; type="{_MEDIA_TYPE[name]}"'
        for name in ("ttl", "jsonld", "rdf", "json")
        if name != fmt
    )
    return response


def _content_type(fmt: str) -> str:
    media = _MEDIA_TYPE[fmt]
    return media if media == "application/rdf+xml" else f"{media}; charset=utf-8"


# --- what the page shows ------------------------------------------------------------------


def _context(vocabulary: Vocabulary) -> dict[str, object]:
    doc = vocabulary.doc
    return {
        "onto": doc,
        "examples": examples(doc),
        "graph_iri": Iris(_settings().base).ontology_graph().value,
        "rdf_formats": [(name, label, _MEDIA_TYPE[name]) for name, label in RDF_LABELS.items()],
        "sizes": {name: len(body) for name, body in vocabulary.bodies.items()},
        "terms": {c.iri: c for c in doc.classes} | {p.iri: p for p in doc.properties},
    }


def _twin(vocabulary: Vocabulary) -> dict[str, object]:
    """The page as JSON: the same data, with the examples and the other formats' URLs."""
    found = examples(vocabulary.doc)
    data = asdict(vocabulary.doc)
    for entry in data["classes"] + data["object_properties"] + data["datatype_properties"]:
        example = found.get(entry["local"])
        entry["example"] = asdict(example) if example else None
    data["graph"] = Iris(_settings().base).ontology_graph().value
    data["formats"] = {name: f"/ontology.{name}" for name in RDF_LABELS}
    return data


_EXAMPLE_CLASS = """{
    { SELECT ?s WHERE { ?s a TERM FILTER(STRSTARTS(STR(?s), SPACE)) } LIMIT 1 }
    BIND(TERM AS ?term)
  }"""
_EXAMPLE_PROPERTY = """{
    { SELECT ?s ?o WHERE { ?s TERM ?o FILTER(STRSTARTS(STR(?s), SPACE)) } LIMIT 1 }
    OPTIONAL { ?o skos:prefLabel ?olabel }
    BIND(TERM AS ?term)
  }"""
_EXAMPLES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?term ?s ?label ?o ?olabel WHERE {
  BRANCHES
  OPTIONAL { ?s skos:prefLabel ?label }
}
"""


def examples(doc: Ontology) -> dict[str, Example]:
    """One resource of the data per term (by local name): one query, kept per store version.

    For each class, an instance under `{base}id/`; for each property, a subject
    under `{base}id/` that has it, with its value: whichever the store finds
    first (`LIMIT 1` per term, no ORDER BY), so the cost does not grow with
    the data: about 10 ms for the 62 terms on 180 plans (323,000 quads), where
    picking the first by IRI (MIN over all uses) took a second. A class with no
    instances of its own (mkg:PlanElement is never asserted) shows an instance
    of one of its subclasses.
    """
    store = get_store(current_app)
    version = store_version(store)
    cached = current_app.extensions.get(EXAMPLES_KEY)
    if version is not None and cached and cached[0] == version.tag:
        return cached[1]
    found = _query_examples(doc)
    for c in doc.classes:
        if c.local not in found:
            sub = next((s for s in c.subclasses if s.anchor in found), None)
            if sub is not None and sub.anchor:
                example = found[sub.anchor]
                found[c.local] = Example(example.iri, example.href, example.label, via=sub.curie)
    if version is not None:
        current_app.extensions[EXAMPLES_KEY] = (version.tag, found)
    return found


def _query_examples(doc: Ontology) -> dict[str, Example]:
    """Run the one query; terms and the IRI space go in as SPARQL terms (`str()` of a term)."""
    space = _settings().base + "id/"
    branches = [_EXAMPLE_CLASS.replace("TERM", str(NamedNode(c.iri))) for c in doc.classes]
    branches += [_EXAMPLE_PROPERTY.replace("TERM", str(NamedNode(p.iri))) for p in doc.properties]
    union = "\n  UNION\n  ".join(b.replace("SPACE", str(Literal(space))) for b in branches)
    rows: dict[str, list[tuple[str, object, object, object]]] = {}
    for row in select(get_store(current_app), _EXAMPLES.replace("BRANCHES", union)):
        local = row["term"].value[len(MKG) :]
        rows.setdefault(local, []).append((row["s"].value, row["label"], row["o"], row["olabel"]))
    return {local: _example(found, space) for local, found in rows.items()}


def _example(rows: list[tuple[str, object, object, object]], space: str) -> Example:
    """The rows of one term (one subject and value, a row per pair of labels) as an Example."""
    iri, _, term, _ = rows[0]
    value = _term_text(term) if term is not None else ""
    value_href = _page(value, space) if value.startswith(space) else ""
    return Example(
        iri=iri,
        href=_page(iri, space),
        label=_labels(label for _, label, _, _ in rows),
        value=value if len(value) <= VALUE_CHARS else value[: VALUE_CHARS - 1] + "…",
        value_href=value_href,
        value_label=_labels(ol for _, _, _, ol in rows) if value_href else None,
    )


def _term_text(term: object) -> str:
    return str(getattr(term, "value", term))


def _labels(labels: object) -> Text:
    by_language: dict[str, str] = {}
    for label in labels:  # type: ignore[attr-defined]
        if isinstance(label, Literal) and label.language in ("ja", "en"):
            by_language.setdefault(label.language, label.value)
    return Text(by_language.get("ja", ""), by_language.get("en", ""))


def _page(iri: str, space: str) -> str:
    return "/page/" + iri[len(space) :]
