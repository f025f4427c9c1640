"""Who decided a link and why, as the pages show it: 「人手で確認：山田 2026-12-04 — 理由…」.

Reads the `mkg:ReviewDecision` activities of `{base}graph/curated` (see
`minami_kg.rdf.decision_graph`). The measure, section and matrix-cell read
models attach a `ReviewMark` to each link a person decided; a rejected link,
which is no longer a link, shows only as a mark (the section page lists them,
the cell's evidence panel shows it). `version` is what a reviewer who means to
overrule the decision passes as `replaces` to `POST /api/review`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyoxigraph import NamedNode, Variable

from minami_kg.rdf.namespaces import SPARQL_PREFIXES
from minami_kg.review.decide import version_of
from minami_kg.store import GraphStore, Term, select

_DECISIONS = (
    SPARQL_PREFIXES
    + """
SELECT ?d ?plan ?section ?measure ?decision ?was ?reviewer ?at ?note ?sectionJa ?measureJa
       ?oldDecision ?oldReviewer ?oldAt ?oldNote WHERE {
  ?d a mkg:ReviewDecision ; mkg:decision ?decision ; prov:endedAtTime ?at ;
     prov:wasAssociatedWith ?agent ; prov:used ?section , ?measure .
  ?agent rdfs:label ?reviewer .
  ?section a mkg:Section .
  ?measure a mkg:Measure ; mkg:inPlan ?plan .
  OPTIONAL { ?section skos:prefLabel ?sectionJa FILTER(lang(?sectionJa) = "ja") }
  OPTIONAL { ?measure skos:prefLabel ?measureJa FILTER(lang(?measureJa) = "ja") }
  OPTIONAL { ?d mkg:previousStatus ?was }
  OPTIONAL { ?d rdfs:comment ?note }
  OPTIONAL {
    ?d mkg:replacesDecision ?old .
    ?old mkg:decision ?oldDecision ; prov:endedAtTime ?oldAt ;
         prov:wasAssociatedWith/rdfs:label ?oldReviewer .
    OPTIONAL { ?old rdfs:comment ?oldNote }
  }
}
ORDER BY ?at ?d
"""
)


@dataclass(frozen=True)
class ReviewMark:
    """One person's decision on one link, ready to show."""

    iri: str  # the mkg:ReviewDecision
    section: str
    measure: str
    decision: str  # accept | reject | add
    reviewer: str  # display name
    decided: str  # ISO 8601 with offset
    date: str  # YYYY-MM-DD, as pages show it
    note: str
    was: str | None  # the link before: candidate | accepted | none
    version: str  # pass as `replaces` to overrule it
    replaced: dict[str, Any] | None = None  # the earlier decision it overruled
    section_label: str | None = None
    measure_label: str | None = None

    @property
    def text_ja(self) -> str:
        return f"人手で確認：{self.reviewer} {self.date} — {self.note}"

    @property
    def text_en(self) -> str:
        return f"Reviewed by {self.reviewer} on {self.date} — {self.note}"


def _v(term: Term | None) -> str | None:
    return term.value if term is not None else None


def read_reviews(
    store: GraphStore,
    plan: str | None = None,
    section: str | None = None,
    measure: str | None = None,
) -> dict[tuple[str, str], ReviewMark]:
    """(section IRI, measure IRI) → the decision on that link; optionally of one plan or pair."""
    bound: dict[Variable, Term] = {}
    for name, value in (("plan", plan), ("section", section), ("measure", measure)):
        if value is not None:
            bound[Variable(name)] = NamedNode(value)
    found: dict[tuple[str, str], ReviewMark] = {}
    for row in select(store, _DECISIONS, substitutions=bound or None):
        decision, note = row["decision"].value, _v(row["note"]) or ""
        reviewer, decided = row["reviewer"].value, row["at"].value
        action = "reject" if decision == "reject" else "add"
        old = row["oldDecision"]
        mark = ReviewMark(
            iri=row["d"].value,
            section=row["section"].value,
            measure=row["measure"].value,
            decision=decision,
            reviewer=reviewer,
            decided=decided,
            date=decided[:10],
            note=note,
            was=_v(row["was"]),
            version=version_of(action, note, reviewer, decided),
            replaced=None
            if old is None
            else {
                "decision": old.value,
                "reviewer": _v(row["oldReviewer"]),
                "decided": _v(row["oldAt"]),
                "note": _v(row["oldNote"]),
            },
            section_label=_v(row["sectionJa"]),
            measure_label=_v(row["measureJa"]),
        )
        found[(mark.section, mark.measure)] = mark
    return found


def mark_json(mark: ReviewMark | None) -> dict[str, Any] | None:
    """A mark for a JSON twin, with the sentence the page shows in both languages."""
    if mark is None:
        return None
    from dataclasses import asdict

    return asdict(mark) | {"text": {"ja": mark.text_ja, "en": mark.text_en}}
