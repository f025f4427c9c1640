"""Comparing two plans' states into a `PlanDiff`, and `diff`, which reads both first.

The matching rules are the package's (see `minami_kg.diff`); this module
applies them: areas first, so that a measure staying in its area's
counterpart wins a tie and one that does not is *moved*; then measures, their
sections, and the goals, which are compared by text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from minami_kg.diff.model import (
    MATCH_THRESHOLD,
    AreaMatch,
    BasicGoalChange,
    BasicGoalState,
    MeasureMatch,
    MeasureState,
    PlanDiff,
    PlanState,
    Ref,
    SameYear,
    SectionGoalChange,
    sorted_refs,
)
from minami_kg.diff.read import read_plan
from minami_kg.diff.similarity import (
    folded,
    match_best_first,
    measure_similarity,
    same_text,
    similarity,
)
from minami_kg.store import GraphStore

T = TypeVar("T")


def diff(
    store: GraphStore,
    base: str,
    ward: str,
    old_year: int,
    new_year: int,
    *,
    threshold: float = MATCH_THRESHOLD,
) -> PlanDiff:
    """The diff between the plans of `ward` for `old_year` and `new_year`."""
    if old_year == new_year:
        raise SameYear(f"both years are {old_year}: name two different years")
    old = read_plan(store, base, ward, old_year)
    new = read_plan(store, base, ward, new_year)
    return diff_plans(old, new, threshold=threshold)


def diff_plans(old: PlanState, new: PlanState, *, threshold: float = MATCH_THRESHOLD) -> PlanDiff:
    """Compare two plans already read (see `minami_kg.diff` for the matching)."""
    old_areas = [area for area, _ in old.areas]
    new_areas = [area for area, _ in new.areas]
    area_pairs = match_best_first(
        old_areas, new_areas, lambda a, b: similarity(a.label, b.label), threshold=threshold
    )
    counterpart = {old_areas[i].iri: new_areas[j].iri for i, j, _ in area_pairs}

    old_measures, new_measures = list(old.measures), list(new.measures)
    pairs = match_best_first(
        old_measures,
        new_measures,
        measure_similarity,
        threshold=threshold,
        prefer=lambda a, b: counterpart.get(a.area.iri) == b.area.iri,
    )
    return PlanDiff(
        ward=old.ward,
        old_plan=old.plan,
        new_plan=new.plan,
        old_year=old.fiscal_year,
        new_year=new.fiscal_year,
        areas_matched=tuple(
            AreaMatch(old_areas[i], new_areas[j], score)
            for i, j, score in sorted(area_pairs, key=lambda p: p[1])
        ),
        areas_added=_unpaired(new_areas, {j for _, j, _ in area_pairs}),
        areas_dropped=_unpaired(old_areas, {i for i, _, _ in area_pairs}),
        added=_unpaired(new_measures, {j for _, j, _ in pairs}),
        dropped=_unpaired(old_measures, {i for i, _, _ in pairs}),
        matched=tuple(
            _measure_match(old_measures[i], new_measures[j], score, counterpart)
            for i, j, score in sorted(pairs, key=lambda p: new_measures[p[1]].position)
        ),
        basic_goal=_basic_goal_change(old.basic_goal, new.basic_goal),
        section_goals=_section_goal_changes(old.section_goals, new.section_goals),
        threshold=threshold,
    )


def _unpaired(items: Sequence[T], paired: set[int]) -> tuple[T, ...]:
    """The items no pair took, in their order."""
    return tuple(item for n, item in enumerate(items) if n not in paired)


def _measure_match(
    old: MeasureState, new: MeasureState, score: float, counterpart: dict[str, str]
) -> MeasureMatch:
    old_sections = {s.iri: s for s in old.sections}
    new_sections = {s.iri: s for s in new.sections}
    return MeasureMatch(
        old=old,
        new=new,
        score=score,
        renamed=not same_text(old.label, new.label),
        moved=counterpart.get(old.area.iri) != new.area.iri,
        sections_added=sorted_refs(new_sections[i] for i in new_sections.keys() - old_sections),
        sections_removed=sorted_refs(old_sections[i] for i in old_sections.keys() - new_sections),
    )


def _basic_goal_change(
    old: BasicGoalState | None, new: BasicGoalState | None
) -> BasicGoalChange | None:
    def key(goal: BasicGoalState | None) -> tuple[str, ...] | None:
        if goal is None:
            return None
        return tuple(map(folded, (goal.slogan, goal.subtitle or "", *goal.statements)))

    return None if key(old) == key(new) else BasicGoalChange(old, new)


def _section_goal_changes(
    old: dict[str, tuple[Ref, str]], new: dict[str, tuple[Ref, str]]
) -> tuple[SectionGoalChange, ...]:
    changes = []
    for iri in old.keys() | new.keys():
        before = old[iri][1] if iri in old else None
        after = new[iri][1] if iri in new else None
        if before is not None and after is not None:
            if same_text(before, after):
                continue
            score = round(similarity(before, after), 3)
        else:
            score = 0.0
        section = (new.get(iri) or old[iri])[0]
        changes.append(SectionGoalChange(section, before, after, score))
    return tuple(sorted(changes, key=lambda c: (c.section.label, c.section.iri)))
