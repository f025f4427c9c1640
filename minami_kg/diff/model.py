"""The diff as plain data: the two plans' states, what changed, and its JSON form.

Nothing here reads the store or compares anything; `minami_kg.diff.read` fills
the `*State` classes, `minami_kg.diff.compare` the change classes, and the
CLI, the web view and its JSON twin all render the one `PlanDiff`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

MATCH_THRESHOLD = 0.5
"""The lowest score of a pair taken as one thing in both years (see `minami_kg.diff`)."""


class DiffError(ValueError):
    """A diff that cannot be made; the message says why."""


class UnknownPlan(DiffError):
    """The store holds no plan for that ward and year."""


class SameYear(DiffError):
    """Both years are the same: there is nothing to compare."""


# --- what is compared ---------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """Something with an IRI and a name (an area, a section, a plan)."""

    iri: str
    label: str
    label_en: str | None = None


def sorted_refs(refs: Iterable[Ref]) -> tuple[Ref, ...]:
    """By label, then IRI: the order sections are listed in, whatever the graph's."""
    return tuple(sorted(refs, key=lambda r: (r.label, r.iri)))


@dataclass(frozen=True)
class MeasureState:
    """One measure as one year's plan states it."""

    iri: str
    label: str
    label_en: str | None
    area: Ref
    position: tuple[int, int]  # (area order, measure order): document order
    actions: tuple[str, ...] = ()
    sections: tuple[Ref, ...] = ()


@dataclass(frozen=True)
class BasicGoalState:
    slogan: str
    subtitle: str | None = None
    statements: tuple[str, ...] = ()  # sorted: the graph keeps no order for them


@dataclass(frozen=True)
class PlanState:
    """What the diff needs of one plan."""

    ward: str
    fiscal_year: int
    plan: Ref
    areas: tuple[tuple[Ref, int], ...]  # (area, order)
    measures: tuple[MeasureState, ...]
    basic_goal: BasicGoalState | None
    section_goals: dict[str, tuple[Ref, str]]  # section IRI → (section, statement)


# --- what changed -------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaMatch:
    old: Ref
    new: Ref
    score: float


@dataclass(frozen=True)
class MeasureMatch:
    """A measure found in both years, and how it changed."""

    old: MeasureState
    new: MeasureState
    score: float
    renamed: bool
    moved: bool
    sections_added: tuple[Ref, ...] = ()
    sections_removed: tuple[Ref, ...] = ()

    @property
    def sections_changed(self) -> bool:
        return bool(self.sections_added or self.sections_removed)


@dataclass(frozen=True)
class BasicGoalChange:
    old: BasicGoalState | None
    new: BasicGoalState | None


@dataclass(frozen=True)
class SectionGoalChange:
    """A section whose goal paragraph differs (None: no goal that year)."""

    section: Ref
    old: str | None
    new: str | None
    score: float


@dataclass(frozen=True)
class PlanDiff:
    ward: str
    old_plan: Ref
    new_plan: Ref
    old_year: int
    new_year: int
    areas_matched: tuple[AreaMatch, ...]
    areas_added: tuple[Ref, ...]
    areas_dropped: tuple[Ref, ...]
    added: tuple[MeasureState, ...]
    dropped: tuple[MeasureState, ...]
    matched: tuple[MeasureMatch, ...]
    basic_goal: BasicGoalChange | None
    section_goals: tuple[SectionGoalChange, ...]
    threshold: float = field(default=MATCH_THRESHOLD)

    @property
    def renamed(self) -> tuple[MeasureMatch, ...]:
        return tuple(m for m in self.matched if m.renamed)

    @property
    def moved(self) -> tuple[MeasureMatch, ...]:
        return tuple(m for m in self.matched if m.moved)

    @property
    def sections_changed(self) -> tuple[MeasureMatch, ...]:
        return tuple(m for m in self.matched if m.sections_changed)

    @property
    def unchanged(self) -> int:
        return sum(not (m.renamed or m.moved or m.sections_changed) for m in self.matched)

    def as_json(self) -> dict[str, Any]:
        """Plain data for JSON: every change once per kind, measures with their IRIs."""
        return {
            "ward": self.ward,
            "from": {"fiscal_year": self.old_year, **asdict(self.old_plan)},
            "to": {"fiscal_year": self.new_year, **asdict(self.new_plan)},
            "threshold": self.threshold,
            "areas": {
                "matched": [asdict(a) for a in self.areas_matched],
                "added": _refs_json(self.areas_added),
                "dropped": _refs_json(self.areas_dropped),
            },
            "measures": {
                "added": [_measure_json(m) for m in self.added],
                "dropped": [_measure_json(m) for m in self.dropped],
                "renamed": [_match_json(m) for m in self.renamed],
                "moved": [_match_json(m) for m in self.moved],
                "sections_changed": [_match_json(m) for m in self.sections_changed],
                "unchanged": self.unchanged,
            },
            "basic_goal": _basic_goal_json(self.basic_goal),
            "section_goals": [asdict(g) for g in self.section_goals],
        }


# --- the JSON form ------------------------------------------------------------------------
# `asdict` alone would keep tuples and a measure's `position`; the JSON has lists and
# leaves out what is only there to sort.


def _refs_json(refs: tuple[Ref, ...]) -> list[dict[str, Any]]:
    return [asdict(r) for r in refs]


def _basic_goal_json(change: BasicGoalChange | None) -> dict[str, Any] | None:
    def state(goal: BasicGoalState | None) -> dict[str, Any] | None:
        return None if goal is None else {**asdict(goal), "statements": list(goal.statements)}

    return None if change is None else {"old": state(change.old), "new": state(change.new)}


def _measure_json(m: MeasureState) -> dict[str, Any]:
    return {
        "iri": m.iri,
        "label": m.label,
        "label_en": m.label_en,
        "area": asdict(m.area),
        "actions": list(m.actions),
        "sections": _refs_json(m.sections),
    }


def _match_json(m: MeasureMatch) -> dict[str, Any]:
    return {
        "old": _measure_json(m.old),
        "new": _measure_json(m.new),
        "score": m.score,
        "renamed": m.renamed,
        "moved": m.moved,
        "sections_added": _refs_json(m.sections_added),
        "sections_removed": _refs_json(m.sections_removed),
    }
