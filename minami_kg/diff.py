"""Year over year: what changed in one ward's plan between two fiscal years.

Everything is read through `GraphStore.query` with the plan bound by
`substitutions`, so the same diff comes from the embedded store and from a
remote SPARQL server.

Measures have no identity across years (their IRIs hold the area's slug and
the measure's position), so they are matched by their text:

- `similarity` is the Dice coefficient of the character bigrams of two texts,
  after NFKC folding and with all whitespace removed: 1.0 for the same text,
  0.0 for texts that share no bigram. It is cheap, needs no dictionary, and
  rewards the small edits a ward makes from one year to the next
  (切れ目のない支援 → 切れ目ない支援の充実 scores 0.79).
- A measure pair scores 2/3 its labels' similarity plus 1/3 that of its
  actions' text (the label alone when neither has actions): the label is
  what the measure is, its actions confirm a rename.
- Pairs scoring at least `MATCH_THRESHOLD` (0.5, where unrelated measures of
  one plan score below 0.3 and renamed ones above 0.6) are taken best first,
  each measure at most once, so the matching is one-to-one; among equal
  scores a pair staying in the same area wins, then document order.
- Focus areas are matched the same way, by their labels alone. A matched
  measure has *moved* when its new area is not the counterpart of its old one.
- A matched measure's sections are those of its accepted contributions
  (`mkg:contributesTo`, the shortcut the build writes for every
  `mkg:Contribution` with `mkg:accepted true`); the diff lists the sections
  added and removed.

The basic goal and the sections' goals (sections persist across years, so
they are compared by IRI) are reported when their text differs.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from pyoxigraph import NamedNode, QuerySolution, QuerySolutions, Variable

from minami_kg.rdf.iris import Iris
from minami_kg.store import GraphStore

MATCH_THRESHOLD = 0.5
LABEL_WEIGHT = 2 / 3

_PREFIXES = """
PREFIX mkg: <https://w3id.org/minami-kg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

_PLAN = (
    _PREFIXES
    + """
SELECT ?plan ?label ?labelEn WHERE {
  # `a ?type` and a filter, not `a mkg:Plan`: Oxigraph then starts from the bound ?plan
  ?plan mkg:fiscalYear ?fy ; a ?type FILTER(?type = mkg:Plan)
  OPTIONAL { ?plan skos:prefLabel ?label FILTER(lang(?label) = "ja") }
  OPTIONAL { ?plan skos:prefLabel ?labelEn FILTER(lang(?labelEn) = "en") }
}"""
)

_AREAS = (
    _PREFIXES
    + """
SELECT ?plan ?area ?order ?label ?labelEn WHERE {
  ?plan mkg:hasFocusArea ?area .
  ?area mkg:order ?order ; skos:prefLabel ?label FILTER(lang(?label) = "ja")
  OPTIONAL { ?area skos:prefLabel ?labelEn FILTER(lang(?labelEn) = "en") }
}"""
)

_MEASURES = (
    _PREFIXES
    + """
SELECT ?graph ?measure ?order ?label ?labelEn ?area WHERE {
  GRAPH ?graph {
    ?measure a mkg:Measure ; mkg:inFocusArea ?area ; mkg:order ?order ;
             skos:prefLabel ?label FILTER(lang(?label) = "ja")
    OPTIONAL { ?measure skos:prefLabel ?labelEn FILTER(lang(?labelEn) = "en") }
  }
}"""
)

_ACTIONS = (
    _PREFIXES
    + """
SELECT ?graph ?measure ?order ?label WHERE {
  GRAPH ?graph {
    ?action a mkg:Action ; mkg:actionOf ?measure ; mkg:order ?order ;
            skos:prefLabel ?label FILTER(lang(?label) = "ja")
  }
}"""
)

_SECTIONS = (
    _PREFIXES
    + """
SELECT DISTINCT ?graph ?measure ?section ?label ?labelEn WHERE {
  GRAPH ?graph { ?measure a mkg:Measure }
  ?section mkg:contributesTo ?measure .
  ?section skos:prefLabel ?label FILTER(lang(?label) = "ja")
  OPTIONAL { ?section skos:prefLabel ?labelEn FILTER(lang(?labelEn) = "en") }
}"""
)

_GOALS = (
    _PREFIXES
    + """
SELECT ?graph ?section ?label ?labelEn ?statement WHERE {
  GRAPH ?graph {
    ?goal a mkg:SectionGoal ; mkg:goalOf ?section .
    OPTIONAL { ?goal mkg:goalStatement ?statement }
  }
  ?section skos:prefLabel ?label FILTER(lang(?label) = "ja")
  OPTIONAL { ?section skos:prefLabel ?labelEn FILTER(lang(?labelEn) = "en") }
}"""
)

_BASIC_GOAL = (
    _PREFIXES
    + """
SELECT ?plan ?slogan ?subtitle ?statement WHERE {
  ?plan mkg:hasBasicGoal ?goal .
  ?goal skos:prefLabel ?slogan FILTER(lang(?slogan) = "ja")
  OPTIONAL { ?goal mkg:subtitle ?subtitle }
  OPTIONAL { ?goal mkg:statement ?statement }
}"""
)


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
                "added": [asdict(a) for a in self.areas_added],
                "dropped": [asdict(a) for a in self.areas_dropped],
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
        "sections": [asdict(s) for s in m.sections],
    }


def _match_json(m: MeasureMatch) -> dict[str, Any]:
    return {
        "old": _measure_json(m.old),
        "new": _measure_json(m.new),
        "score": m.score,
        "renamed": m.renamed,
        "moved": m.moved,
        "sections_added": [asdict(s) for s in m.sections_added],
        "sections_removed": [asdict(s) for s in m.sections_removed],
    }


# --- similarity and matching --------------------------------------------------------------


def _folded(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _bigrams(text: str) -> Counter[str]:
    folded = _folded(text)
    if len(folded) < 2:
        return Counter([folded] if folded else [])
    return Counter(folded[i : i + 2] for i in range(len(folded) - 1))


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the character bigrams of two texts (NFKC, no whitespace)."""
    left, right = _bigrams(a), _bigrams(b)
    total = sum(left.values()) + sum(right.values())
    if total == 0:
        return 1.0
    return 2 * sum((left & right).values()) / total


def measure_similarity(a: MeasureState, b: MeasureState) -> float:
    """2/3 the labels' similarity, 1/3 the actions' (the label alone without actions)."""
    label = similarity(a.label, b.label)
    if not a.actions and not b.actions:
        return label
    actions = similarity("".join(a.actions), "".join(b.actions))
    return LABEL_WEIGHT * label + (1 - LABEL_WEIGHT) * actions


T = TypeVar("T")


def match_best_first(
    old: list[T],
    new: list[T],
    score: Callable[[T, T], float],
    *,
    threshold: float = MATCH_THRESHOLD,
    prefer: Callable[[T, T], bool] = lambda a, b: False,
) -> list[tuple[int, int, float]]:
    """One-to-one pairs (old index, new index, score) at or above `threshold`, best first.

    Ties go to a pair `prefer` approves, then to document order.
    """
    candidates = []
    for i, a in enumerate(old):
        for j, b in enumerate(new):
            value = round(score(a, b), 3)
            if value >= threshold:
                candidates.append((-value, not prefer(a, b), i, j))
    taken_old: set[int] = set()
    taken_new: set[int] = set()
    pairs = []
    for negative, _, i, j in sorted(candidates):
        if i not in taken_old and j not in taken_new:
            taken_old.add(i)
            taken_new.add(j)
            pairs.append((i, j, -negative))
    return pairs


# --- reading a plan -----------------------------------------------------------------------


def _rows(store: GraphStore, sparql: str, name: str, value: NamedNode) -> list[QuerySolution]:
    """Solutions with `?name` bound to `value` (`?plan`, or the plan's graph as `?graph`).

    Queries over one plan's own resources go through `GRAPH ?graph`: with the graph
    bound, Oxigraph reads that graph alone, where a pattern such as
    `?measure mkg:inPlan ?plan` took 100 times longer on 180 plans.
    """
    results = store.query(sparql, substitutions={Variable(name): value})
    assert isinstance(results, QuerySolutions)
    return list(results)


def _value(row: QuerySolution, name: str) -> str | None:
    term = row[name]
    return None if term is None else term.value


def _ref(row: QuerySolution, iri: str) -> Ref:
    return Ref(
        iri=_value(row, iri) or "",
        label=_value(row, "label") or "",
        label_en=_value(row, "labelEn"),
    )


def plan_nodes(base: str, ward: str, fiscal_year: int) -> tuple[NamedNode, NamedNode]:
    """The plan's IRI and its graph's; a ward slug that cannot be part of an IRI is no plan."""
    iris = Iris(base)
    try:
        return iris.plan(ward, fiscal_year), iris.plan_graph(ward, fiscal_year)
    except ValueError:
        raise UnknownPlan(f"no plan for {ward} {fiscal_year}") from None


def read_plan(store: GraphStore, base: str, ward: str, fiscal_year: int) -> PlanState:
    """One plan's areas, measures (with actions and sections) and goals."""
    plan, graph = plan_nodes(base, ward, fiscal_year)
    found = _rows(store, _PLAN, "plan", plan)
    if not found:
        raise UnknownPlan(f"no plan for {ward} {fiscal_year}")
    title = _value(found[0], "label") or f"{ward} {fiscal_year}"
    plan_ref = Ref(plan.value, title, _value(found[0], "labelEn"))

    areas = {
        row["area"].value: (_ref(row, "area"), int(_value(row, "order") or 0))
        for row in _rows(store, _AREAS, "plan", plan)
    }
    actions: dict[str, list[tuple[int, str]]] = {}
    for row in _rows(store, _ACTIONS, "graph", graph):
        actions.setdefault(row["measure"].value, []).append(
            (int(_value(row, "order") or 0), _value(row, "label") or "")
        )
    sections: dict[str, set[Ref]] = {}
    for row in _rows(store, _SECTIONS, "graph", graph):
        sections.setdefault(row["measure"].value, set()).add(_ref(row, "section"))

    measures = []
    for row in _rows(store, _MEASURES, "graph", graph):
        iri = row["measure"].value
        area, area_order = areas[row["area"].value]
        measures.append(
            MeasureState(
                iri=iri,
                label=_value(row, "label") or "",
                label_en=_value(row, "labelEn"),
                area=area,
                position=(area_order, int(_value(row, "order") or 0)),
                actions=tuple(text for _, text in sorted(actions.get(iri, []))),
                sections=_sorted_refs(sections.get(iri, ())),
            )
        )
    return PlanState(
        ward=ward,
        fiscal_year=fiscal_year,
        plan=plan_ref,
        areas=tuple(sorted(areas.values(), key=lambda pair: pair[1])),
        measures=tuple(sorted(measures, key=lambda m: m.position)),
        basic_goal=_basic_goal(_rows(store, _BASIC_GOAL, "plan", plan)),
        section_goals={
            row["section"].value: (_ref(row, "section"), _value(row, "statement") or "")
            for row in _rows(store, _GOALS, "graph", graph)
        },
    )


def _basic_goal(rows: list[QuerySolution]) -> BasicGoalState | None:
    if not rows:
        return None
    return BasicGoalState(
        slogan=_value(rows[0], "slogan") or "",
        subtitle=_value(rows[0], "subtitle"),
        statements=tuple(sorted({s for row in rows if (s := _value(row, "statement"))})),
    )


def _sorted_refs(refs: Iterable[Ref]) -> tuple[Ref, ...]:
    return tuple(sorted(refs, key=lambda r: (r.label, r.iri)))


# --- the diff -----------------------------------------------------------------------------


def diff_plans(old: PlanState, new: PlanState, *, threshold: float = MATCH_THRESHOLD) -> PlanDiff:
    """Compare two plans already read (see the module docstring for the matching)."""
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
    matched = [
        _measure_match(old_measures[i], new_measures[j], score, counterpart)
        for i, j, score in sorted(pairs, key=lambda p: new_measures[p[1]].position)
    ]
    paired_old = {i for i, _, _ in pairs}
    paired_new = {j for _, j, _ in pairs}
    paired_old_areas = {i for i, _, _ in area_pairs}
    paired_new_areas = {j for _, j, _ in area_pairs}
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
        areas_added=tuple(a for j, a in enumerate(new_areas) if j not in paired_new_areas),
        areas_dropped=tuple(a for i, a in enumerate(old_areas) if i not in paired_old_areas),
        added=tuple(m for j, m in enumerate(new_measures) if j not in paired_new),
        dropped=tuple(m for i, m in enumerate(old_measures) if i not in paired_old),
        matched=tuple(matched),
        basic_goal=_basic_goal_change(old.basic_goal, new.basic_goal),
        section_goals=_section_goal_changes(old.section_goals, new.section_goals),
        threshold=threshold,
    )


def _measure_match(
    old: MeasureState, new: MeasureState, score: float, counterpart: dict[str, str]
) -> MeasureMatch:
    old_sections = {s.iri: s for s in old.sections}
    new_sections = {s.iri: s for s in new.sections}
    return MeasureMatch(
        old=old,
        new=new,
        score=score,
        renamed=_folded(old.label) != _folded(new.label),
        moved=counterpart.get(old.area.iri) != new.area.iri,
        sections_added=_sorted_refs(
            s for iri, s in new_sections.items() if iri not in old_sections
        ),
        sections_removed=_sorted_refs(
            s for iri, s in old_sections.items() if iri not in new_sections
        ),
    )


def _basic_goal_change(
    old: BasicGoalState | None, new: BasicGoalState | None
) -> BasicGoalChange | None:
    def key(goal: BasicGoalState | None) -> tuple[str, ...] | None:
        if goal is None:
            return None
        return (_folded(goal.slogan), _folded(goal.subtitle or ""), *map(_folded, goal.statements))

    return None if key(old) == key(new) else BasicGoalChange(old, new)


def _section_goal_changes(
    old: dict[str, tuple[Ref, str]], new: dict[str, tuple[Ref, str]]
) -> tuple[SectionGoalChange, ...]:
    changes = []
    for iri in sorted(old.keys() | new.keys()):
        before = old.get(iri, (None, None))[1]
        after = new.get(iri, (None, None))[1]
        if before is not None and after is not None and _folded(before) == _folded(after):
            continue
        section = (new.get(iri) or old[iri])[0]
        score = similarity(before, after) if before is not None and after is not None else 0.0
        changes.append(SectionGoalChange(section, before, after, round(score, 3)))
    return tuple(sorted(changes, key=lambda c: (c.section.label, c.section.iri)))


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


def parse_year(text: str) -> int:
    """A fiscal year given as text (a URL part, a CLI argument)."""
    if not re.fullmatch(r"\d{4}", text):
        raise UnknownPlan(f"{text!r} is not a fiscal year such as 2022")
    return int(text)


def text_report(d: PlanDiff) -> list[str]:
    """The diff as lines of text for a terminal (`minami-kg diff --format table`)."""
    lines = [f"{d.ward}: {d.old_plan.label} ({d.old_year}) → {d.new_plan.label} ({d.new_year})"]
    renamed_areas = [a for a in d.areas_matched if _folded(a.old.label) != _folded(a.new.label)]
    if renamed_areas or d.areas_added or d.areas_dropped:
        lines.append("focus areas:")
        lines += [f"  ~ {a.old.label} → {a.new.label} (score {a.score:g})" for a in renamed_areas]
        lines += [f"  + {a.label}" for a in d.areas_added]
        lines += [f"  - {a.label}" for a in d.areas_dropped]
    lines += _section(
        "measures added", [f"+ {m.label} [{m.area.label}]  <{m.iri}>" for m in d.added]
    )
    lines += _section(
        "measures dropped", [f"- {m.label} [{m.area.label}]  <{m.iri}>" for m in d.dropped]
    )
    lines += _section(
        "renamed", [f"{m.old.label} → {m.new.label} (score {m.score:g})" for m in d.renamed]
    )
    lines += _section(
        "moved",
        [
            f"{m.new.label}: {m.old.area.label} → {m.new.area.label} (score {m.score:g})"
            for m in d.moved
        ],
    )
    lines += _section(
        "sections changed",
        [
            f"{m.new.label}: "
            + " ".join(
                [
                    *(f"+{s.label}" for s in m.sections_added),
                    *(f"-{s.label}" for s in m.sections_removed),
                ]
            )
            for m in d.sections_changed
        ],
    )
    lines.append(f"unchanged measures: {d.unchanged}")
    if d.basic_goal:
        old, new = d.basic_goal.old, d.basic_goal.new
        lines.append(f"basic goal: {_goal_text(old)} → {_goal_text(new)}")
    for goal in d.section_goals:
        lines.append(f"section goal of {goal.section.label} (score {goal.score:g}):")
        lines.append(f"  - {goal.old if goal.old is not None else '—'}")
        lines.append(f"  + {goal.new if goal.new is not None else '—'}")
    return lines


def _goal_text(goal: BasicGoalState | None) -> str:
    if goal is None:
        return "—"
    return goal.slogan + (f" 〜{goal.subtitle}〜" if goal.subtitle else "")


def _section(title: str, items: list[str]) -> list[str]:
    return [f"{title} ({len(items)}):", *(f"  {item}" for item in items)] if items else []
