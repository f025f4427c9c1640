"""The pages people read. For now: the plans, their focus areas and measures."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from flask import Blueprint, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from minami_kg.server import get_store

ui = Blueprint("ui", __name__)

_PLAN_OUTLINE = """
PREFIX mkg: <https://w3id.org/minami-kg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?plan ?title ?fy ?goal ?area ?areaLabel ?areaOrder ?priority
       ?measure ?measureLabel ?measureOrder ?measureEn
WHERE {
  ?plan a mkg:Plan ; skos:prefLabel ?title ; mkg:fiscalYear ?fy .
  FILTER(lang(?title) = "ja")
  OPTIONAL { ?plan mkg:hasBasicGoal/skos:prefLabel ?goal . FILTER(lang(?goal) = "ja") }
  ?plan mkg:hasFocusArea ?area .
  ?area skos:prefLabel ?areaLabel ; mkg:order ?areaOrder ; mkg:isPriority ?priority .
  FILTER(lang(?areaLabel) = "ja")
  OPTIONAL {
    ?measure mkg:inFocusArea ?area ; mkg:order ?measureOrder ; skos:prefLabel ?measureLabel .
    FILTER(lang(?measureLabel) = "ja")
    OPTIONAL { ?measure skos:prefLabel ?measureEn . FILTER(lang(?measureEn) = "en") }
  }
}
ORDER BY DESC(?fy) ?plan ?areaOrder ?measureOrder
"""


@dataclass
class MeasureRow:
    iri: str
    label: str
    label_en: str | None


@dataclass
class AreaOutline:
    iri: str
    label: str
    priority: bool
    measures: list[MeasureRow] = field(default_factory=list)


@dataclass
class PlanOutline:
    iri: str
    title: str
    fiscal_year: str
    basic_goal: str | None
    areas: list[AreaOutline] = field(default_factory=list)


def plan_outlines() -> list[PlanOutline]:
    """Every plan with its focus areas and measures, in document order."""
    plans: dict[str, PlanOutline] = {}
    areas: dict[str, AreaOutline] = {}
    for row in get_store(current_app).query(_PLAN_OUTLINE):
        plan_iri = row["plan"].value
        plan = plans.get(plan_iri)
        if plan is None:
            goal = row["goal"]
            plan = plans[plan_iri] = PlanOutline(
                iri=plan_iri,
                title=row["title"].value,
                fiscal_year=row["fy"].value,
                basic_goal=goal.value if goal else None,
            )
        area_iri = row["area"].value
        area = areas.get(area_iri)
        if area is None:
            area = areas[area_iri] = AreaOutline(
                iri=area_iri,
                label=row["areaLabel"].value,
                priority=row["priority"].value == "true",
            )
            plan.areas.append(area)
        if row["measure"] is not None:
            en = row["measureEn"]
            area.measures.append(
                MeasureRow(
                    row["measure"].value, row["measureLabel"].value, en.value if en else None
                )
            )
    return list(plans.values())


@ui.get("/")
def index() -> ResponseReturnValue:
    outlines = plan_outlines()
    if request.args.get("format") == "json" or request.accept_mimetypes.best == "application/json":
        return jsonify(plans=[_as_dict(p) for p in outlines])
    return render_template("index.html", plans=outlines)


def _as_dict(plan: PlanOutline) -> dict:
    return asdict(plan)
