"""The terms of the ontology (`ontology/minami-kg.ttl`) read into `ClassDoc` and `PropertyDoc`.

Each term comes with its labels and definitions in Japanese and English, its
place in the hierarchy, its alignment to the W3C vocabularies and schema.org,
and the shapes (already read by `minami_kg.ontology_doc.shapes`) that apply
to it: to a class through `sh:targetClass` on it or on one of its
superclasses, to a property through the constraints whose path walks it.
"""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef

from minami_kg.ontology_doc.model import (
    Alignment,
    AppliedShape,
    ClassDoc,
    PropertyConstraint,
    PropertyDoc,
    Shape,
)
from minami_kg.ontology_doc.names import Names, is_ours, local, refers_to, text

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
    "http://imi.go.jp/ns/core/rdf#": "IMI core vocabulary 2.4.2",
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


def ours(graph: Graph, kind: URIRef) -> list[URIRef]:
    """The terms of our namespace typed `kind`, by local name."""
    found = {s for s in graph.subjects(RDF.type, kind) if is_ours(s)}
    return sorted(found, key=lambda s: local(s).lower())


def class_doc(graph: Graph, names: Names, iri: URIRef, shapes: list[Shape]) -> ClassDoc:
    applied = [AppliedShape(s, None) for s in shapes if refers_to(s.target_classes, iri)]
    for ancestor in _ancestors(graph, iri):
        via = names.ref(ancestor)
        applied += [AppliedShape(s, via) for s in shapes if refers_to(s.target_classes, ancestor)]
    return ClassDoc(
        iri=str(iri),
        local=local(iri),
        curie=names.curie(iri),
        label=text(graph, iri, RDFS.label),
        comment=text(graph, iri, RDFS.comment),
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
            if is_ours(p) and str(p) not in found
        )
        found += parents
        frontier = [URIRef(p) for p in parents]
    return found


def property_doc(
    graph: Graph, names: Names, iri: URIRef, kind: str, shapes: list[Shape]
) -> PropertyDoc:
    """`kind` is "object" or "datatype", as the property is declared."""
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
        local=local(iri),
        curie=names.curie(iri),
        kind=kind,
        functional=(iri, RDF.type, OWL.FunctionalProperty) in graph,
        label=text(graph, iri, RDFS.label),
        comment=text(graph, iri, RDFS.comment),
        superproperties=names.refs(graph.objects(iri, RDFS.subPropertyOf)),
        inverse_of=names.refs(
            set(graph.objects(iri, OWL.inverseOf)) | set(graph.subjects(OWL.inverseOf, iri))
        ),
        domain=names.refs(graph.objects(iri, RDFS.domain)),
        range=names.refs(graph.objects(iri, RDFS.range)),
        alignments=_alignments(graph, names, iri),
        constraints=tuple(constraints),
        subject_shapes=tuple(s for s in shapes if refers_to(s.target_subjects_of, iri)),
    )


def _alignments(graph: Graph, names: Names, subject: URIRef) -> tuple[Alignment, ...]:
    found = []
    for relation in ALIGNMENT_RELATIONS:
        for target in graph.objects(subject, relation):
            namespace = next((ns for ns in VOCABULARIES if str(target).startswith(ns)), None)
            if namespace is not None:
                found.append(
                    Alignment(names.curie(relation), names.ref(target), VOCABULARIES[namespace])
                )
    return tuple(sorted(found, key=lambda a: (a.relation, a.target.iri)))
