"""The pages ward staff read: the plan at a glance, the sections, two sections compared,
and the index of every plan in the store (`/plans`).

Each view makes one call to a read model (`models.plan_pages.PlanPages`,
`models.plan_index`, `models.sources`) and only then picks HTML or its JSON twin
(`?format=json` or `Accept: application/json`). A plan is chosen with
`?plan=<ward>/<fy>` (default: the newest plan; on a section's pages, the newest
plan of its ward). A malformed value answers 400, one that names nothing 404,
both with a message in the asker's language.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from minami_kg.readmodels.open_data import PLAN_TABLES
from minami_kg.readmodels.plan_index import PlanEntry, plan_index
from minami_kg.readmodels.plan_pages import (
    MeasureRow,
    PlanPages,
    SectionDetail,
    SectionSummary,
)
from minami_kg.readmodels.refusals import Malformed, Unknown
from minami_kg.readmodels.sources import plan_reading
from minami_kg.readmodels.urls import page_url, plan_key, plan_table_url
from minami_kg.server.http import page, wants_json
from minami_kg.server.i18n import t
from minami_kg.server.staff import current_account
from minami_kg.server.state import get_settings, get_store

ui = Blueprint("ui", __name__)

TOP_PAIRS = 10
"""Pairs of sections shown on the home page."""


# --- helpers ------------------------------------------------------------------------------


def read() -> PlanPages:
    return PlanPages(get_store(), get_settings().base)


def asked() -> str | None:
    """The plan `?plan=` names, if any."""
    return request.args.get("plan") or None


def plan_query() -> dict[str, Any]:
    """`plan=` to carry on links, when the request named one (as `url_for`'s `**values: Any`)."""
    return {"plan": request.args["plan"]} if request.args.get("plan") else {}


def section_href(key: str) -> str:
    ward, _, slug = key.partition("/section/")
    return url_for("ui.section_page", ward=ward, slug=slug, **plan_query())


def compare_href(a: str, b: str) -> str:
    return url_for("ui.compare", a=a, b=b, **plan_query())


def summary_json(s: SectionSummary) -> dict[str, object]:
    return {**asdict(s), "href": section_href(s.key)}


# --- home ---------------------------------------------------------------------------------


@ui.get("/")
def index() -> ResponseReturnValue:
    """The plan at a glance: its goal, focus areas, sections and the pairs that share most."""
    v = read()
    plan = v.plan(asked())
    if plan is None:
        if wants_json():
            return jsonify(plans=[], current=None, sections=[], pairs=[])
        return page("index.html", plan=None, plans=[])
    outline = v.outline(plan)
    sections = v.sections(plan)
    pairs = v.pairs(plan, sections)[:TOP_PAIRS]
    if wants_json():
        outlines = [outline if p.key == plan.key else v.outline(p) for p in v.plans]
        return jsonify(
            plans=[asdict(o) for o in outlines],
            current=plan.key,
            sections=[summary_json(s) for s in sections],
            pairs=[
                {
                    "a": p.a.key,
                    "b": p.b.key,
                    "shared": p.shared,
                    "measures": p.measures,
                    "href": compare_href(p.a.key, p.b.key),
                }
                for p in pairs
            ],
        )
    return page(
        "index.html",
        plan=plan,
        plans=v.plans,
        outline=outline,
        sections=sections,
        pairs=pairs,
        section_href=section_href,
        compare_href=compare_href,
    )


# --- sections -----------------------------------------------------------------------------


@ui.get("/sections")
def sections() -> ResponseReturnValue:
    """All sections of a plan's ward with the measures each carries that year."""
    v = read()
    plan = v.plan(asked())
    if plan is None:
        raise Unknown("グラフに運営方針がありません", "the graph holds no plan")
    found = v.sections(plan)
    if wants_json():
        return jsonify(plan=plan.key, ward=plan.ward, sections=[summary_json(s) for s in found])
    return page(
        "sections.html", plan=plan, plans=v.plans, sections=found, section_href=section_href
    )


@ui.get("/sections/<ward>/<slug>")
def section_page(ward: str, slug: str) -> ResponseReturnValue:
    """One section: its goal, the measures it carries, partners, topics, and who it shares with."""
    v = read()
    detail = v.section(f"{ward}/section/{slug}", asked())
    if wants_json():
        return jsonify(section_json(detail))
    return page(
        "section.html",
        s=detail,
        years=[p for p in v.plans if p.ward == ward],  # the section persists across them
        links=section_links(detail),
        section_href=section_href,
        compare_href=compare_href,
        addable=addable_measures(v, detail),
    )


def addable_measures(v: PlanPages, s: SectionDetail) -> list[MeasureRow]:
    """For a signed-in reviewer: the plan's measures the section has neither a link nor a
    candidate to, which 「関係を追加」 offers (nobody else sees the control: no query)."""
    account = current_account()
    if s.plan is None or account is None or not account.may("reviewer"):
        return []
    linked = {link.measure.iri for area in s.areas for link in area.links}
    linked |= {link.measure.iri for link in s.candidates}
    outline = v.outline(s.plan)
    return [m for area in outline.areas for m in area.measures if m.iri not in linked]


def section_links(s: SectionDetail) -> dict[str, str]:
    """Where else the section can be seen: its linked-data page, the graph, the matrix.

    The matrix is named the plan the page shows: without it the matrix would open on
    the newest plan of any ward, where this section may not be.
    """
    matrix = {"section": s.key, **({"plan": s.plan.key} if s.plan else {})}
    return {
        "page": page_url(s.key),
        "graph": "/graph?" + urlencode({"focus": s.iri}),
        "matrix": "/matrix?" + urlencode(matrix),
    }


def section_json(s: SectionDetail) -> dict[str, object]:
    body = asdict(s)
    body["measure_count"] = s.measure_count
    body["links"] = section_links(s)
    for share in body["shares"]:
        other = share["section"]["key"]
        share["section"]["href"] = section_href(other)
        share["href"] = compare_href(s.key, other)
    return body


# --- comparison ---------------------------------------------------------------------------


@ui.get("/compare")
def compare() -> ResponseReturnValue:
    """Two sections side by side; without both, a form to choose them; 400 for a bad one."""
    v = read()
    a_key, b_key = request.args.get("a", ""), request.args.get("b", "")
    if not a_key or not b_key:
        return compare_page(v, a_key, b_key)
    try:
        comparison = v.compare(a_key, b_key, asked())
    except Malformed as err:
        if wants_json():
            raise
        response = compare_page(v, a_key, b_key, error=t(err.ja, err.en))
        response.status_code = err.status
        return response
    if wants_json():
        body = asdict(comparison)
        body["a"] = section_json(comparison.a)
        body["b"] = section_json(comparison.b)
        return jsonify(body)
    return page(
        "compare.html",
        c=comparison,
        options=v.all_sections(),
        a=a_key,
        b=b_key,
        section_href=section_href,
        links_a=section_links(comparison.a),
        links_b=section_links(comparison.b),
    )


def compare_page(v: PlanPages, a_key: str, b_key: str, error: str | None = None) -> Response:
    """The form to choose two sections (with the message of a bad choice)."""
    options = v.all_sections()
    if wants_json():
        return jsonify(
            a=a_key or None, b=b_key or None, sections=[summary_json(s) for s in options]
        )
    return page("compare.html", c=None, options=options, a=a_key, b=b_key, error=error)


# --- every plan ---------------------------------------------------------------------------


@ui.get("/plans")
def plans() -> ResponseReturnValue:
    """Every plan in the store, by ward and year, with its size and the views of it."""
    entries = plan_index(get_store(), get_settings().base)
    if wants_json():
        return jsonify(plans=[{**asdict(e), "links": plan_links(e)} for e in entries])
    return page("plans.html", plans=entries, plan_links=plan_links)


@ui.get("/plans/<ward>/<fy>/reading")
def reading(ward: str, fy: str) -> ResponseReturnValue:
    """How the plan's document was read, so staff can check it before they trust it.

    The outline (basic goal, areas with their measures and actions, sections)
    with where each item stands in the file as published, then every block that
    found no place and the share that did. The document is read again from the
    plan's files, as `minami-kg read` reads it.
    """
    settings = get_settings()
    found = plan_reading(get_store(), settings.base, settings.sources, ward, fy)
    links = plan_links(found.entry)
    if wants_json():
        return jsonify(reading=found.reading, links=links)
    return page("reading.html", reading=found.reading, entry=found.entry, links=links)


def plan_links(e: PlanEntry) -> dict[str, str | None]:
    """The views of one plan, each named the plan; the diff when the ward has a year before."""
    diff = None
    if e.previous:
        diff = url_for("diff.year_over_year", ward=e.ward, fy1=e.previous, fy2=e.fiscal_year)
    return {
        "home": url_for("ui.index", plan=e.key),
        "sections": url_for("ui.sections", plan=e.key),
        "matrix": url_for("matrix.page", plan=e.key),
        "source": url_for("linked_data.source", ward=e.ward, fy=e.fiscal_year),
        "reading": url_for("ui.reading", ward=e.ward, fy=e.fiscal_year),
        "page": page_url(plan_key(e.ward, e.fiscal_year)),
        "diff": diff,
        **{f"{t}Csv": plan_table_url(e.ward, e.fiscal_year, t) for t in PLAN_TABLES},
    }
