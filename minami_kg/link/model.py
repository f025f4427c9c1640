"""What the linker finds, as plain data: links between places of one plan.

A place is a `Ref` (indexes into the `Plan`), never an IRI: the `rdf` stage
mints IRIs. Every link carries `Evidence`: the words on each side, quoted the
way a W3C Web Annotation `TextQuoteSelector` quotes them (exact, prefix,
suffix), with the source line they stand on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Ref:
    """A place in a plan. Indexes are 0-based; unused ones are -1.

    kind "section": `section` indexes `plan.sections` (its goal paragraph);
    kind "measure": `area`, `measure` index `plan.focus_areas[area].measures`;
    kind "action": `area`, `measure`, `action` index that measure's actions.
    """

    kind: str
    area: int = -1
    measure: int = -1
    action: int = -1
    section: int = -1

    @classmethod
    def of_section(cls, section: int) -> Ref:
        return cls("section", section=section)

    @classmethod
    def of_measure(cls, area: int, measure: int) -> Ref:
        return cls("measure", area=area, measure=measure)

    @classmethod
    def of_action(cls, area: int, measure: int, action: int) -> Ref:
        return cls("action", area=area, measure=measure, action=action)


@dataclass(frozen=True)
class Quote:
    """Words quoted from the text of one place, and the line they were read on."""

    ref: Ref
    exact: str
    prefix: str
    suffix: str
    line: int


@dataclass(frozen=True)
class Evidence:
    """One reason for a link: what both sides share, and where each side says it."""

    basis: str  # the shared word, the topic's name, or the section's name
    section_side: Quote
    measure_side: Quote


@dataclass(frozen=True)
class Contribution:
    """A section's part in a measure, accepted or only a candidate."""

    section: int
    area: int
    measure: int
    method: str  # see METHODS
    score: float
    accepted: bool
    evidence: tuple[Evidence, ...]
    note: str | None = None  # the curator's words, for curated links

    @property
    def measure_ref(self) -> Ref:
        return Ref.of_measure(self.area, self.measure)


METHODS = {
    "explicit-mention": "the measure's or an action's text names the section, or its 担当 does",
    "shared-topic": "the section's goal and the measure share specific topics or terms",
    "curated": "added by a person in data/curation/link-overrides.toml",
}


@dataclass(frozen=True)
class Mention:
    """A curated thing (partner, topic, cited plan) named at a place of the plan."""

    target: str  # the curated entry's slug
    quote: Quote


@dataclass(frozen=True)
class PlanLinks:
    contributions: tuple[Contribution, ...] = ()
    partners: tuple[Mention, ...] = ()  # → mkg:involves
    topics: tuple[Mention, ...] = ()  # → dcterms:subject
    citations: tuple[Mention, ...] = ()  # → dcterms:references
