"""The pages ward staff read: the plan at a glance, the sections, two sections compared,
and the index of every plan in the store (`/plans`).

Each view reads one plain structure (`plan_views.PlanViews`) and only then
picks HTML or its JSON twin (`?format=json` or `Accept: application/json`).
A plan is chosen with `?plan=<ward>/<fy>` (default: the newest plan; on a
section's pages, the newest plan of its ward). A malformed value answers 400,
one that names nothing 404, both with a message.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue

from minami_kg.extract import Hints, PlanError, read_reading
from minami_kg.extract.report import outline
from minami_kg.server.i18n import t
from minami_kg.server.linked_data import not_found
from minami_kg.server.plan_index import PlanEntry, plan_index
from minami_kg.server.plan_views import (
    PLAN_KEY,
    SECTION_KEY,
    PlanRef,
    PlanViews,
    SectionDetail,
    SectionSummary,
)
from minami_kg.server.resources import Reader
from minami_kg.server.state import get_store

ui = Blueprint("ui", __name__)

TOP_PAIRS = 10
"""Pairs of sections shown on the home page."""


class UiError(Exception):
    """A request the pages cannot answer: a status and a message for the person who asked."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@ui.errorhandler(UiError)
def ui_error(err: UiError) -> ResponseReturnValue:
    if err.status == 404:
        return not_found(err.message)
    if wants_json():
        response = jsonify(error=err.message)
    else:
        response = Response(render_template("bad_request.html", message=err.message))
    response.status_code = err.status
    return response


# --- helpers ------------------------------------------------------------------------------


def views() -> PlanViews:
    return PlanViews(get_store(current_app), current_app.config["MINAMI_KG"].base)


def wants_json() -> bool:
    if "format" in request.args:
        return request.args["format"] == "json"
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def asked_plan(v: PlanViews, ward: str | None = None) -> PlanRef | None:
    """The plan `?plan=` names (it must be of `ward`, when given), else the newest one."""
    key = request.args.get("plan")
    if not key:
        return v.plan(None, ward)
    if not PLAN_KEY.fullmatch(key):
        raise UiError(
            400,
            t(
                f"plan は「区/年度」の形で指定してください（例 minami/2022）: {key}",
                f"plan must look like <ward>/<fiscal year>, e.g. minami/2022: {key}",
            ),
        )
    plan = v.plan(key)
    if plan is None or (ward is not None and plan.ward != ward):
        raise UiError(404, t(f"運営方針 {key} はグラフにありません", f"no plan {key} in the graph"))
    return plan


def plan_query() -> dict[str, Any]:
    """`plan=` to carry on links, when the request named one (as `url_for`'s `**values: Any`)."""
    return {"plan": request.args["plan"]} if request.args.get("plan") else {}


def section_href(key: str) -> str:
    ward, _, slug = key.partition("/section/")
    return url_for("ui.section_page", ward=ward, slug=slug, **plan_query())


def compare_href(a: str, b: str) -> str:
    return url_for("ui.compare", a=a, b=b, **plan_query())


def json_href() -> str:
    params = [(k, v) for k, v in request.args.items(multi=True) if k not in ("format", "lang")]
    params.append(("format", "json"))
    return f"{request.path}?{urlencode(params)}"


def html(template: str, **context: object) -> Response:
    """The page, with its JSON twin named in a `Link` header (and in `<head>`)."""
    twin = json_href()
    response = Response(render_template(template, json_href=twin, **context))
    response.headers["Link"] = f'<{twin}>; rel="alternate"; type="application/json"'
    return response


def summary_json(s: SectionSummary) -> dict[str, object]:
    return {**asdict(s), "href": section_href(s.key)}


# --- home ---------------------------------------------------------------------------------


@ui.get("/")
def index() -> ResponseReturnValue:
    """The plan at a glance: its goal, focus areas, sections and the pairs that share most."""
    v = views()
    plan = asked_plan(v)
    plans = v.plans()
    if plan is None:
        if wants_json():
            return jsonify(plans=[], current=None, sections=[], pairs=[])
        return html("index.html", plan=None, plans=[])
    outline = v.outline(plan)
    sections = v.sections(plan)
    pairs = v.pairs(plan, sections)[:TOP_PAIRS]
    if wants_json():
        outlines = [outline if p.key == plan.key else v.outline(p) for p in plans]
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
    return html(
        "index.html",
        plan=plan,
        plans=plans,
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
    v = views()
    plan = asked_plan(v)
    if plan is None:
        raise UiError(404, t("グラフに運営方針がありません", "the graph holds no plan"))
    found = v.sections(plan)
    if wants_json():
        return jsonify(plan=plan.key, ward=plan.ward, sections=[summary_json(s) for s in found])
    return html(
        "sections.html", plan=plan, plans=v.plans(), sections=found, section_href=section_href
    )


@ui.get("/sections/<ward>/<slug>")
def section_page(ward: str, slug: str) -> ResponseReturnValue:
    """One section: its goal, the measures it carries, partners, topics, and who it shares with."""
    v = views()
    key = f"{ward}/section/{slug}"
    detail = load_section(v, key)
    if wants_json():
        return jsonify(section_json(detail))
    return html(
        "section.html",
        s=detail,
        years=[p for p in v.plans() if p.ward == ward],  # the section persists across them
        links=section_links(detail),
        section_href=section_href,
        compare_href=compare_href,
    )


def load_section(v: PlanViews, key: str) -> SectionDetail:
    match = SECTION_KEY.fullmatch(key)
    if match is None:
        raise UiError(404, t(f"課 {key} はグラフにありません", f"no section {key} in the graph"))
    detail = v.section(key, asked_plan(v, match.group(1)))
    if detail is None:
        raise UiError(404, t(f"課 {key} はグラフにありません", f"no section {key} in the graph"))
    return detail


def section_links(s: SectionDetail) -> dict[str, str]:
    """Where else the section can be seen: its linked-data page, the graph, the matrix.

    The matrix is named the plan the page shows: without it the matrix would open on
    the newest plan of any ward, where this section may not be.
    """
    matrix = {"section": s.key, **({"plan": s.plan.key} if s.plan else {})}
    return {
        "page": f"/page/{s.key}",
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
    v = views()
    a_key, b_key = request.args.get("a", ""), request.args.get("b", "")
    if not a_key or not b_key:
        return compare_page(v, a_key, b_key)
    try:
        details = [compare_side(v, name, key) for name, key in (("a", a_key), ("b", b_key))]
    except UiError as err:
        if wants_json():
            raise
        response = compare_page(v, a_key, b_key, error=err.message)
        response.status_code = err.status
        return response
    comparison = v.compare(*details)
    if wants_json():
        body = asdict(comparison)
        body["a"] = section_json(comparison.a)
        body["b"] = section_json(comparison.b)
        return jsonify(body)
    return html(
        "compare.html",
        c=comparison,
        options=all_sections(v),
        a=a_key,
        b=b_key,
        section_href=section_href,
        links_a=section_links(comparison.a),
        links_b=section_links(comparison.b),
    )


def compare_side(v: PlanViews, name: str, key: str) -> SectionDetail:
    """One side of the comparison; a malformed or unknown value is a bad request (400)."""
    match = SECTION_KEY.fullmatch(key)
    if match is None:
        raise UiError(
            400,
            t(
                f"{name} は「区/section/課」の形で指定してください（例: minami/section/somu）"
                f": {key}",
                f"{name} must look like <ward>/section/<slug>, e.g. minami/section/somu: {key}",
            ),
        )
    try:
        plan = asked_plan(v, match.group(1))
    except UiError as err:
        raise UiError(400, f"{name}: {err.message}") from err
    detail = v.section(key, plan)
    if detail is None:
        raise UiError(400, t(f"{name}: 課 {key} はグラフにありません", f"{name}: no section {key}"))
    return detail


def all_sections(v: PlanViews) -> list[SectionSummary]:
    """The sections of every ward, each ward read in its newest plan."""
    options: list[SectionSummary] = []
    seen: set[str] = set()
    for plan in v.plans():
        if plan.ward not in seen:
            seen.add(plan.ward)
            options.extend(v.sections(plan))
    return options


def compare_page(v: PlanViews, a_key: str, b_key: str, error: str | None = None) -> Response:
    """The form to choose two sections (with the message of a bad choice)."""
    options = all_sections(v)
    if wants_json():
        return jsonify(
            a=a_key or None, b=b_key or None, sections=[summary_json(s) for s in options]
        )
    return html("compare.html", c=None, options=options, a=a_key, b=b_key, error=error)


# --- every plan ---------------------------------------------------------------------------


@ui.get("/plans")
def plans() -> ResponseReturnValue:
    """Every plan in the store, by ward and year, with its size and the views of it."""
    store = get_store(current_app)
    entries = plan_index(store, current_app.config["MINAMI_KG"].base)
    if wants_json():
        return jsonify(plans=[{**asdict(e), "links": plan_links(e)} for e in entries])
    return html("plans.html", plans=entries, plan_links=plan_links)


@ui.get("/plans/<ward>/<fy>/reading")
def reading(ward: str, fy: str) -> ResponseReturnValue:
    """How the plan's document was read, so staff can check it before they trust it.

    The outline (basic goal, areas with their measures and actions, sections)
    with where each item stands in the file as published, then every block that
    found no place and the share that did. The document is read again from the
    plan's files, as `minami-kg read` reads it.
    """
    store = get_store(current_app)
    settings = current_app.config["MINAMI_KG"]
    entry = next((e for e in plan_index(store, settings.base) if e.key == f"{ward}/{fy}"), None)
    if entry is None:
        raise UiError(404, f"no plan {ward}/{fy} in the graph")
    files = Reader(store, settings.base).plan_files(settings.sources, ward, fy)
    if files is None:
        raise UiError(404, f"the documents of {ward}/{fy} are not under the sources folder")
    hints = Hints(ward_name=entry.ward_label, fiscal_year=int(fy))
    try:
        data = outline(read_reading(files.paths, hints=hints, encoding=files.encoding))
    except PlanError as err:  # the document changed since the build and no longer reads
        raise UiError(409, f"the document of {ward}/{fy} no longer reads: {err.message}") from None
    links = plan_links(entry)
    if wants_json():
        return jsonify(reading=data, links=links)
    return html("reading.html", reading=data, entry=entry, links=links)


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
        "page": f"/page/{e.key}",
        "diff": diff,
    }
