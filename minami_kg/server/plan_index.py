"""Every plan in the store with its size: what `/plans` lists, read through the store.

A store holds many plans (every ward, every year), so the pages that show one
plan need a place that lists them all. Each plan is counted in one query:
its measures, the sections with a goal in it (sections persist across the
years of a ward; a goal belongs to one year), its accepted links and its
candidates. The counts are grouped in a UNION rather than joined with
OPTIONALs, whose rows would multiply per plan. Nothing here knows about Flask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from pyoxigraph import Literal, NamedNode, QuerySolutions

from minami_kg.server.plan_views import PREFIXES, PlanRef, PlanViews
from minami_kg.store import GraphStore

_COUNTS = (
    PREFIXES
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
    PREFIXES
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
    plans = PlanViews(store, base).plans()
    counts = _counts(store)
    wards = _ward_labels(store)
    entries = [_entry(p, counts.get(p.iri, {}), wards.get(p.iri)) for p in plans]
    entries.sort(key=lambda e: (e.ward, -int(e.fiscal_year)))
    for entry, following in pairwise(entries):
        if following.ward == entry.ward:
            entry.previous = following.fiscal_year
    return entries


def _entry(plan: PlanRef, counts: dict[str, int], ward: tuple[str, str | None] | None) -> PlanEntry:
    label, label_en = ward or (plan.ward, None)
    return PlanEntry(
        key=plan.key,
        iri=plan.iri,
        ward=plan.ward,
        ward_label=label,
        ward_label_en=label_en,
        fiscal_year=plan.fiscal_year,
        title=plan.title,
        title_en=plan.title_en,
        counts={kind: counts.get(kind, 0) for kind in KINDS},
    )


def _solutions(store: GraphStore, sparql: str) -> QuerySolutions:
    result = store.query(sparql)
    assert isinstance(result, QuerySolutions)
    return result


def _counts(store: GraphStore) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for row in _solutions(store, _COUNTS):
        plan, kind, n = row["plan"], row["kind"], row["n"]
        if isinstance(plan, NamedNode) and isinstance(kind, Literal) and isinstance(n, Literal):
            found.setdefault(plan.value, {})[kind.value] = int(n.value)
    return found


def _ward_labels(store: GraphStore) -> dict[str, tuple[str, str | None]]:
    """Plan IRI → the Japanese and English names of its ward."""
    return {
        row["plan"].value: (row["label"].value, row["labelEn"].value if row["labelEn"] else None)
        for row in _solutions(store, _WARDS)
    }
