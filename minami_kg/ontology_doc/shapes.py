"""The SHACL shapes (`ontology/shapes.ttl`) read into `Shape` and `Constraint` values.

Shapes are made of RDF lists and blank nodes (`sh:or`, `sh:in`,
`sh:inversePath`, sequence paths), which is why rdflib reads them: its
`Collection` walks the lists directly. A path is shown in SPARQL
property-path syntax, every condition without a column of its own as
`sh:name value` text, so the page shows all a shape says.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import RDF, SH, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from minami_kg.ontology_doc.model import Constraint, Shape
from minami_kg.ontology_doc.names import Names, rdf_list, value

_PATH_SUFFIXES = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}

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
"""The conditions shown as text; counts, value types and paths have columns of their own."""


def read_shapes(graph: Graph, names: Names) -> list[Shape]:
    """Every named node shape of the file, by IRI."""
    nodes = sorted(s for s in set(graph.subjects(RDF.type, SH.NodeShape)) if isinstance(s, URIRef))
    return [_shape(graph, names, node) for node in nodes]


def _shape(graph: Graph, names: Names, node: URIRef) -> Shape:
    constraints = sorted(
        (_constraint(graph, names, p) for p in graph.objects(node, SH.property)),
        key=lambda c: (c.path, c.name),
    )
    return Shape(
        iri=str(node),
        curie=names.curie(node),
        name=value(graph, node, SH.name),
        description=value(graph, node, SH.description),
        message=value(graph, node, SH.message),
        severity=_severity(graph, node),
        target_classes=names.refs(graph.objects(node, SH.targetClass)),
        target_subjects_of=names.refs(graph.objects(node, SH.targetSubjectsOf)),
        facets=tuple(_facets(graph, names, node)),
        constraints=tuple(constraints),
        sparql_messages=tuple(
            sorted(value(graph, c, SH.message) for c in graph.objects(node, SH.sparql))
        ),
    )


def _severity(graph: Graph, node: Node) -> str:
    severity = graph.value(node, SH.severity)
    return str(severity).rsplit("#", 1)[-1] if severity else "Violation"


def _constraint(graph: Graph, names: Names, node: Node) -> Constraint:
    path = graph.value(node, SH.path)
    value_types = [graph.value(node, SH.datatype), graph.value(node, SH["class"])]
    value_types += _classes_of(graph, graph.value(node, SH["or"]))
    min_count = _int(graph.value(node, SH.minCount))
    max_count = _int(graph.value(node, SH.maxCount))
    return Constraint(
        path=_path_text(graph, names, path),
        properties=tuple(sorted(set(_path_properties(graph, path)))),
        name=value(graph, node, SH.name),
        description=value(graph, node, SH.description),
        message=value(graph, node, SH.message),
        severity=_severity(graph, node),
        min_count=min_count,
        max_count=max_count,
        cardinality=f"{min_count or 0}..{'*' if max_count is None else max_count}",
        value_types=names.refs(v for v in value_types if v is not None),
        facets=tuple(_facets(graph, names, node, skip_value_types=True)),
    )


def _int(literal: object) -> int | None:
    return int(literal) if isinstance(literal, Literal) else None


def _classes_of(graph: Graph, head: Node | None) -> list[Node]:
    """The classes of a list of `[ sh:class C ]` shapes (as in `sh:or`), when that is all it is."""
    members = rdf_list(graph, head)
    classes = [c for m in members if (c := graph.value(m, SH["class"])) is not None]
    if (
        members
        and len(classes) == len(members)
        and all(len(set(graph.predicates(m))) == 1 for m in members)
    ):
        return classes
    return []


def _path_text(graph: Graph, names: Names, path: Node | None) -> str:
    """A SHACL path (§2.3.1) in SPARQL property-path syntax."""
    if isinstance(path, URIRef):
        return names.curie(path)
    if path is None:
        return ""
    if (path, RDF.first, None) in graph:
        return "/".join(_path_text(graph, names, p) for p in rdf_list(graph, path))
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(graph, names, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        steps = (_path_text(graph, names, p) for p in rdf_list(graph, alternatives))
        return "(" + "|".join(steps) + ")"
    for predicate, suffix in _PATH_SUFFIXES.items():
        inner = graph.value(path, predicate)
        if inner is not None:
            return f"({_path_text(graph, names, inner)}){suffix}"
    return str(path)


def _path_properties(graph: Graph, path: Node | None) -> Iterable[str]:
    """The properties a path walks, through any nesting (lists are blank nodes too)."""
    if isinstance(path, URIRef):
        yield str(path)
    elif isinstance(path, BNode):
        for _, inner in graph.predicate_objects(path):
            if inner != RDF.nil:
                yield from _path_properties(graph, inner)


def _facets(graph: Graph, names: Names, node: Node, *, skip_value_types: bool = False) -> list[str]:
    """Every condition of a shape not shown in its own column, as `sh:name value` text."""

    def show(term: Node) -> str:
        if isinstance(term, URIRef):
            return names.curie(term)
        if isinstance(term, Literal):
            return f'"{term}"' if term.datatype is None and not term.language else str(term)
        if (term, RDF.first, None) in graph or term == RDF.nil:
            return "(" + " ".join(show(v) for v in rdf_list(graph, term)) + ")"
        return "[" + "; ".join(_facets(graph, names, term)) + "]"

    found: list[str] = []
    for facet in _FACETS:
        found += [f"{names.curie(facet)} {show(v)}" for v in graph.objects(node, facet)]
    if not skip_value_types:
        found += [f"sh:class {show(v)}" for v in graph.objects(node, SH["class"])]
        found += [f"sh:datatype {show(v)}" for v in graph.objects(node, SH.datatype)]
    for logical in (SH["or"], SH.xone, SH["and"]):
        for head in graph.objects(node, logical):
            if skip_value_types and logical == SH["or"] and _classes_of(graph, head):
                continue
            found.append(f"{names.curie(logical)} {show(head)}")
    for shape in graph.objects(node, SH.qualifiedValueShape):
        count = [
            f"{names.curie(p)} {graph.value(node, p)}"
            for p in (SH.qualifiedMinCount, SH.qualifiedMaxCount)
            if graph.value(node, p) is not None
        ]
        found.append(f"sh:qualifiedValueShape {show(shape)}; " + "; ".join(count))
    return found
