"""Every plan in the store with its size: what `/plans` lists.

The plans are `plans.list_plans`; each is counted in one query: its measures,
the sections with a goal in it (sections persist across the years of a ward; a
goal belongs to one year), its accepted links and its candidates. The counts
are grouped in a UNION rather than joined with OPTIONALs, whose rows would
multiply per plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from pyoxigraph import Literal, NamedNode

from minami_kg.rdf.namespaces import SPARQL_PREFIXES
from minami_kg.readmodels.plans import list_plans
from minami_kg.store import GraphStore, select

_COUNTS = (
    SPARQL_PREFIXES
    + """
SELECT ?plan ?kind (COUNT(DISTINCT ?x) AS ?n) WHERE {
  { ?x a mkg:Measure ; mkg:inPlan ?plan . BIND("measures" AS ?kind) }
  UNION { ?goal a mkg:SectionGoal ; mkg:inPlan ?plan ; mkg:goalOf ?x . BIND("sections" AS ?kind) }
  UNION { ?x a mkg:Contribution ; mkg:inPlan ?plan ; mkg:accepted true . BIND("links" AS ?kind) }
  UNION {
    ?x a mkg:Contribution ; mkg:inPlan ?plan ; mkg:accepted false . BIND("candidates" AS ?kind)
  }
}
GROUP BY ?plan ?kind
"""
)

_WARDS = (
    SPARQL_PREFIXES
    + """
SELECT DISTINCT ?plan ?label ?labelEn WHERE {
  ?plan a mkg:OperatingPolicy ; dcterms:publisher ?ward .
  ?ward skos:prefLabel ?label . FILTER(lang(?label) = "ja")
  OPTIONAL { ?ward skos:prefLabel ?labelEn . FILTER(lang(?labelEn) = "en") }
}
"""
)

KINDS = ("measures", "sections", "links", "candidates")


@dataclass
class PlanEntry:
    """One plan of the index: who, which year, how big, and the year before it (if any)."""

    key: str
    iri: str
    ward: str
    ward_label: str
    ward_label_en: str | None
    fiscal_year: str
    title: str
    title_en: str | None
    counts: dict[str, int] = field(default_factory=dict)
    previous: str | None = None  # the fiscal year of the same ward's plan before this one


def plan_index(store: GraphStore, base: str) -> list[PlanEntry]:
    """Every plan read from a document, by ward, newest year first within a ward."""
    counts: dict[str, dict[str, int]] = {}
    for row in select(store, _COUNTS):
        plan, kind, n = row["plan"], row["kind"], row["n"]
        if isinstance(plan, NamedNode) and isinstance(kind, Literal) and isinstance(n, Literal):
            counts.setdefault(plan.value, {})[kind.value] = int(n.value)
    wards = {
        row["plan"].value: (row["label"].value, row["labelEn"].value if row["labelEn"] else None)
        for row in select(store, _WARDS)
    }
    entries = []
    for p in list_plans(store, base):
        label, label_en = wards.get(p.iri) or (p.ward, None)
        found = counts.get(p.iri, {})
        entries.append(
            PlanEntry(
                key=p.key,
                iri=p.iri,
                ward=p.ward,
                ward_label=label,
                ward_label_en=label_en,
                fiscal_year=p.fiscal_year,
                title=p.title,
                title_en=p.title_en,
                counts={kind: found.get(kind, 0) for kind in KINDS},
            )
        )
    entries.sort(key=lambda e: (e.ward, -int(e.fiscal_year)))
    for entry, following in pairwise(entries):
        if following.ward == entry.ward:
            entry.previous = following.fiscal_year
    return entries
