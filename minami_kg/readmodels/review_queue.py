"""The review queue: the links the linker inferred that no person has decided yet.

Staff decide the inferred section → measure links (issue 20). The queue lists,
for one plan, the pairs still waiting for a person: by default the candidates
(found, below the threshold: a reviewer may accept them), or with
`status=accepted` the links the linker accepted by itself (a reviewer may
reject them). Strongest score first, each with both sides' evidence (the
quotes from the section's goal and from the measure, and the words they share),
so a reviewer decides without opening another page.

Filters are GET parameters: `plan` (`<ward>/<fy>`, the newest by default),
`section` (a section's key), `area` (a focus area's slug), `status`.

Progress counts what people decided within the same filter: a pair with a
review decision whose link was, before it, of the filter's status. So
"94 件中 12 件を確認" stays true while the queue shrinks: 12 decided, 82 left.

A plain function of the store and the parameters (no Flask), like the other
read models; it reads through `models.matrix` and `models.decisions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from minami_kg.readmodels.decisions import ReviewMark, read_reviews
from minami_kg.readmodels.matrix import (
    Area,
    Link,
    Outline,
    Quote,
    Section,
    rank,
    read_evidence,
    read_outline,
)
from minami_kg.readmodels.matrix_json import cell_href
from minami_kg.readmodels.plans import PlanRef, choose_plan, list_plans
from minami_kg.readmodels.refusals import Malformed
from minami_kg.readmodels.urls import page_url
from minami_kg.store import GraphStore

STATUSES = ("candidate", "accepted")
"""What the queue lists: candidates to accept, or links the linker accepted, to reject."""
DECISION_FOR = {"candidate": "accept", "accepted": "reject"}
"""The one decision that fits an item of each status (minami_kg.review.decide.FITS)."""
CURATED = "curated"  # a link a person (or the file) made: not the linker's inference


@dataclass(frozen=True)
class Side:
    """One side of a pair: its IRI, key, page and labels."""

    iri: str
    key: str
    href: str
    label: str
    label_en: str | None


@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence: the shared words, the section's and the measure's quotes."""

    basis: list[str]
    section: list[Quote]
    measure: list[Quote]


@dataclass(frozen=True)
class QueueItem:
    """One pair waiting for a person's decision."""

    section: Side
    measure: Side
    area: str  # the focus area's label (Japanese)
    area_en: str | None
    status: str  # candidate | accepted
    decision: str  # the decision that fits: accept | reject
    score: float | None
    method: str
    basis: list[str]  # every shared word, in evidence order
    evidence: list[EvidenceItem]
    cell_href: str  # the evidence page of the pair (/matrix/cell?…)


@dataclass
class Queue:
    """The queue as asked: the plan, the filter, the items and the progress."""

    plan: PlanRef
    plans: list[PlanRef]
    sections: list[Section]  # the plan's, for the filter
    areas: list[Area]  # the plan's focus areas with measures, for the filter
    section: str | None  # the filter: a section's key
    area: str | None  # the filter: a focus area's slug
    status: str
    items: list[QueueItem] = field(default_factory=list)
    decided: list[ReviewMark] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.items) + len(self.decided)

    def params(self) -> dict[str, str]:
        """The filter as GET parameters (defaults left out), for links that keep it."""
        found = {"plan": self.plan.key, "section": self.section, "area": self.area}
        if self.status != STATUSES[0]:
            found["status"] = self.status
        return {k: v for k, v in found.items() if v}


def _filter(args: Mapping[str, str], outline: Outline) -> tuple[str | None, str | None, str]:
    section = args.get("section", "").strip() or None
    if section is not None and outline.section_by_key(section) is None:
        raise Malformed(
            f"section={section!r}: {outline.plan.key} の課ではありません",
            f"section={section!r}: not a section of {outline.plan.key}",
        )
    area = args.get("area", "").strip() or None
    if area is not None and area not in {a.slug for a in outline.areas}:
        raise Malformed(
            f"area={area!r}: {outline.plan.key} の施策ではありません",
            f"area={area!r}: not a focus area of {outline.plan.key}",
        )
    status = args.get("status", "").strip() or STATUSES[0]
    if status not in STATUSES:
        raise Malformed(
            f"status={status!r}: candidate か accepted です",
            f"status={status!r}: expected candidate or accepted",
        )
    return section, area, status


def read_queue(store: GraphStore, base: str, args: Mapping[str, str]) -> Queue:
    """The queue the parameters ask for (see the module docstring)."""
    plans = list_plans(store, base)
    plan = choose_plan(plans, args.get("plan"))
    outline = read_outline(store, base, plan)
    section_key, area_slug, status = _filter(args, outline)
    sections = {s.iri: s for s in outline.sections}
    measures = {m.iri: (m, a) for a in outline.areas for m in a.measures}

    def in_filter(section_iri: str, measure_iri: str) -> bool:
        section, found = sections.get(section_iri), measures.get(measure_iri)
        if section is None or found is None:
            return False
        return section_key in (None, section.key) and area_slug in (None, found[1].slug)

    reviews = read_reviews(store, plan.iri)
    best: dict[tuple[str, str], Link] = {}
    for link in outline.links:
        pair = (link.section, link.measure)
        if pair not in best or rank(link) > rank(best[pair]):
            best[pair] = link
    waiting = [
        link
        for pair, link in best.items()
        if link.status == status
        and link.method != CURATED
        and pair not in reviews
        and in_filter(*pair)
    ]
    waiting.sort(key=lambda link: (-(link.score or 0.0), link.section, link.measure))
    evidence = read_evidence(store, plan) if waiting else {}
    items = []
    for link in waiting:
        section = sections[link.section]
        measure, area = measures[link.measure]
        found = [EvidenceItem(e.basis, e.section, e.measure) for e in evidence.get(link.iri, [])]
        basis: list[str] = []
        for e in found:
            basis += [b for b in e.basis if b not in basis]
        items.append(
            QueueItem(
                section=Side(
                    section.iri, section.key, page_url(section.key),
                    section.label_ja, section.label_en,
                ),
                measure=Side(
                    measure.iri, measure.key, page_url(measure.key),
                    measure.label_ja, measure.label_en,
                ),
                area=area.label_ja,
                area_en=area.label_en,
                status=link.status,
                decision=DECISION_FOR[link.status],
                score=link.score,
                method=link.method,
                basis=basis,
                evidence=found,
                cell_href=cell_href(plan, section, measure),
            )
        )  # fmt: skip
    decided = [
        mark
        for (section_iri, measure_iri), mark in reviews.items()
        if mark.was == status and in_filter(section_iri, measure_iri)
    ]
    return Queue(
        plan=plan,
        plans=plans,
        sections=outline.sections,
        areas=[a for a in outline.areas if a.measures],
        section=section_key,
        area=area_slug,
        status=status,
        items=items,
        decided=sorted(decided, key=lambda m: m.decided, reverse=True),
    )
