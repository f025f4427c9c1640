"""SHACL validation of the built graph with pySHACL.

Violations are errors in the data; warnings (sh:Warning) are gaps a curator
should fill, such as a measure without an English label. The data graph is
the union of the named graphs, as SPARQL sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from pyoxigraph import RdfFormat
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from minami_kg.store import GraphStore


@dataclass(frozen=True)
class Finding:
    severity: str  # "Violation", "Warning" or "Info"
    focus: str
    path: str
    message: str


@dataclass(frozen=True)
class ValidationReport:
    findings: list[Finding]

    def of(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]

    @property
    def violations(self) -> list[Finding]:
        return self.of("Violation")

    @property
    def warnings(self) -> list[Finding]:
        return self.of("Warning")


def _union_graph(store: GraphStore) -> Graph:
    """Every triple of every graph in one rdflib Graph.

    Oxigraph parses the N-Quads dump, much faster than rdflib's parser, and each distinct term
    is converted to rdflib once.
    """
    union = Graph()
    terms: dict[object, Node] = {}

    def convert(term: object) -> Node:
        node = terms.get(term)
        if node is None:
            if isinstance(term, pyoxigraph.NamedNode):
                node = URIRef(term.value)
            elif isinstance(term, pyoxigraph.BlankNode):
                node = BNode(term.value)
            elif isinstance(term, pyoxigraph.Literal):
                if term.language:
                    node = Literal(term.value, lang=term.language)
                elif term.datatype.value == str(XSD.string):
                    node = Literal(term.value)  # as rdflib reads a simple literal
                else:
                    node = Literal(term.value, datatype=URIRef(term.datatype.value))
            else:
                raise TypeError(f"unexpected RDF term in the store: {term!r}")
            terms[term] = node
        return node

    for quad in pyoxigraph.parse(store.dump(RdfFormat.N_QUADS), format=RdfFormat.N_QUADS):
        union.add((convert(quad.subject), convert(quad.predicate), convert(quad.object)))
    return union


def validate_store(store: GraphStore, shapes: Path, ontology: Path) -> ValidationReport:
    # imported here: pyshacl takes ~0.15 s to import, and every command (build too) imports us
    import pyshacl

    data = _union_graph(store)
    shapes_graph = Graph().parse(shapes, format="turtle")
    ontology_graph = Graph().parse(ontology, format="turtle")
    _, results, _ = pyshacl.validate(
        data,
        shacl_graph=shapes_graph,
        ont_graph=ontology_graph,
        inference="none",
        allow_warnings=True,
    )
    findings = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        severity = results.value(result, SH.resultSeverity)
        findings.append(
            Finding(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus=str(results.value(result, SH.focusNode) or ""),
                path=str(results.value(result, SH.resultPath) or ""),
                message=str(results.value(result, SH.resultMessage) or ""),
            )
        )
    findings.sort(key=lambda f: (f.severity, f.focus, f.path, f.message))
    return ValidationReport(findings=findings)


__all__ = ["Finding", "ValidationReport", "validate_store"]
