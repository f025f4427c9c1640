"""`read_ontology`: both Turtle files into one `Ontology`, the page's whole content.

It reads the ontology's header (version, licence, prefixes) itself and leaves
the terms to `terms`, the shapes to `shapes` and the picture to `diagram`.
Every list it returns is sorted, so the page is the same from one start to
the next.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import OWL, RDF, Graph, URIRef
from rdflib.namespace import DCTERMS

from minami_kg.ontology_doc.diagram import core_diagram
from minami_kg.ontology_doc.model import Ontology
from minami_kg.ontology_doc.names import MKG, Names, text, value
from minami_kg.ontology_doc.shapes import read_shapes
from minami_kg.ontology_doc.terms import class_doc, ours, property_doc

VANN = "http://purl.org/vocab/vann/"


def read_ontology(ontology_ttl: Path, shapes_ttl: Path) -> Ontology:
    """Everything the reference page shows, read from the two files."""
    graph = Graph(bind_namespaces="none").parse(ontology_ttl, format="turtle")
    shapes_graph = Graph(bind_namespaces="none").parse(shapes_ttl, format="turtle")
    names = Names(graph, shapes_graph)
    shapes = read_shapes(shapes_graph, names)
    classes = tuple(class_doc(graph, names, iri, shapes) for iri in ours(graph, OWL.Class))
    object_properties, datatype_properties = (
        tuple(property_doc(graph, names, iri, kind, shapes) for iri in ours(graph, declared))
        for kind, declared in (("object", OWL.ObjectProperty), ("datatype", OWL.DatatypeProperty))
    )
    ontology = next(graph.subjects(RDF.type, OWL.Ontology))
    shapes_iri = next(shapes_graph.subjects(RDF.type, OWL.Ontology), None)
    return Ontology(
        iri=str(ontology),
        namespace=value(graph, ontology, URIRef(VANN + "preferredNamespaceUri")) or MKG,
        prefix=value(graph, ontology, URIRef(VANN + "preferredNamespacePrefix")) or "mkg",
        version_info=value(graph, ontology, OWL.versionInfo),
        version_iri=value(graph, ontology, OWL.versionIRI),
        prior_version=value(graph, ontology, OWL.priorVersion),
        title=text(graph, ontology, DCTERMS.title),
        description=text(graph, ontology, DCTERMS.description),
        license=value(graph, ontology, DCTERMS.license),
        creator=value(graph, ontology, DCTERMS.creator),
        created=value(graph, ontology, DCTERMS.created),
        shapes_iri=str(shapes_iri or ""),
        shapes_version=value(shapes_graph, shapes_iri, OWL.versionInfo) if shapes_iri else "",
        namespaces=tuple(sorted((p, str(ns)) for p, ns in graph.namespaces())),
        classes=classes,
        object_properties=object_properties,
        datatype_properties=datatype_properties,
        diagram=core_diagram(classes, object_properties),
    )
