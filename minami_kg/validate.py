"""SHACL validation of the built graph with pySHACL.

Violations are errors in the data; warnings (sh:Warning) are gaps a curator
should fill, such as a measure without an English label. The data graph is
the union of the named graphs, as SPARQL sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyshacl
from pyoxigraph import RdfFormat
from rdflib import Dataset, Graph
from rdflib.namespace import RDF, SH

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
    dataset = Dataset()
    dataset.parse(data=store.dump(RdfFormat.N_QUADS), format="nquads")
    union = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def validate_store(store: GraphStore, shapes: Path, ontology: Path) -> ValidationReport:
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
