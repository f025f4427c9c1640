"""One resource's description, read through the store into plain dataclasses.

The linked-data face renders these twice: as the HTML page and as its JSON
twin; `description_triples` gives the triples that `/data/…` serialises. The
plan's files and the source view are `sources.py`. Every
query binds the resource as a term (substitutions, or `str()` of a term in a
VALUES block), never by pasting request text into SPARQL.

What a description holds (the decision behind `/data/…`): the resource's
outgoing triples, the triples pointing at it, and the outgoing triples of its
own parts — resources whose IRI extends its IRI by a path (`…/evidence/1`,
`…/evidence/1/section/selector`) and that it links to, followed at most
`PART_DEPTH` links deep. The graph has no blank nodes, so these parts are how
a contribution's evidence quotes travel with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, Triple, Variable

from minami_kg.rdf.namespaces import DCTERMS, MKG, OA, RDF, RDFS, SCHEMA, SKOS, compact_iri
from minami_kg.readmodels.decisions import ReviewMark, read_reviews
from minami_kg.readmodels.sources import source_href
from minami_kg.readmodels.urls import PLAN_KEY, SECTION_KEY, Urls, page_url
from minami_kg.store import GraphStore, Term, select

PER_PAGE = 50
"""Incoming links shown per property group on one page of a resource."""

PART_DEPTH = 3
NEIGHBOUR_LIMIT = 24

_R = Variable("r")
_LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label, DCTERMS.title, SCHEMA.name)

_KNOWN = "ASK { { ?r ?p ?o } UNION { ?s ?p2 ?r } }"
_OUTGOING = "SELECT DISTINCT ?r ?p ?o WHERE { ?r ?p ?o }"
_INCOMING = "SELECT DISTINCT ?r ?p ?s WHERE { ?s ?p ?r }"
# The document, then its plan, in two queries: joined in one, Oxigraph went through
# every plan (24 ms on 1,120 plans, against 0.5 ms for the two). The plan's query names
# the document (an IRI read from the store) in VALUES: bound by `substitutions`, it is not
# known when the query is planned, and the plans would be read first again.
_DOCUMENT = f"""
SELECT DISTINCT ?r ?doc WHERE {{
  {{ ?r <{MKG.sourceDocument.value}> ?doc }}
  UNION {{ ?r <{OA.hasSource.value}>/<{MKG.sourceDocument.value}> ?doc }}
  UNION {{ ?r <{MKG.inPlan.value}>/<{MKG.sourceDocument.value}> ?doc }}
}}
"""
_PLAN_OF_DOCUMENT = (
    f"SELECT ?plan WHERE {{ VALUES ?doc {{ DOC }} "
    f"?plan <{MKG.sourceDocument.value}> ?doc ; a <{MKG.Plan.value}> }}"
)
_MEASURE_SECTIONS = f"""
SELECT ?r ?c ?section ?accepted ?method ?score WHERE {{
  ?c <{MKG.measure.value}> ?r ; <{MKG.section.value}> ?section ; <{MKG.accepted.value}> ?accepted ;
     <{MKG.method.value}> ?method ; <{MKG.score.value}> ?score .
}}
ORDER BY DESC(?accepted) DESC(?score) ?section
"""

# Names for the terms of other vocabularies, which the ontology graph does not label.
_FOREIGN_LABELS: dict[str, tuple[str, str]] = {
    RDF.type.value: ("種類", "type"),
    SKOS.prefLabel.value: ("名称", "preferred label"),
    SKOS.altLabel.value: ("別名", "alternative label"),
    SKOS.note.value: ("注記", "note"),
    SKOS.broader.value: ("上位のトピック", "broader"),
    SKOS.narrower.value: ("下位のトピック", "narrower"),
    SKOS.inScheme.value: ("トピック体系", "in scheme"),
    SKOS.hasTopConcept.value: ("最上位のトピック", "top concept"),
    SKOS.topConceptOf.value: ("最上位とする体系", "top concept of"),
    SKOS.relatedMatch.value: ("関連する概念", "related match"),
    DCTERMS.subject.value: ("トピック", "subject"),
    DCTERMS.title.value: ("題名", "title"),
    DCTERMS.description.value: ("説明", "description"),
    DCTERMS.publisher.value: ("発行者", "publisher"),
    DCTERMS.temporal.value: ("対象期間", "temporal coverage"),
    DCTERMS.references.value: ("参照", "references"),
    DCTERMS.issued.value: ("発行", "issued"),
    DCTERMS.format.value: ("形式", "format"),
    DCTERMS.rights.value: ("権利", "rights"),
    RDFS.label.value: ("ラベル", "label"),
    RDFS.comment.value: ("説明", "comment"),
    OA.hasSource.value: ("引用元", "source"),
    OA.hasSelector.value: ("引用箇所", "selector"),
    OA.exact.value: ("引用", "exact quote"),
    OA.prefix.value: ("前の文字列", "prefix"),
    OA.suffix.value: ("後の文字列", "suffix"),
    SCHEMA.name.value: ("名前", "name"),
    "http://www.w3.org/ns/org#unitOf": ("上位組織", "unit of"),
    "http://www.w3.org/ns/org#hasUnit": ("下位組織", "has unit"),
    "http://www.w3.org/ns/prov#hadPrimarySource": ("一次資料", "primary source"),
}

_SCHEMA_TYPES = {
    MKG.Plan.value: "CreativeWork",
    MKG.Section.value: "GovernmentOrganization",
    MKG.Partner.value: "Organization",
    SKOS.Concept.value: "DefinedTerm",
    MKG.Measure.value: "Action",
    MKG.Action.value: "Action",
    "https://schema.org/DigitalDocument": "DigitalDocument",
}


# --- the plain data -----------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A string with its language tag (None: untagged)."""

    value: str
    lang: str | None = None


@dataclass(frozen=True)
class Value:
    """One object or subject as a page shows it: a link with a label, or a literal."""

    kind: str  # "iri", "literal" or "bnode"
    value: str
    lang: str | None = None
    datatype: str | None = None
    label_ja: str | None = None
    label_en: str | None = None
    href: str | None = None
    short: str | None = None  # a compact form for IRIs that have no label

    @property
    def label(self) -> str:
        return self.label_ja or self.label_en or self.short or self.value


@dataclass
class PropertyGroup:
    iri: str
    label_ja: str | None
    label_en: str | None
    short: str
    count: int
    values: list[Value] = field(default_factory=list)


@dataclass(frozen=True)
class Quote:
    """One side of a piece of evidence: the quoted words, in context, and where."""

    side: str  # "section" or "measure"
    exact: str
    prefix: str
    suffix: str
    line: int | None
    source: Value | None
    href: str | None  # into the source view


@dataclass
class Evidence:
    iri: str
    order: int | None
    basis: list[Text]
    quotes: list[Quote]


@dataclass(frozen=True)
class SourceLines:
    ward: str
    fiscal_year: str
    lines: list[int]
    text: list[Text]
    href: str


@dataclass(frozen=True)
class Edge:
    direction: str  # "out" or "in"
    property: str
    property_label: str
    node: Value


@dataclass(frozen=True)
class SectionLink:
    """A section linked to a measure (accepted, or a candidate), for the measure's page."""

    section: Value
    section_page: str  # the section's own page, /sections/<ward>/<slug>
    contribution: str  # the contribution's page, with the evidence
    accepted: bool
    method: str
    score: float
    review: ReviewMark | None = None  # a person's decision on this link (models.decisions)


@dataclass
class Resource:
    iri: str
    path: str  # the part after `{base}id/`
    labels: list[Text]
    types: list[Value]
    outgoing: list[PropertyGroup]
    incoming: list[PropertyGroup]
    page: int
    pages: int
    evidence: list[Evidence]
    source: SourceLines | None
    neighbours: list[Edge]
    sections: list[SectionLink] = field(default_factory=list)  # of a measure
    section_page: str | None = None  # of a section: /sections/<ward>/<slug>

    @property
    def label_ja(self) -> str | None:
        return next((t.value for t in self.labels if t.lang == "ja"), None)

    @property
    def label_en(self) -> str | None:
        return next((t.value for t in self.labels if t.lang == "en"), None)

    @property
    def title(self) -> str:
        return self.label_ja or self.label_en or self.path

    @property
    def is_measure(self) -> bool:
        return any(t.value == MKG.Measure.value for t in self.types)


# --- reading ------------------------------------------------------------------------------


class Reader:
    """Reads descriptions from one store for IRIs under one base."""

    def __init__(self, store: GraphStore, base: str) -> None:
        self.store = store
        self.base = base
        self.urls = Urls(base)
        self.id_base = self.urls.id_base

    # links
    def page_href(self, iri: str) -> str | None:
        """`/page/…` for our own things, None for everything else."""
        key = self.urls.key(iri)
        return page_url(key) if key else None

    def path(self, iri: str) -> str:
        """The part of one of our IRIs after `{base}id/`."""
        return iri[len(self.id_base) :]

    def short(self, iri: str) -> str:
        return compact_iri(iri, self.base)

    # queries
    def _select(self, sparql: str, iri: str) -> QuerySolutions:
        return select(self.store, sparql, substitutions={_R: NamedNode(iri)})

    def exists(self, iri: str) -> bool:
        """Whether the graph has `iri`; text that is not an IRI (`/id/"`) is in no graph."""
        try:
            node = NamedNode(iri)
        except ValueError:
            return False
        return bool(self.store.query(_KNOWN, substitutions={_R: node}))

    def outgoing(self, iri: str) -> list[tuple[NamedNode, Term]]:
        return [(row["p"], row["o"]) for row in self._select(_OUTGOING, iri)]

    def incoming(self, iri: str) -> list[tuple[NamedNode, NamedNode | BlankNode]]:
        return [(row["p"], row["s"]) for row in self._select(_INCOMING, iri)]

    def labels(self, iris: set[str]) -> dict[str, tuple[str | None, str | None]]:
        """(ja, en) names of each IRI: skos:prefLabel before rdfs:label, title and name."""
        if not iris:
            return {}
        values = " ".join(str(NamedNode(i)) for i in sorted(iris))
        # one pattern per property: with ?p in a second VALUES block Oxigraph scans every
        # quad and joins (72 ms for 150 IRIs on 180 plans); bound, each is a lookup (3 ms)
        props = " UNION ".join(f"{{ ?x {p} ?l BIND({p} AS ?p) }}" for p in _LABEL_PROPERTIES)
        sparql = f"SELECT ?x ?p ?l WHERE {{ VALUES ?x {{ {values} }} {props} }}"
        rank = {p.value: i for i, p in enumerate(_LABEL_PROPERTIES)}
        best: dict[tuple[str, str], tuple[int, str]] = {}
        for row in select(self.store, sparql):
            label = row["l"]
            if not isinstance(label, Literal):
                continue
            key_rank = rank[row["p"].value] * 2 + (0 if label.language else 1)
            for lang in ("ja", "en"):
                if label.language not in (lang, None):
                    continue
                if label.language is None and lang == "en":
                    continue
                key = (row["x"].value, lang)
                if key not in best or (key_rank, label.value) < best[key]:
                    best[key] = (key_rank, label.value)
        names: dict[str, tuple[str | None, str | None]] = {}
        for iri in iris:
            ja = best.get((iri, "ja"))
            en = best.get((iri, "en"))
            names[iri] = (ja[1] if ja else None, en[1] if en else None)
        return names

    def property_labels(self, iris: set[str]) -> dict[str, tuple[str | None, str | None]]:
        """The ontology's rdfs:label of each property, or our names for foreign terms."""
        names = self.labels(iris)
        for iri in iris:
            ja, en = names.get(iri, (None, None))
            if ja is None and en is None and iri in _FOREIGN_LABELS:
                names[iri] = _FOREIGN_LABELS[iri]
        return names

    def value(self, term: Term, names: dict[str, tuple[str | None, str | None]]) -> Value:
        if isinstance(term, NamedNode):
            ja, en = names.get(term.value, (None, None))
            href = self.page_href(term.value) or (
                term.value if term.value.startswith(("http://", "https://")) else None
            )
            return Value("iri", term.value, None, None, ja, en, href, self.short(term.value))
        if isinstance(term, BlankNode):
            return Value("bnode", term.value)
        datatype = term.datatype.value if not term.language else None
        return Value("literal", term.value, term.language, datatype)

    # the description
    def description_triples(self, iri: str) -> list[Triple]:
        """The triples `/data/…` serves (see the module docstring), sorted."""
        subject = NamedNode(iri)
        triples = {Triple(subject, p, o) for p, o in self.outgoing(iri)}
        triples |= {Triple(s, p, subject) for p, s in self.incoming(iri)}
        for part in self.parts(iri):
            node = NamedNode(part)
            triples |= {Triple(node, p, o) for p, o in self.outgoing(part)}
        return sorted(triples, key=str)

    def parts(self, iri: str) -> list[str]:
        """Resources under this one's IRI that it links to, breadth first."""
        found: list[str] = []
        frontier = [iri]
        for _ in range(PART_DEPTH):
            following = []
            for node in frontier:
                for _p, o in self.outgoing(node):
                    if (
                        isinstance(o, NamedNode)
                        and o.value.startswith(node + "/")
                        and o.value not in found
                    ):
                        found.append(o.value)
                        following.append(o.value)
            frontier = following
        return found

    def resource(self, iri: str, *, page: int = 1) -> Resource:
        """Everything the resource page shows; incoming links page by page."""
        out = self.outgoing(iri)
        inc = self.incoming(iri)
        in_groups: dict[str, list[Term]] = {}
        for p, s in sorted(inc, key=lambda ps: (ps[0].value, ps[1].value)):
            in_groups.setdefault(p.value, []).append(s)
        pages = max([math.ceil(len(v) / PER_PAGE) for v in in_groups.values()] + [1])
        page = min(max(page, 1), pages)
        shown_in = {
            p: subjects[(page - 1) * PER_PAGE : page * PER_PAGE]
            for p, subjects in in_groups.items()
        }
        wanted = {o.value for _p, o in out if isinstance(o, NamedNode)}
        wanted |= {s.value for subjects in shown_in.values() for s in subjects}
        wanted.add(iri)
        names = self.labels(wanted)
        prop_names = self.property_labels({p.value for p, _o in out} | set(in_groups))

        def group(p: str, terms: list[Term], count: int) -> PropertyGroup:
            ja, en = prop_names.get(p, (None, None))
            values = [self.value(t, names) for t in terms]
            return PropertyGroup(p, ja, en, self.short(p), count, values)

        out_groups: dict[str, list[Term]] = {}
        for p, o in out:
            out_groups.setdefault(p.value, []).append(o)
        outgoing = [
            group(p, sorted(terms, key=_term_order), len(terms))
            for p, terms in sorted(out_groups.items(), key=lambda kv: _property_order(kv[0]))
        ]
        incoming = [group(p, shown_in[p], len(in_groups[p])) for p in sorted(in_groups)]
        types = next((g.values for g in outgoing if g.iri == RDF.type.value), [])
        label_terms = [o for p, o in out if p == SKOS.prefLabel and isinstance(o, Literal)]
        labels = [Text(t.value, t.language) for t in sorted(label_terms, key=_lang_order)]
        if not labels:
            ja, en = names.get(iri, (None, None))
            labels = [Text(v, lang) for v, lang in ((ja, "ja"), (en, "en")) if v]
        is_contribution = any(t.value == MKG.Contribution.value for t in types)
        is_measure = any(t.value == MKG.Measure.value for t in types)
        is_section = any(t.value == MKG.Section.value for t in types)
        return Resource(
            iri=iri,
            path=self.path(iri),
            labels=labels,
            types=types,
            outgoing=outgoing,
            incoming=incoming,
            page=page,
            pages=pages,
            evidence=self.evidence(iri, names) if is_contribution else [],
            source=self.source_lines(iri, out),
            neighbours=_neighbours(outgoing, incoming),
            sections=self.measure_sections(iri) if is_measure else [],
            section_page=section_page(self.path(iri)) if is_section else None,
        )

    def measure_sections(self, iri: str) -> list[SectionLink]:
        """The sections linked to a measure, accepted first, then by score."""
        rows = list(self._select(_MEASURE_SECTIONS, iri))
        names = self.labels({row["section"].value for row in rows})
        reviews = read_reviews(self.store, measure=iri)
        links = []
        for row in rows:
            section = self.value(row["section"], names)
            links.append(
                SectionLink(
                    section=section,
                    section_page=section_page(self.path(section.value)) or "",
                    contribution=self.page_href(row["c"].value) or "",
                    accepted=row["accepted"].value == "true",
                    method=row["method"].value,
                    score=float(row["score"].value),
                    review=reviews.get((row["section"].value, iri)),
                )
            )
        return links

    def document_of(self, iri: str) -> tuple[str, str] | None:
        """(ward, fiscal year) of the plan whose document the resource was read from."""
        for doc in [row["doc"] for row in self._select(_DOCUMENT, iri)]:
            if not isinstance(doc, NamedNode):
                continue
            for row in select(self.store, _PLAN_OF_DOCUMENT.replace("DOC", str(doc))):
                match = PLAN_KEY.fullmatch(self.urls.key(row["plan"].value) or "")
                if match:
                    return match.group(1), match.group(2)
        return None

    def source_lines(self, iri: str, out: list[tuple[NamedNode, Term]]) -> SourceLines | None:
        lines = [int(o.value) for p, o in out if p == MKG.sourceLine and o.value.isdigit()]
        texts = [
            Text(o.value, o.language)
            for p, o in out
            if p == MKG.sourceText and isinstance(o, Literal)
        ]
        if not lines:
            return None
        where = self.document_of(iri)
        if where is None:
            return None
        ward, fy = where
        return SourceLines(ward, fy, sorted(lines), texts, source_href(ward, fy, lines))

    def evidence(self, iri: str, names: dict) -> list[Evidence]:
        """A contribution's evidence: the shared basis and a quote from each side."""
        where = self.document_of(iri)
        items = []
        for p, ev in self.outgoing(iri):
            if p != MKG.evidence or not isinstance(ev, NamedNode):
                continue
            props = _by_property(self.outgoing(ev.value))
            quotes = []
            for side, prop in (("section", MKG.sectionSide), ("measure", MKG.measureSide)):
                for q in props.get(prop.value, []):
                    quotes.append(self._quote(side, q.value, where))
            order = props.get(MKG.order.value)
            items.append(
                Evidence(
                    iri=ev.value,
                    order=int(order[0].value) if order else None,
                    basis=[
                        Text(b.value, b.language)
                        for b in props.get(MKG.basis.value, [])
                        if isinstance(b, Literal)
                    ],
                    quotes=quotes,
                )
            )
        return sorted(items, key=lambda e: (e.order or 0, e.iri))

    def _quote(self, side: str, iri: str, where: tuple[str, str] | None) -> Quote:
        props = _by_property(self.outgoing(iri))
        selector: dict[str, list[Term]] = {}
        for sel in props.get(OA.hasSelector.value, []):
            selector = _by_property(self.outgoing(sel.value))

        def first(d: dict[str, list[Term]], p: NamedNode) -> str:
            return d[p.value][0].value if d.get(p.value) else ""

        line_text = first(props, MKG.sourceLine)
        line = int(line_text) if line_text.isdigit() else None
        sources = props.get(OA.hasSource.value, [])
        source = None
        if sources:
            names = self.labels({sources[0].value})
            source = self.value(sources[0], names)
        href = source_href(*where, [line]) if where and line else None
        return Quote(
            side=side,
            exact=first(selector, OA.exact),
            prefix=first(selector, OA.prefix),
            suffix=first(selector, OA.suffix),
            line=line,
            source=source,
            href=href,
        )


# --- schema.org ---------------------------------------------------------------------------


def schema_org(resource: Resource, url: str) -> dict[str, object]:
    """A small schema.org description for search engines, as a JSON-able dict."""
    types = sorted({_SCHEMA_TYPES[t.value] for t in resource.types if t.value in _SCHEMA_TYPES})
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@id": resource.iri,
        "@type": types[0] if len(types) == 1 else (types or "Thing"),
        "url": url,
        "name": [{"@value": t.value, "@language": t.lang} for t in resource.labels if t.lang]
        or resource.title,
    }
    if resource.source and resource.source.text:
        data["text"] = resource.source.text[0].value
    return data


# --- helpers ------------------------------------------------------------------------------


def section_page(key: str) -> str | None:
    """`/sections/<ward>/<slug>` for a section's key `<ward>/section/<slug>`."""
    match = SECTION_KEY.fullmatch(key)
    return f"/sections/{match.group(1)}/{match.group(2)}" if match else None


def _by_property(pairs: list[tuple[NamedNode, Term]]) -> dict[str, list[Term]]:
    grouped: dict[str, list[Term]] = {}
    for p, o in pairs:
        grouped.setdefault(p.value, []).append(o)
    return grouped


def _lang_order(term: Literal) -> tuple[int, str]:
    return ({"ja": 0, "en": 1}.get(term.language or "", 2), term.value)


def _term_order(term: Term) -> tuple[int, str]:
    if isinstance(term, Literal):
        return _lang_order(term)
    return (3, term.value)


_FIRST = [RDF.type.value, SKOS.prefLabel.value, SKOS.altLabel.value]
_LAST = [MKG.sourceText.value, MKG.sourceLine.value, MKG.sourceDocument.value]


def _property_order(iri: str) -> tuple[int, str]:
    if iri in _FIRST:
        return (0, str(_FIRST.index(iri)))
    if iri in _LAST:
        return (2, str(_LAST.index(iri)))
    return (1, iri)


def _neighbours(outgoing: list[PropertyGroup], incoming: list[PropertyGroup]) -> list[Edge]:
    """The resources one link away, for the small graph: IRIs only, types left out."""
    edges: list[Edge] = []
    seen: set[str] = set()
    for direction, groups in (("out", outgoing), ("in", incoming)):
        for g in groups:
            if g.iri == RDF.type.value:
                continue
            for v in g.values:
                if v.kind != "iri" or v.href is None or v.value in seen:
                    continue
                seen.add(v.value)
                edges.append(Edge(direction, g.iri, g.label_ja or g.label_en or g.short, v))
                if len(edges) >= NEIGHBOUR_LIMIT:
                    return edges
    return edges
