"""Counts that say whether a build read the document whole."""

from __future__ import annotations

from dataclasses import dataclass

from minami_kg.store import GraphStore, select

# (label, class IRI) in the order `minami-kg stats` prints them.
COUNTED_CLASSES: tuple[tuple[str, str], ...] = (
    ("plans", "https://w3id.org/minami-kg/def#OperatingPolicy"),
    ("basic goals", "https://w3id.org/minami-kg/def#BasicGoal"),
    ("focus areas", "https://w3id.org/minami-kg/def#FocusArea"),
    ("priority focus areas", ""),
    ("measures", "https://w3id.org/minami-kg/def#Measure"),
    ("actions", "https://w3id.org/minami-kg/def#Action"),
    ("organisational principles", "https://w3id.org/minami-kg/def#OrganisationalPrinciple"),
    ("sections", "https://w3id.org/minami-kg/def#Section"),
    ("section goals", "https://w3id.org/minami-kg/def#SectionGoal"),
    ("contact points", "https://schema.org/ContactPoint"),
    ("contributions", "https://w3id.org/minami-kg/def#Contribution"),
    ("accepted links", ""),
    ("partners", "https://w3id.org/minami-kg/def#Partner"),
    ("topics", "http://www.w3.org/2004/02/skos/core#Concept"),
    ("cited plans", "https://w3id.org/minami-kg/def#CitedPlan"),
)

_CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class
"""
# Counts that are not the size of a class.
_OTHER_COUNTS = {
    "priority focus areas": """
        PREFIX mkg: <https://w3id.org/minami-kg/def#>
        SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a mkg:FocusArea ; mkg:isPriority true }
    """,
    "accepted links": """
        PREFIX mkg: <https://w3id.org/minami-kg/def#>
        SELECT (COUNT(*) AS ?n) WHERE { ?s mkg:contributesTo ?m }
    """,
}


_PER_PLAN = """
PREFIX mkg: <https://w3id.org/minami-kg/def#>
SELECT ?plan ?class (COUNT(DISTINCT ?thing) AS ?n)
WHERE { ?thing mkg:inPlan ?plan ; a ?class }
GROUP BY ?plan ?class
"""
PER_PLAN_CLASSES: tuple[tuple[str, str], ...] = (
    ("areas", "https://w3id.org/minami-kg/def#FocusArea"),
    ("measures", "https://w3id.org/minami-kg/def#Measure"),
    ("actions", "https://w3id.org/minami-kg/def#Action"),
    ("sections", "https://w3id.org/minami-kg/def#SectionGoal"),
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
        label: int(next(iter(select(store, query)))["n"].value)
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
