"""Counts that say whether a build read the document whole."""

from __future__ import annotations

from dataclasses import dataclass

from minami_kg.rdf.namespaces import MKG, SCHEMA, SKOS, SPARQL_PREFIXES
from minami_kg.store import GraphStore, select

# (label, class IRI) in the order `minami-kg stats` prints them.
COUNTED_CLASSES: tuple[tuple[str, str], ...] = (
    ("plans", MKG.OperatingPolicy.value),
    ("basic goals", MKG.BasicGoal.value),
    ("focus areas", MKG.FocusArea.value),
    ("priority focus areas", ""),
    ("measures", MKG.Measure.value),
    ("actions", MKG.Action.value),
    ("organisational principles", MKG.OrganisationalPrinciple.value),
    ("sections", MKG.Section.value),
    ("section goals", MKG.SectionGoal.value),
    ("contact points", SCHEMA.ContactPoint.value),
    ("contributions", MKG.Contribution.value),
    ("accepted links", ""),
    ("partners", MKG.Partner.value),
    ("topics", SKOS.Concept.value),
    ("cited plans", MKG.CitedPlan.value),
)

_CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class
"""
# Counts that are not the size of a class (each query after SPARQL_PREFIXES).
_OTHER_COUNTS = {
    "priority focus areas": """
        SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a mkg:FocusArea ; mkg:isPriority true }
    """,
    "accepted links": """
        SELECT (COUNT(*) AS ?n) WHERE { ?s mkg:contributesTo ?m }
    """,
}


_PER_PLAN = (
    SPARQL_PREFIXES
    + """
SELECT ?plan ?class (COUNT(DISTINCT ?thing) AS ?n)
WHERE { ?thing mkg:inPlan ?plan ; a ?class }
GROUP BY ?plan ?class
"""
)
PER_PLAN_CLASSES: tuple[tuple[str, str], ...] = (
    ("areas", MKG.FocusArea.value),
    ("measures", MKG.Measure.value),
    ("actions", MKG.Action.value),
    ("sections", MKG.SectionGoal.value),
)


@dataclass(frozen=True)
class GraphStats:
    counts: dict[str, int]  # label → count, in COUNTED_CLASSES order
    quads: int
    named_graphs: list[str]
    per_plan: dict[str, dict[str, int]]  # plan IRI → label → count (PER_PLAN_CLASSES)


def graph_stats(store: GraphStore) -> GraphStats:
    by_class = {row["class"].value: int(row["n"].value) for row in select(store, _CLASS_COUNTS)}
    other = {
        label: int(next(iter(select(store, SPARQL_PREFIXES + query)))["n"].value)
        for label, query in _OTHER_COUNTS.items()
    }
    counts = {
        label: other[label] if label in other else by_class.get(iri, 0)
        for label, iri in COUNTED_CLASSES
    }
    by_plan: dict[str, dict[str, int]] = {}
    for row in select(store, _PER_PLAN):
        by_plan.setdefault(row["plan"].value, {})[row["class"].value] = int(row["n"].value)
    per_plan = {
        plan: {label: found.get(iri, 0) for label, iri in PER_PLAN_CLASSES}
        for plan, found in sorted(by_plan.items())
    }
    return GraphStats(
        counts=counts, quads=len(store), named_graphs=store.named_graphs(), per_plan=per_plan
    )
