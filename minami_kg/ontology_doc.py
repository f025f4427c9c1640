"""The ontology and its SHACL shapes as plain data, for the reference page `/ontology`.

`read_ontology(ontology_ttl, shapes_ttl)` reads `ontology/minami-kg.ttl` and
`ontology/shapes.ttl` into dataclasses: one `ClassDoc` or `PropertyDoc` per
term of the `mkg:` namespace, with its labels and definitions in Japanese and
English, its place in the hierarchy, its alignment to the W3C vocabularies and
schema.org, and the shape constraints that apply to it; plus a `Diagram` of
the core classes laid out on a grid. Nothing here knows about Flask or the
store (examples from the data are the server's business), so the same
structure gives the HTML page and its JSON twin.

rdflib reads the files because the shapes are made of RDF lists and blank
nodes (`sh:or`, `sh:in`, `sh:inversePath`, sequence paths), which its
`Collection` walks directly. Every list this module returns is sorted, so the
page is the same from one start to the next.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SH, SKOS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS
from rdflib.term import Node

MKG = "https://w3id.org/minami-kg/def#"
VANN = "http://purl.org/vocab/vann/"

VOCABULARIES: dict[str, str] = {
    "http://www.w3.org/ns/org#": "ORG",
    "http://www.w3.org/2004/02/skos/core#": "SKOS",
    "http://www.w3.org/ns/prov#": "PROV-O",
    "http://purl.org/dc/terms/": "DCTERMS",
    "http://www.w3.org/ns/dcat#": "DCAT",
    "https://schema.org/": "schema.org",
    "http://xmlns.com/foaf/0.1/": "FOAF",
    "http://www.w3.org/ns/oa#": "Web Annotation",
    "http://www.w3.org/2006/time#": "OWL-Time",
}
"""The vocabularies our terms are aligned to, by namespace, as the page names them."""

ALIGNMENT_RELATIONS = (
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
    RDFS.seeAlso,
)
"""Relations that tie one of our terms to a term of another vocabulary."""

_PATH_SUFFIXES = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}


# --- the plain data -----------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """One text in both languages (either may be empty)."""

    ja: str
    en: str


@dataclass(frozen=True)
class TermRef:
    """A term as the page links it: to its anchor when the page documents it, else its IRI."""

    iri: str
    curie: str
    anchor: str | None = None
    label: Text | None = None


@dataclass(frozen=True)
class Alignment:
    """`relation` ties one of our terms to `target`, a term of `vocabulary`."""

    relation: str
    target: TermRef
    vocabulary: str


@dataclass(frozen=True)
class Constraint:
    """One property constraint of a shape (SHACL §2.3, https://www.w3.org/TR/shacl/#property-shapes)."""

    path: str  # as a SPARQL property path: `^mkg:hasAction`, `mkg:quote/oa:hasSource`
    properties: tuple[str, ...]  # IRIs of the properties the path walks
    name: str
    description: str
    message: str
    severity: str
    min_count: int | None
    max_count: int | None
    cardinality: str  # `1..1`, `0..7`, `1..*`; no count set: `0..*`, any number
    value_types: tuple[TermRef, ...]  # sh:datatype or sh:class; several: any one of them
    facets: tuple[str, ...]  # every other condition, in SHACL's own words


@dataclass(frozen=True)
class Shape:
    """A node shape (SHACL §2.1) with its targets, node-level conditions and constraints."""

    iri: str
    curie: str
    name: str
    description: str
    message: str
    severity: str
    target_classes: tuple[TermRef, ...]
    target_subjects_of: tuple[TermRef, ...]
    facets: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    sparql_messages: tuple[str, ...]  # what each SPARQL-based constraint (§5) reports


@dataclass(frozen=True)
class AppliedShape:
    """A shape that applies to a class, directly or through a superclass (`via`)."""

    shape: Shape
    via: TermRef | None


@dataclass(frozen=True)
class PropertyConstraint:
    """A constraint on a property's path, and the shape (and its targets) it belongs to."""

    shape: TermRef
    shape_name: str
    targets: tuple[TermRef, ...]
    constraint: Constraint


@dataclass(frozen=True)
class ClassDoc:
    iri: str
    local: str
    curie: str
    label: Text
    comment: Text
    superclasses: tuple[TermRef, ...]
    subclasses: tuple[TermRef, ...]
    disjoint_with: tuple[TermRef, ...]
    alignments: tuple[Alignment, ...]
    in_domain_of: tuple[TermRef, ...]
    in_range_of: tuple[TermRef, ...]
    shapes: tuple[AppliedShape, ...]


@dataclass(frozen=True)
class PropertyDoc:
    iri: str
    local: str
    curie: str
    kind: str  # "object" or "datatype"
    functional: bool
    label: Text
    comment: Text
    superproperties: tuple[TermRef, ...]
    inverse_of: tuple[TermRef, ...]
    domain: tuple[TermRef, ...]
    range: tuple[TermRef, ...]
    alignments: tuple[Alignment, ...]
    constraints: tuple[PropertyConstraint, ...]
    subject_shapes: tuple[Shape, ...]  # shapes whose focus nodes are the subjects of the property


@dataclass(frozen=True)
class Box:
    """A class in the diagram: a rectangle with its top-left corner at (x, y)."""

    anchor: str
    curie: str
    label: Text
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Arrow:
    """An object property in the diagram, from its domain's box to its range's box."""

    anchor: str
    curie: str
    label: Text
    x1: int
    y1: int
    x2: int
    y2: int

    @property
    def label_x(self) -> int:
        return (self.x1 + self.x2) // 2

    @property
    def label_y(self) -> int:
        return (self.y1 + self.y2) // 2


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]


@dataclass(frozen=True)
class Ontology:
    iri: str
    namespace: str
    prefix: str
    version_info: str
    version_iri: str
    prior_version: str
    title: Text
    description: Text
    license: str
    creator: str
    created: str
    shapes_iri: str
    shapes_version: str
    namespaces: tuple[tuple[str, str], ...]  # (prefix, namespace) as the file declares them
    classes: tuple[ClassDoc, ...]
    object_properties: tuple[PropertyDoc, ...]
    datatype_properties: tuple[PropertyDoc, ...]
    diagram: Diagram

    @property
    def properties(self) -> tuple[PropertyDoc, ...]:
        return self.object_properties + self.datatype_properties


# --- reading ------------------------------------------------------------------------------


def read_ontology(ontology_ttl: Path, shapes_ttl: Path) -> Ontology:
    """Everything the reference page shows, read from the two files."""
    graph = Graph(bind_namespaces="none").parse(ontology_ttl, format="turtle")
    shapes_graph = Graph(bind_namespaces="none").parse(shapes_ttl, format="turtle")
    names = _Names(graph, shapes_graph)
    shapes = [_shape(shapes_graph, names, node) for node in _node_shapes(shapes_graph)]
    classes = tuple(_class_doc(graph, names, iri, shapes) for iri in _ours(graph, OWL.Class))
    object_properties = tuple(
        _property_doc(graph, names, iri, "object", shapes)
        for iri in _ours(graph, OWL.ObjectProperty)
    )
    datatype_properties = tuple(
        _property_doc(graph, names, iri, "datatype", shapes)
        for iri in _ours(graph, OWL.DatatypeProperty)
    )
    ontology = next(graph.subjects(RDF.type, OWL.Ontology))
    shapes_iri = next(shapes_graph.subjects(RDF.type, OWL.Ontology), None)
    return Ontology(
        iri=str(ontology),
        namespace=_value(graph, ontology, URIRef(VANN + "preferredNamespaceUri")) or MKG,
        prefix=_value(graph, ontology, URIRef(VANN + "preferredNamespacePrefix")) or "mkg",
        version_info=_value(graph, ontology, OWL.versionInfo),
        version_iri=_value(graph, ontology, OWL.versionIRI),
        prior_version=_value(graph, ontology, OWL.priorVersion),
        title=_text(graph, ontology, DCTERMS.title),
        description=_text(graph, ontology, DCTERMS.description),
        license=_value(graph, ontology, DCTERMS.license),
        creator=_value(graph, ontology, DCTERMS.creator),
        created=_value(graph, ontology, DCTERMS.created),
        shapes_iri=str(shapes_iri or ""),
        shapes_version=_value(shapes_graph, shapes_iri, OWL.versionInfo) if shapes_iri else "",
        namespaces=tuple(sorted((p, str(ns)) for p, ns in graph.namespaces())),
        classes=classes,
        object_properties=object_properties,
        datatype_properties=datatype_properties,
        diagram=core_diagram(classes, object_properties),
    )


class _Names:
    """Prefixed names and page references for IRIs, from both files' prefixes."""

    def __init__(self, graph: Graph, shapes_graph: Graph) -> None:
        declared = {str(ns): p for g in (shapes_graph, graph) for p, ns in g.namespaces()}
        self._namespaces = sorted(declared.items(), key=lambda item: -len(item[0]))
        self._graph = graph

    def curie(self, iri: str) -> str:
        for namespace, prefix in self._namespaces:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return f"<{iri}>"

    def ref(self, node: object) -> TermRef:
        iri = str(node)
        if iri.startswith(MKG):
            subject = URIRef(iri)
            return TermRef(
                iri,
                self.curie(iri),
                anchor=iri[len(MKG) :],
                label=_text(self._graph, subject, RDFS.label),
            )
        return TermRef(iri, self.curie(iri))

    def refs(self, nodes: Iterable[object]) -> tuple[TermRef, ...]:
        return tuple(sorted((self.ref(n) for n in nodes if isinstance(n, URIRef)), key=_by_iri))


def _by_iri(ref: TermRef) -> str:
    return ref.iri


def _ours(graph: Graph, kind: URIRef) -> list[URIRef]:
    """The terms of our namespace typed `kind`, by local name."""
    return sorted(
        (
            s
            for s in set(graph.subjects(RDF.type, kind))
            if isinstance(s, URIRef) and str(s).startswith(MKG)
        ),
        key=lambda s: str(s)[len(MKG) :].lower(),
    )


def _value(graph: Graph, subject: Node, predicate: URIRef) -> str:
    values = sorted(str(o) for o in graph.objects(subject, predicate))
    return values[0] if values else ""


def _text(graph: Graph, subject: Node, predicate: URIRef) -> Text:
    by_language: dict[str, str] = {}
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal):
            by_language.setdefault(value.language or "", str(value))
    return Text(by_language.get("ja", ""), by_language.get("en", ""))


def _alignments(graph: Graph, names: _Names, subject: URIRef) -> tuple[Alignment, ...]:
    found = []
    for relation in ALIGNMENT_RELATIONS:
        for target in graph.objects(subject, relation):
            namespace = next((ns for ns in VOCABULARIES if str(target).startswith(ns)), None)
            if namespace is not None:
                found.append(
                    Alignment(
                        names.curie(str(relation)), names.ref(target), VOCABULARIES[namespace]
                    )
                )
    return tuple(sorted(found, key=lambda a: (a.relation, a.target.iri)))


def _class_doc(graph: Graph, names: _Names, iri: URIRef, shapes: list[Shape]) -> ClassDoc:
    local = str(iri)[len(MKG) :]
    ancestors = _ancestors(graph, iri)
    applied = [AppliedShape(s, None) for s in shapes if _targets(s, str(iri))]
    for ancestor in ancestors:
        applied += [AppliedShape(s, names.ref(ancestor)) for s in shapes if _targets(s, ancestor)]
    return ClassDoc(
        iri=str(iri),
        local=local,
        curie=names.curie(str(iri)),
        label=_text(graph, iri, RDFS.label),
        comment=_text(graph, iri, RDFS.comment),
        superclasses=names.refs(graph.objects(iri, RDFS.subClassOf)),
        subclasses=names.refs(graph.subjects(RDFS.subClassOf, iri)),
        disjoint_with=names.refs(graph.objects(iri, OWL.disjointWith)),
        alignments=_alignments(graph, names, iri),
        in_domain_of=names.refs(graph.subjects(RDFS.domain, iri)),
        in_range_of=names.refs(graph.subjects(RDFS.range, iri)),
        shapes=tuple(applied),
    )


def _ancestors(graph: Graph, iri: URIRef) -> list[str]:
    """Our superclasses of `iri`, nearest first: their shapes apply too (SHACL §2.1.3.2)."""
    found: list[str] = []
    frontier = [iri]
    while frontier:
        parents = sorted(
            str(p)
            for c in frontier
            for p in graph.objects(c, RDFS.subClassOf)
            if str(p).startswith(MKG) and str(p) not in found
        )
        found += parents
        frontier = [URIRef(p) for p in parents]
    return found


def _targets(shape: Shape, class_iri: str) -> bool:
    return any(ref.iri == class_iri for ref in shape.target_classes)


def _property_doc(
    graph: Graph, names: _Names, iri: URIRef, kind: str, shapes: list[Shape]
) -> PropertyDoc:
    constraints = [
        PropertyConstraint(
            names.ref(shape.iri), shape.name, shape.target_classes + shape.target_subjects_of, c
        )
        for shape in shapes
        for c in shape.constraints
        if str(iri) in c.properties
    ]
    return PropertyDoc(
        iri=str(iri),
        local=str(iri)[len(MKG) :],
        curie=names.curie(str(iri)),
        kind=kind,
        functional=(iri, RDF.type, OWL.FunctionalProperty) in graph,
        label=_text(graph, iri, RDFS.label),
        comment=_text(graph, iri, RDFS.comment),
        superproperties=names.refs(graph.objects(iri, RDFS.subPropertyOf)),
        inverse_of=names.refs(
            set(graph.objects(iri, OWL.inverseOf)) | set(graph.subjects(OWL.inverseOf, iri))
        ),
        domain=names.refs(graph.objects(iri, RDFS.domain)),
        range=names.refs(graph.objects(iri, RDFS.range)),
        alignments=_alignments(graph, names, iri),
        constraints=tuple(constraints),
        subject_shapes=tuple(
            s for s in shapes if any(ref.iri == str(iri) for ref in s.target_subjects_of)
        ),
    )


# --- the shapes ---------------------------------------------------------------------------


def _node_shapes(graph: Graph) -> list[URIRef]:
    return sorted(s for s in set(graph.subjects(RDF.type, SH.NodeShape)) if isinstance(s, URIRef))


def _shape(graph: Graph, names: _Names, node: URIRef) -> Shape:
    constraints = sorted(
        (_constraint(graph, names, p) for p in graph.objects(node, SH.property)),
        key=lambda c: (c.path, c.name),
    )
    return Shape(
        iri=str(node),
        curie=names.curie(str(node)),
        name=_value(graph, node, SH.name),
        description=_value(graph, node, SH.description),
        message=_value(graph, node, SH.message),
        severity=_severity(graph, node),
        target_classes=names.refs(graph.objects(node, SH.targetClass)),
        target_subjects_of=names.refs(graph.objects(node, SH.targetSubjectsOf)),
        facets=tuple(_facets(graph, names, node)),
        constraints=tuple(constraints),
        sparql_messages=tuple(
            sorted(_value(graph, c, SH.message) for c in graph.objects(node, SH.sparql))
        ),
    )


def _severity(graph: Graph, node: Node) -> str:
    severity = graph.value(node, SH.severity)
    return str(severity).rsplit("#", 1)[-1] if severity else "Violation"


def _constraint(graph: Graph, names: _Names, node: Node) -> Constraint:
    path = graph.value(node, SH.path)
    value_types = [graph.value(node, SH.datatype), graph.value(node, SH["class"])]
    value_types += _classes_of(graph, graph.value(node, SH["or"]))
    min_count = _int(graph.value(node, SH.minCount))
    max_count = _int(graph.value(node, SH.maxCount))
    return Constraint(
        path=_path_text(graph, names, path),
        properties=tuple(sorted(set(_path_properties(graph, path)))),
        name=_value(graph, node, SH.name),
        description=_value(graph, node, SH.description),
        message=_value(graph, node, SH.message),
        severity=_severity(graph, node),
        min_count=min_count,
        max_count=max_count,
        cardinality=f"{min_count or 0}..{'*' if max_count is None else max_count}",
        value_types=names.refs(v for v in value_types if v is not None),
        facets=tuple(_facets(graph, names, node, skip_value_types=True)),
    )


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, Literal) else None


def _list(graph: Graph, head: Node | None) -> list[Node]:
    return list(Collection(graph, head)) if head is not None else []


def _classes_of(graph: Graph, head: Node | None) -> list[Node]:
    """The classes of a list of `[ sh:class C ]` shapes (as in `sh:or`), when that is all it is."""
    members = _list(graph, head)
    classes = [c for m in members if (c := graph.value(m, SH["class"])) is not None]
    if (
        members
        and len(classes) == len(members)
        and all(len(set(graph.predicates(m))) == 1 for m in members)
    ):
        return classes
    return []


def _path_text(graph: Graph, names: _Names, path: Node | None) -> str:
    """A SHACL path (§2.3.1) in SPARQL property-path syntax."""
    if isinstance(path, URIRef):
        return names.curie(str(path))
    if path is None:
        return ""
    if (path, RDF.first, None) in graph:
        return "/".join(_path_text(graph, names, p) for p in _list(graph, path))
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(graph, names, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path_text(graph, names, p) for p in _list(graph, alternatives)) + ")"
    for predicate, suffix in _PATH_SUFFIXES.items():
        inner = graph.value(path, predicate)
        if inner is not None:
            return f"({_path_text(graph, names, inner)}){suffix}"
    return str(path)


def _path_properties(graph: Graph, path: Node | None) -> Iterable[str]:
    if isinstance(path, URIRef):
        yield str(path)
    elif isinstance(path, BNode):
        if (path, RDF.first, None) in graph:
            for step in _list(graph, path):
                yield from _path_properties(graph, step)
        for _, inner in graph.predicate_objects(path):
            if inner != RDF.nil and not isinstance(inner, Literal):
                yield from _path_properties(graph, inner)


_FACETS = (
    SH.nodeKind,
    SH.languageIn,
    SH.uniqueLang,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minLength,
    SH.maxLength,
    SH.pattern,
    SH["in"],
    SH.equals,
    SH.disjoint,
    SH.hasValue,
)


def _facets(
    graph: Graph, names: _Names, node: Node, *, skip_value_types: bool = False
) -> list[str]:
    """Every condition of a shape not shown in its own column, as `sh:name value` text."""

    def show(value: Node) -> str:
        if isinstance(value, URIRef):
            return names.curie(str(value))
        if isinstance(value, Literal):
            return f'"{value}"' if value.datatype is None and not value.language else str(value)
        if (value, RDF.first, None) in graph or value == RDF.nil:
            return "(" + " ".join(show(v) for v in _list(graph, value)) + ")"
        return "[" + "; ".join(_facets(graph, names, value)) + "]"

    found: list[str] = []
    for facet in _FACETS:
        found += [f"{names.curie(str(facet))} {show(v)}" for v in graph.objects(node, facet)]
    if not skip_value_types:
        found += [f"sh:class {show(v)}" for v in graph.objects(node, SH["class"])]
        found += [f"sh:datatype {show(v)}" for v in graph.objects(node, SH.datatype)]
    for logical in (SH["or"], SH.xone, SH["and"]):
        for head in graph.objects(node, logical):
            if skip_value_types and logical == SH["or"] and _classes_of(graph, head):
                continue
            found.append(f"{names.curie(str(logical))} {show(head)}")
    for shape in graph.objects(node, SH.qualifiedValueShape):
        count = [
            f"{names.curie(str(p))} {graph.value(node, p)}"
            for p in (SH.qualifiedMinCount, SH.qualifiedMaxCount)
            if graph.value(node, p) is not None
        ]
        found.append(f"sh:qualifiedValueShape {show(shape)}; " + "; ".join(count))
    return found


# --- the diagram --------------------------------------------------------------------------

CORE_LAYOUT: dict[str, tuple[int, int]] = {
    "BasicGoal": (0, 0),
    "Plan": (1, 0),
    "OrganisationalPrinciple": (2, 0),
    "FocusArea": (0, 1),
    "Measure": (1, 1),
    "Action": (2, 1),
    "Section": (0, 2),
    "Contribution": (1, 2),
    "Evidence": (2, 2),
    "SectionGoal": (0, 3),
}
"""The core classes and their (column, row) in the diagram: the plan's parts read top
down, sections and their contributions below. Arrows are not placed by hand: each is
an object property whose domain and range are both here (see `core_diagram`)."""

BOX_WIDTH, BOX_HEIGHT = 210, 54
COLUMN_PITCH, ROW_PITCH = 340, 130
MARGIN = 20


def core_diagram(classes: Iterable[ClassDoc], properties: Iterable[PropertyDoc]) -> Diagram:
    """Boxes for the core classes, an arrow for each object property between two of them.

    Of two properties declared inverse of each other only one is drawn, the one
    that is not functional (the whole's view of its parts: `hasAction`, not
    `actionOf`), so the picture reads from a plan down to its pieces.
    """
    boxes = {
        c.local: Box(
            c.local,
            c.curie,
            c.label,
            MARGIN + column * COLUMN_PITCH,
            MARGIN + row * ROW_PITCH,
            BOX_WIDTH,
            BOX_HEIGHT,
        )
        for c in classes
        if c.local in CORE_LAYOUT
        for column, row in [CORE_LAYOUT[c.local]]
    }
    arrows = []
    for prop in properties:
        if prop.kind != "object" or (prop.functional and prop.inverse_of):
            continue
        for domain in prop.domain:
            for range_ in prop.range:
                start, end = boxes.get(domain.anchor or ""), boxes.get(range_.anchor or "")
                if start and end and start is not end:
                    arrows.append(_arrow(prop, start, end))
    columns = max((x for x, _ in CORE_LAYOUT.values()), default=0) + 1
    rows = max((y for _, y in CORE_LAYOUT.values()), default=0) + 1
    return Diagram(
        width=2 * MARGIN + (columns - 1) * COLUMN_PITCH + BOX_WIDTH,
        height=2 * MARGIN + (rows - 1) * ROW_PITCH + BOX_HEIGHT,
        boxes=tuple(sorted(boxes.values(), key=lambda b: (b.y, b.x))),
        arrows=tuple(sorted(arrows, key=lambda a: a.anchor)),
    )


def _arrow(prop: PropertyDoc, start: Box, end: Box) -> Arrow:
    """A straight arrow between the two boxes' centres, cut at their borders."""
    x1, y1 = start.x + start.width / 2, start.y + start.height / 2
    x2, y2 = end.x + end.width / 2, end.y + end.height / 2
    dx, dy = x2 - x1, y2 - y1

    def cut(box: Box) -> float:
        """How far along (dx, dy), as a fraction, the line leaves a box of this size."""
        fractions = []
        if dx:
            fractions.append((box.width / 2 + 4) / abs(dx))
        if dy:
            fractions.append((box.height / 2 + 4) / abs(dy))
        return min(fractions)

    leave, arrive = cut(start), 1 - cut(end)
    return Arrow(
        prop.local,
        prop.curie,
        prop.label,
        round(x1 + dx * leave),
        round(y1 + dy * leave),
        round(x1 + dx * arrive),
        round(y1 + dy * arrive),
    )
