"""Reading one plan out of the store into a `PlanState`, by SPARQL alone.

Everything goes through `GraphStore.query` with the plan (or its named graph)
bound by `substitutions`, so the same diff comes from the embedded store and
from a remote SPARQL server. Also here: how a ward and a year name a plan
(`plan_nodes`, `parse_year`), since a name that is no plan is a read's failure.
"""

from __future__ import annotations

import re

from pyoxigraph import NamedNode, QuerySolution, Variable

from minami_kg.diff.model import (
    BasicGoalState,
    MeasureState,
    PlanState,
    Ref,
    UnknownPlan,
    sorted_refs,
)
from minami_kg.rdf.iris import Iris
from minami_kg.rdf.namespaces import SPARQL_PREFIXES
from minami_kg.store import GraphStore, select

_PLAN = (
    SPARQL_PREFIXES
    + """
SELECT ?plan ?label ?labelEn WHERE {
  # `a ?type` and a filter, not `a mkg:Plan`: Oxigraph then starts from the bound ?plan
  ?plan mkg:fiscalYear ?fy ; a ?type FILTER(?type = mkg:Plan)
  OPTIONAL { ?plan skos:prefLabel ?label FILTER(lang(?label) = "ja") }
  OPTIONAL { ?plan skos:prefLabel ?labelEn FILTER(lang(?labelEn) = "en") }
}"""
)

_AREAS = (
    SPARQL_PREFIXES
    + """
SELECT ?plan ?area ?order ?label ?labelEn WHERE {
  ?plan mkg:hasFocusArea ?area .
  ?area mkg:order ?order ; skos:prefLabel ?label FILTER(lang(?label) = "ja")
  OPTIONAL { ?area skos:prefLabel ?labelEn FILTER(lang(?labelEn) = "en") }
}"""
)

_MEASURES = (
    SPARQL_PREFIXES
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
    SPARQL_PREFIXES
    + """
SELECT ?graph ?measure ?order ?label WHERE {
  GRAPH ?graph {
    ?action a mkg:Action ; mkg:actionOf ?measure ; mkg:order ?order ;
            skos:prefLabel ?label FILTER(lang(?label) = "ja")
  }
}"""
)

_SECTIONS = (
    SPARQL_PREFIXES
    + """
SELECT DISTINCT ?graph ?measure ?section ?label ?labelEn WHERE {
  GRAPH ?graph { ?measure a mkg:Measure }
  ?section mkg:contributesTo ?measure .
  ?section skos:prefLabel ?label FILTER(lang(?label) = "ja")
  OPTIONAL { ?section skos:prefLabel ?labelEn FILTER(lang(?labelEn) = "en") }
}"""
)

_GOALS = (
    SPARQL_PREFIXES
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
    SPARQL_PREFIXES
    + """
SELECT ?plan ?slogan ?subtitle ?statement WHERE {
  ?plan mkg:hasBasicGoal ?goal .
  ?goal skos:prefLabel ?slogan FILTER(lang(?slogan) = "ja")
  OPTIONAL { ?goal mkg:subtitle ?subtitle }
  OPTIONAL { ?goal mkg:statement ?statement }
}"""
)


def parse_year(text: str) -> int:
    """A fiscal year given as text (a URL part, a CLI argument)."""
    if not re.fullmatch(r"\d{4}", text):
        raise UnknownPlan(f"{text!r} is not a fiscal year such as 2022")
    return int(text)


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
        row["area"].value: (_ref(row, "area"), _order(row))
        for row in _rows(store, _AREAS, "plan", plan)
    }
    actions: dict[str, list[tuple[int, str]]] = {}
    for row in _rows(store, _ACTIONS, "graph", graph):
        actions.setdefault(row["measure"].value, []).append((_order(row), _label(row)))
    sections: dict[str, set[Ref]] = {}
    for row in _rows(store, _SECTIONS, "graph", graph):
        sections.setdefault(row["measure"].value, set()).add(_ref(row, "section"))

    measures = []
    for row in _rows(store, _MEASURES, "graph", graph):
        measure = _ref(row, "measure")
        area, area_order = areas[row["area"].value]
        measures.append(
            MeasureState(
                iri=measure.iri,
                label=measure.label,
                label_en=measure.label_en,
                area=area,
                position=(area_order, _order(row)),
                actions=tuple(text for _, text in sorted(actions.get(measure.iri, []))),
                sections=sorted_refs(sections.get(measure.iri, ())),
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


def _rows(store: GraphStore, sparql: str, name: str, value: NamedNode) -> list[QuerySolution]:
    """Solutions with `?name` bound to `value` (`?plan`, or the plan's graph as `?graph`).

    Queries over one plan's own resources go through `GRAPH ?graph`: with the graph
    bound, Oxigraph reads that graph alone, where a pattern such as
    `?measure mkg:inPlan ?plan` took 100 times longer on 180 plans.
    """
    return list(select(store, sparql, substitutions={Variable(name): value}))


def _value(row: QuerySolution, name: str) -> str | None:
    term = row[name]
    return None if term is None else term.value


def _label(row: QuerySolution) -> str:
    return _value(row, "label") or ""


def _order(row: QuerySolution) -> int:
    return int(_value(row, "order") or 0)


def _ref(row: QuerySolution, iri: str) -> Ref:
    """The resource bound to `?{iri}`, named by the row's `?label` and `?labelEn`."""
    return Ref(iri=_value(row, iri) or "", label=_label(row), label_en=_value(row, "labelEn"))


def _basic_goal(rows: list[QuerySolution]) -> BasicGoalState | None:
    if not rows:
        return None
    return BasicGoalState(
        slogan=_value(rows[0], "slogan") or "",
        subtitle=_value(rows[0], "subtitle"),
        statements=tuple(sorted({s for row in rows if (s := _value(row, "statement"))})),
    )
