"""The formats query results and RDF are written in, and the negotiation that picks one.

Shared by /sparql and by /dataset (the catalogue in every RDF format).

SPARQL 1.1 Protocol §2.1.6 (https://www.w3.org/TR/sparql11-protocol/#query-success):
SELECT and ASK answer in a SPARQL results format, CONSTRUCT and DESCRIBE in an
RDF format, chosen by HTTP content negotiation (RFC 9110 §12.5.1, `Accept` with
q-values). A `format` parameter overrides `Accept` for browsers and for clients
such as SPARQLWrapper that send one; its names are relative to the kind of
result, so `format=json` means SPARQL JSON for SELECT and JSON-LD for CONSTRUCT.

Nothing here runs a query: the query process that ran it knows the result kind and calls
`choose` with the preferences parsed here. When nothing fits, the answer is 406
with the list of what is available (never a silent fallback to another format).
This module holds only plain data, so preferences pickle across processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pyoxigraph import QueryResultsFormat, RdfFormat

from minami_kg.store import EXPORT_FORMATS

RESULTS = "results"  # SELECT and ASK
GRAPH = "graph"  # CONSTRUCT and DESCRIBE


@dataclass(frozen=True)
class Format:
    """One serialisation: its short name, the media types it answers to, its kind."""

    name: str
    kind: str
    media_types: tuple[str, ...]  # the first is the one we send in Content-Type
    label: str

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    def results_format(self) -> QueryResultsFormat:
        return _RESULTS_FORMATS[self.name]

    def rdf_format(self) -> RdfFormat:
        return _RDF_FORMATS[self.name]


_RESULTS_FORMATS = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
_RDF_FORMATS = EXPORT_FORMATS  # the same short names as `minami-kg export --format`

# In order of our preference: the first acceptable one wins a tie.
RESULT_FORMATS: tuple[Format, ...] = (
    Format("json", RESULTS, ("application/sparql-results+json", "application/json"), "SPARQL JSON"),
    Format(
        "xml",
        RESULTS,
        ("application/sparql-results+xml", "application/xml", "text/xml"),
        "SPARQL XML",
    ),
    Format("csv", RESULTS, ("text/csv",), "SPARQL CSV"),
    Format("tsv", RESULTS, ("text/tab-separated-values",), "SPARQL TSV"),
)
GRAPH_FORMATS: tuple[Format, ...] = (
    Format(
        "ttl",
        GRAPH,
        ("text/turtle", "application/turtle", "application/x-turtle", "text/n3", "text/rdf+n3"),
        "Turtle",
    ),
    Format("nt", GRAPH, ("application/n-triples",), "N-Triples"),
    Format("nq", GRAPH, ("application/n-quads",), "N-Quads"),
    Format("trig", GRAPH, ("application/trig",), "TriG"),
    Format(
        "jsonld",
        GRAPH,
        ("application/ld+json", "application/x-json+ld", "application/json"),
        "JSON-LD",
    ),
    Format("rdfxml", GRAPH, ("application/rdf+xml", "application/xml", "text/xml"), "RDF/XML"),
)
FORMATS_BY_KIND = {RESULTS: RESULT_FORMATS, GRAPH: GRAPH_FORMATS}

# `format=` names. A name maps to one format per kind; media types are accepted too
# (SPARQLWrapper sends e.g. `format=tsv&format=text/tab-separated-values`).
FORMAT_NAMES: dict[str, dict[str, str]] = {
    "json": {RESULTS: "json", GRAPH: "jsonld"},
    "xml": {RESULTS: "xml", GRAPH: "rdfxml"},
    "csv": {RESULTS: "csv"},
    "tsv": {RESULTS: "tsv"},
    "ttl": {GRAPH: "ttl"},
    "turtle": {GRAPH: "ttl"},
    "n3": {GRAPH: "ttl"},
    "nt": {GRAPH: "nt"},
    "ntriples": {GRAPH: "nt"},
    "nq": {GRAPH: "nq"},
    "nquads": {GRAPH: "nq"},
    "trig": {GRAPH: "trig"},
    "jsonld": {GRAPH: "jsonld"},
    "json-ld": {GRAPH: "jsonld"},
    "rdfxml": {GRAPH: "rdfxml"},
    "rdf+xml": {GRAPH: "rdfxml"},
    "rdf": {GRAPH: "rdfxml"},
}
for _fmt in RESULT_FORMATS + GRAPH_FORMATS:
    for _media in _fmt.media_types:
        FORMAT_NAMES.setdefault(_media, {}).setdefault(_fmt.kind, _fmt.name)

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header: `type/subtype;q=…`, in header order."""

    type: str
    subtype: str
    q: float
    position: int

    def matches(self, media_type: str) -> int:
        """How specifically this range matches: 2 exact, 1 `type/*`, 0 `*/*`, -1 not at all."""
        main, _, sub = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 0
        if self.type != main:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


NEGOTIATIONS_KEPT = 256
"""How many Accept headers (and format choices) are remembered, per process.

Clients send the same few headers again and again; remembering the answers
saves negotiating on every request. Bounded, so odd headers cannot fill memory.
"""


@lru_cache(maxsize=NEGOTIATIONS_KEPT)
def parse_accept(header: str | None) -> tuple[MediaRange, ...]:
    """The ranges of an Accept header; a missing or empty header accepts anything.

    Malformed entries are skipped rather than refused: HTTP says a server may
    ignore what it cannot read, and a 400 for a sloppy Accept helps no one.
    """
    if not header or not header.strip():
        return (MediaRange("*", "*", 1.0, 0),)
    ranges = []
    for position, part in enumerate(header.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        main, slash, sub = media.lower().partition("/")
        if not slash or not main or not sub:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(main, sub, q, position))
    return tuple(ranges)


def _quality(ranges: tuple[MediaRange, ...], media_type: str) -> tuple[float, int, int]:
    """(q, specificity, -position) of the most specific range matching `media_type`."""
    best: tuple[int, MediaRange] | None = None
    for media_range in ranges:
        level = media_range.matches(media_type)
        if level >= 0 and (best is None or level > best[0]):
            best = (level, media_range)
    if best is None:
        return (0.0, -1, 0)
    level, media_range = best
    return (media_range.q, level, -media_range.position)


def negotiate(ranges: tuple[MediaRange, ...], formats: tuple[Format, ...]) -> Format | None:
    """The acceptable format the client ranks highest; None when q=0 for all.

    Ties go to the more specific match, then to the range listed first, then to
    our order (e.g. SPARQL JSON before XML for `*/*`).
    """
    best: tuple[tuple[float, int, int], int, Format] | None = None
    for order, fmt in enumerate(formats):
        score = max(_quality(ranges, media) for media in fmt.media_types)
        if score[0] <= 0:
            continue
        key = (score, -order)
        if best is None or key > (best[0], best[1]):
            best = (score, -order, fmt)
    return best[2] if best else None


@lru_cache(maxsize=NEGOTIATIONS_KEPT)
def choose(
    kind: str, ranges: tuple[MediaRange, ...], format_names: tuple[str, ...]
) -> Format | None:
    """The format for a result of `kind`: the first `format=` value that fits, else Accept."""
    formats = FORMATS_BY_KIND[kind]
    if format_names:
        for name in format_names:
            chosen = FORMAT_NAMES.get(name.strip().lower(), {}).get(kind)
            if chosen:
                return next(f for f in formats if f.name == chosen)
        return None
    return negotiate(ranges, formats)


@lru_cache(maxsize=NEGOTIATIONS_KEPT)
def acceptable(ranges: tuple[MediaRange, ...]) -> bool:
    """Whether some format, for a result of either kind, fits these preferences."""
    return negotiate(ranges, RESULT_FORMATS + GRAPH_FORMATS) is not None


def known_format_name(name: str) -> bool:
    return name.strip().lower() in FORMAT_NAMES


def prefers_html(ranges: tuple[MediaRange, ...]) -> bool:
    """True for a browser: HTML is named explicitly and ranked at least as high as
    any of our own formats named explicitly (not through a wildcard)."""
    html_q = max(
        (r.q for r in ranges if r.subtype != "*" and f"{r.type}/{r.subtype}" in HTML_TYPES),
        default=0.0,
    )
    if html_q <= 0:
        return False
    ours = {m for f in RESULT_FORMATS + GRAPH_FORMATS for m in f.media_types}
    other_q = max(
        (r.q for r in ranges if r.subtype != "*" and f"{r.type}/{r.subtype}" in ours), default=0.0
    )
    return html_q >= other_q


def describe(formats: tuple[Format, ...]) -> str:
    """`Turtle (text/turtle), …` for a 406 message."""
    return ", ".join(f"{f.label} ({f.media_type}, format={f.name})" for f in formats)
