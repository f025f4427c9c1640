"""The section × measure matrix: `/matrix`, one cell's evidence, and the table as CSV and xlsx.

Rows are the sections of one plan (`?plan=<ward>/<fy>`, the newest by
default), columns its measures grouped under their focus areas, both in
document order. A cell holds the plan's contribution from that section to
that measure: an accepted link (`mkg:accepted true`) or a candidate with its
score. Each filled cell links to `/matrix/cell`, the evidence behind it, so
the table works without JavaScript; `matrix.js` opens the same evidence in a
panel when scripts run.

Decisions a user would ask about:

- The minimum score hides *candidates* scored below it. Accepted links stay:
  they are decisions (curated ones carry no meaningful score), and the score
  is what ranks candidates.
- Sorting measures by the number of sections sorts them within their focus
  area; the areas keep their document order, so the grouping stays.
- "Number of links" counts what the table shows after the filters.
- A section or measure key is the part of its IRI after `{base}id/`
  (`minami/section/somu`, `minami/2022/measure/gensai-01`), as in `/page/…`.

Every view reads only through `store.query` with the plan bound as a term, so
it works on a remote SPARQL server as on the embedded store. Downloads take
the same parameters as the page; every text cell that a spreadsheet would read
as a formula is defused (`spreadsheet_text`).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from pyoxigraph import Literal, NamedNode, QuerySolutions, Variable

from minami_kg.server.i18n import current_language, t
from minami_kg.server.security import spreadsheet_text
from minami_kg.server.state import get_store
from minami_kg.store import Term

matrix = Blueprint("matrix", __name__)

PLAN_KEY = re.compile(r"[a-z0-9-]+/\d{4}")
SORT_SECTIONS = ("document", "name", "links")
SORT_MEASURES = ("document", "sections")
SHOW = ("all", "accepted")

_PLAN = Variable("plan")
_SECTION = Variable("section")
_MEASURE = Variable("measure")

_PREFIXES = """
PREFIX mkg: <https://w3id.org/minami-kg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa: <http://www.w3.org/ns/oa#>
"""

# Only a plan read from a document has focus areas; the plans it cites have none.
_PLANS = (
    _PREFIXES
    + """
SELECT DISTINCT ?plan ?fy ?ja ?en WHERE {
  ?plan a mkg:Plan ; mkg:fiscalYear ?fy .
  FILTER EXISTS { ?plan mkg:hasFocusArea ?area }
  OPTIONAL { ?plan skos:prefLabel ?ja . FILTER(lang(?ja) = "ja") }
  OPTIONAL { ?plan skos:prefLabel ?en . FILTER(lang(?en) = "en") }
}
"""
)

_MEASURES = (
    _PREFIXES
    + """
SELECT ?plan ?area ?areaOrder ?priority ?areaJa ?areaEn ?measure ?order ?ja ?en WHERE {
  ?plan mkg:hasFocusArea ?area .
  OPTIONAL { ?area mkg:order ?areaOrder }
  OPTIONAL { ?area mkg:isPriority ?priority }
  OPTIONAL { ?area skos:prefLabel ?areaJa . FILTER(lang(?areaJa) = "ja") }
  OPTIONAL { ?area skos:prefLabel ?areaEn . FILTER(lang(?areaEn) = "en") }
  OPTIONAL {
    ?measure mkg:inFocusArea ?area .
    OPTIONAL { ?measure mkg:order ?order }
    OPTIONAL { ?measure skos:prefLabel ?ja . FILTER(lang(?ja) = "ja") }
    OPTIONAL { ?measure skos:prefLabel ?en . FILTER(lang(?en) = "en") }
  }
}
"""
)

# A plan's sections: those with a goal paragraph in it, and any a contribution names.
_SECTIONS = (
    _PREFIXES
    + """
SELECT ?plan ?section ?order ?ja ?en WHERE {
  { ?goal mkg:inPlan ?plan ; mkg:goalOf ?section . OPTIONAL { ?goal mkg:order ?order } }
  UNION
  { ?c a mkg:Contribution ; mkg:inPlan ?plan ; mkg:section ?section . }
  OPTIONAL { ?section skos:prefLabel ?ja . FILTER(lang(?ja) = "ja") }
  OPTIONAL { ?section skos:prefLabel ?en . FILTER(lang(?en) = "en") }
}
"""
)

_LINKS = (
    _PREFIXES
    + """
SELECT ?plan ?c ?section ?measure ?accepted ?score ?method WHERE {
  ?c a mkg:Contribution ; mkg:inPlan ?plan ; mkg:section ?section ; mkg:measure ?measure .
  OPTIONAL { ?c mkg:accepted ?accepted }
  OPTIONAL { ?c mkg:score ?score }
  OPTIONAL { ?c mkg:method ?method }
}
"""
)

# Bound to a plan (every link's evidence) or to a plan, a section and a measure (one cell).
_EVIDENCE = (
    _PREFIXES
    + """
SELECT ?plan ?section ?measure ?c ?e ?order ?basis
       ?sectionExact ?sectionPrefix ?sectionSuffix ?sectionLine
       ?measureExact ?measurePrefix ?measureSuffix ?measureLine
WHERE {
  ?c a mkg:Contribution ; mkg:inPlan ?plan ; mkg:section ?section ; mkg:measure ?measure ;
     mkg:evidence ?e .
  OPTIONAL { ?e mkg:order ?order }
  OPTIONAL { ?e mkg:basis ?basis }
  OPTIONAL {
    ?e mkg:sectionSide ?s .
    OPTIONAL { ?s mkg:sourceLine ?sectionLine }
    OPTIONAL {
      ?s oa:hasSelector ?sSelector .
      ?sSelector oa:exact ?sectionExact .
      OPTIONAL { ?sSelector oa:prefix ?sectionPrefix }
      OPTIONAL { ?sSelector oa:suffix ?sectionSuffix }
    }
  }
  OPTIONAL {
    ?e mkg:measureSide ?m .
    OPTIONAL { ?m mkg:sourceLine ?measureLine }
    OPTIONAL {
      ?m oa:hasSelector ?mSelector .
      ?mSelector oa:exact ?measureExact .
      OPTIONAL { ?mSelector oa:prefix ?measurePrefix }
      OPTIONAL { ?mSelector oa:suffix ?measureSuffix }
    }
  }
}
"""
)


class BadRequest(Exception):
    """A parameter the matrix cannot use; answered 400 with the message."""


class Unknown(Exception):
    """A plan or cell the graph does not have; answered 404 with the message."""


# --- the data, as read from the store -----------------------------------------------------


@dataclass(frozen=True)
class Plan:
    key: str  # <ward>/<fy>
    iri: str
    fiscal_year: str
    label_ja: str
    label_en: str | None

    @property
    def label(self) -> str:
        return t(self.label_ja, self.label_en)


@dataclass
class Measure:
    iri: str
    key: str
    order: int
    label_ja: str
    label_en: str | None
    area: str  # the focus area's IRI

    @property
    def label(self) -> str:
        return t(self.label_ja, self.label_en)


@dataclass
class Area:
    iri: str
    slug: str
    order: int
    priority: bool
    label_ja: str
    label_en: str | None
    measures: list[Measure] = field(default_factory=list)

    @property
    def label(self) -> str:
        return t(self.label_ja, self.label_en)


@dataclass
class Section:
    iri: str
    key: str
    order: int
    label_ja: str
    label_en: str | None

    @property
    def label(self) -> str:
        return t(self.label_ja, self.label_en)


@dataclass(frozen=True)
class Link:
    """One contribution: a section carries a measure (accepted) or may (a candidate)."""

    iri: str
    section: str
    measure: str
    accepted: bool
    score: float | None
    method: str

    @property
    def status(self) -> str:
        return "accepted" if self.accepted else "candidate"


@dataclass(frozen=True)
class Quote:
    """The quoted words with the text around them, and the line they were read from."""

    text: str
    prefix: str
    suffix: str
    line: int | None
    href: str | None  # the line in the source view


@dataclass
class Evidence:
    order: int
    basis: list[str]
    section: list[Quote]
    measure: list[Quote]


@dataclass
class Outline:
    """Everything of one plan the matrix draws from."""

    plan: Plan
    areas: list[Area]
    sections: list[Section]
    links: list[Link]

    def section_by_key(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def measure_by_key(self, key: str) -> Measure | None:
        return next((m for a in self.areas for m in a.measures if m.key == key), None)

    def area_of(self, measure: Measure) -> Area:
        return next(a for a in self.areas if a.iri == measure.area)


def _select(sparql: str, bound: Mapping[Variable, Term]) -> QuerySolutions:
    result = get_store(current_app).query(sparql, substitutions=bound)
    assert isinstance(result, QuerySolutions)
    return result


def _value(term: Term | None) -> str | None:
    return term.value if term is not None else None


def _int(term: Term | None, default: int) -> int:
    text = _value(term)
    return int(text) if text is not None and text.lstrip("-").isdigit() else default


def _id_base() -> str:
    return current_app.config["MINAMI_KG"].base + "id/"


def _key(iri: str) -> str:
    return iri.removeprefix(_id_base())


def read_plans() -> list[Plan]:
    """The plans that have focus areas, newest first."""
    plans: dict[str, Plan] = {}
    for row in _select(_PLANS, {}):
        iri = row["plan"].value
        key = _key(iri)
        if not PLAN_KEY.fullmatch(key) or iri in plans:
            continue
        plans[iri] = Plan(key, iri, row["fy"].value, _value(row["ja"]) or key, _value(row["en"]))
    return sorted(plans.values(), key=lambda p: (-_year(p.fiscal_year), p.key))


def _year(text: str) -> int:
    return int(text) if text.isdigit() else 0


def read_outline(plan: Plan) -> Outline:
    """The plan's focus areas with their measures, its sections and its links."""
    bound = {_PLAN: NamedNode(plan.iri)}
    areas: dict[str, Area] = {}
    measures: dict[str, Measure] = {}
    for row in _select(_MEASURES, bound):
        iri = row["area"].value
        area = areas.get(iri)
        if area is None:
            area = areas[iri] = Area(
                iri=iri,
                slug=iri.rsplit("/", 1)[-1],
                order=_int(row["areaOrder"], 10**6),
                priority=_value(row["priority"]) == "true",
                label_ja=_value(row["areaJa"]) or _key(iri),
                label_en=_value(row["areaEn"]),
            )
        if row["measure"] is not None and row["measure"].value not in measures:
            m_iri = row["measure"].value
            measures[m_iri] = Measure(
                iri=m_iri,
                key=_key(m_iri),
                order=_int(row["order"], 10**6),
                label_ja=_value(row["ja"]) or _key(m_iri),
                label_en=_value(row["en"]),
                area=iri,
            )
    for measure in sorted(measures.values(), key=lambda m: (m.order, m.key)):
        areas[measure.area].measures.append(measure)
    sections: dict[str, Section] = {}
    for row in _select(_SECTIONS, bound):
        iri = row["section"].value
        order = _int(row["order"], 10**6)
        known = sections.get(iri)
        if known is None:
            sections[iri] = Section(
                iri, _key(iri), order, _value(row["ja"]) or _key(iri), _value(row["en"])
            )
        else:
            known.order = min(known.order, order)
    links = [
        Link(
            iri=row["c"].value,
            section=row["section"].value,
            measure=row["measure"].value,
            accepted=_value(row["accepted"]) == "true",
            score=_score(row["score"]),
            method=_value(row["method"]) or "",
        )
        for row in _select(_LINKS, bound)
        if row["measure"].value in measures
    ]
    return Outline(
        plan=plan,
        areas=sorted(areas.values(), key=lambda a: (a.order, a.slug)),
        sections=sorted(sections.values(), key=lambda s: (s.order, s.key)),
        links=sorted(links, key=lambda link: link.iri),
    )


def _score(term: Term | None) -> float | None:
    if not isinstance(term, Literal):
        return None
    try:
        return float(term.value)
    except ValueError:
        return None


def read_evidence(
    plan: Plan, section: str | None = None, measure: str | None = None
) -> dict[str, list[Evidence]]:
    """Each contribution's evidence (IRI → list, by order), for the plan or for one cell."""
    bound: dict[Variable, Term] = {_PLAN: NamedNode(plan.iri)}
    if section is not None:
        bound[_SECTION] = NamedNode(section)
    if measure is not None:
        bound[_MEASURE] = NamedNode(measure)
    ward, fy = plan.key.split("/")
    items: dict[tuple[str, str], Evidence] = {}
    for row in _select(_EVIDENCE, bound):
        key = (row["c"].value, row["e"].value)
        item = items.setdefault(key, Evidence(_int(row["order"], 0), [], [], []))
        basis = _value(row["basis"])
        if basis and basis not in item.basis:
            item.basis.append(basis)
        for side, quotes in (("section", item.section), ("measure", item.measure)):
            text = _value(row[f"{side}Exact"])
            if text is None:
                continue
            line = _int(row[f"{side}Line"], 0) or None
            href = f"/source/{ward}/{fy}?hl={line}#L{line}" if line else None
            quote_ = Quote(
                text,
                _value(row[f"{side}Prefix"]) or "",
                _value(row[f"{side}Suffix"]) or "",
                line,
                href,
            )
            if quote_ not in quotes:
                quotes.append(quote_)
    found: dict[str, list[Evidence]] = {}
    for (contribution, _), item in sorted(items.items()):
        found.setdefault(contribution, []).append(item)
    for evidence in found.values():
        evidence.sort(key=lambda e: e.order)
    return found


# --- the view: parameters, filters, sorts ------------------------------------------------


@dataclass(frozen=True)
class View:
    """What the user asked to see; every field comes from a GET parameter."""

    area: str | None = None  # a focus area's slug
    show: str = "all"  # "all" (with candidates) or "accepted"
    min_score: float | None = None  # hides candidates below it
    section: str | None = None  # one section's key
    sort_sections: str = "document"
    sort_measures: str = "document"

    def params(self) -> dict[str, str]:
        """The non-default parameters, for links that keep the view."""
        params = {
            "area": self.area,
            "show": None if self.show == "all" else self.show,
            "min_score": None if self.min_score is None else f"{self.min_score:g}",
            "section": self.section,
            "sort_sections": None if self.sort_sections == "document" else self.sort_sections,
            "sort_measures": None if self.sort_measures == "document" else self.sort_measures,
        }
        return {k: v for k, v in params.items() if v is not None}


def _choice(args: dict[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = args.get(name, "").strip() or allowed[0]
    if value not in allowed:
        raise BadRequest(f"{name}={value!r}: expected one of {', '.join(allowed)}")
    return value


def parse_view(args: dict[str, str], outline: Outline) -> View:
    """The view the parameters ask for; a BadRequest names the first bad one."""
    area = args.get("area", "").strip() or None
    if area is not None and area not in {a.slug for a in outline.areas}:
        known = ", ".join(a.slug for a in outline.areas)
        raise BadRequest(f"area={area!r}: not a focus area of {outline.plan.key} ({known})")
    section = args.get("section", "").strip() or None
    if section is not None and outline.section_by_key(section) is None:
        raise BadRequest(f"section={section!r}: not a section of {outline.plan.key}")
    return View(
        area=area,
        show=_choice(args, "show", SHOW),
        min_score=_min_score(args.get("min_score", "").strip()),
        section=section,
        sort_sections=_choice(args, "sort_sections", SORT_SECTIONS),
        sort_measures=_choice(args, "sort_measures", SORT_MEASURES),
    )


def _min_score(text: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadRequest(f"min_score={text!r}: expected a number, e.g. 2.5") from None
    if not math.isfinite(value):
        raise BadRequest(f"min_score={text!r}: expected a finite number")
    return value


@dataclass(frozen=True)
class Totals:
    accepted: int = 0
    candidates: int = 0

    @property
    def links(self) -> int:
        return self.accepted + self.candidates

    def add(self, link: Link) -> Totals:
        if link.accepted:
            return Totals(self.accepted + 1, self.candidates)
        return Totals(self.accepted, self.candidates + 1)


@dataclass
class Matrix:
    """The table as shown: rows, grouped columns, cells and totals, after filters and sorts."""

    outline: Outline
    plans: list[Plan]
    view: View
    sections: list[Section]
    areas: list[tuple[Area, list[Measure]]]
    cells: dict[tuple[str, str], Link]
    row_totals: dict[str, Totals]
    column_totals: dict[str, Totals]
    total: Totals

    @property
    def measures(self) -> list[Measure]:
        return [m for _, measures in self.areas for m in measures]

    def cell(self, section: Section, measure: Measure) -> Link | None:
        return self.cells.get((section.iri, measure.iri))


def _shown(link: Link, view: View) -> bool:
    if link.accepted:
        return True
    if view.show == "accepted":
        return False
    return view.min_score is None or (link.score is not None and link.score >= view.min_score)


def build_matrix(outline: Outline, plans: list[Plan], view: View) -> Matrix:
    sections = [s for s in outline.sections if view.section in (None, s.key)]
    areas = [a for a in outline.areas if view.area in (None, a.slug) and a.measures]
    shown_sections = {s.iri for s in sections}
    shown_measures = {m.iri for a in areas for m in a.measures}
    cells: dict[tuple[str, str], Link] = {}
    for link in outline.links:
        in_view = link.section in shown_sections and link.measure in shown_measures
        if in_view and _shown(link, view):
            pair = (link.section, link.measure)
            if pair not in cells or _rank(link) > _rank(cells[pair]):
                cells[pair] = link
    rows = {s.iri: Totals() for s in sections}
    columns = {m: Totals() for m in shown_measures}
    total = Totals()
    for (section, measure), link in cells.items():
        rows[section] = rows[section].add(link)
        columns[measure] = columns[measure].add(link)
        total = total.add(link)
    return Matrix(
        outline=outline,
        plans=plans,
        view=view,
        sections=_sorted_sections(sections, rows, view.sort_sections),
        areas=[(a, _sorted_measures(a.measures, columns, view.sort_measures)) for a in areas],
        cells=cells,
        row_totals=rows,
        column_totals=columns,
        total=total,
    )


def _rank(link: Link) -> tuple[bool, float]:
    """Of two contributions for one cell, the accepted one, then the higher score, wins."""
    return (link.accepted, link.score or 0.0)


def _sorted_sections(sections: list[Section], totals: dict[str, Totals], by: str) -> list[Section]:
    if by == "name":
        return sorted(sections, key=lambda s: (s.label, s.order))
    if by == "links":
        return sorted(sections, key=lambda s: (-totals[s.iri].links, s.order))
    return sections


def _sorted_measures(measures: list[Measure], totals: dict[str, Totals], by: str) -> list[Measure]:
    if by == "sections":
        return sorted(measures, key=lambda m: (-totals[m.iri].links, m.order))
    return list(measures)


# --- requests ------------------------------------------------------------------------------


def _plan(plans: list[Plan]) -> Plan:
    """The plan `?plan=` names, or the newest."""
    key = request.args.get("plan", "").strip()
    if key and not PLAN_KEY.fullmatch(key):
        raise BadRequest(f"plan={key!r}: expected <ward>/<fiscal year>, e.g. minami/2022")
    plan = next((p for p in plans if key in ("", p.key)), None)
    if plan is None:
        raise Unknown(f"no plan {key}" if key else "there is no plan in the graph yet")
    return plan


def current_matrix() -> Matrix:
    plans = read_plans()
    outline = read_outline(_plan(plans))
    return build_matrix(outline, plans, parse_view(request.args.to_dict(), outline))


def _wants_json() -> bool:
    asked = request.args.get("format", "").strip()
    if asked not in ("", "html", "json"):
        raise BadRequest(f"format={asked!r}: expected html or json (or /matrix.csv, /matrix.xlsx)")
    if asked:
        return asked == "json"
    return request.accept_mimetypes.best == "application/json"


@matrix.errorhandler(BadRequest)
def bad_request(err: BadRequest) -> ResponseReturnValue:
    return _problem(str(err), 400)


@matrix.errorhandler(Unknown)
def unknown(err: Unknown) -> ResponseReturnValue:
    return _problem(str(err), 404)


def _problem(message: str, status: int) -> ResponseReturnValue:
    """An error in the page's style, or as JSON for machines (and for downloads)."""
    html = not request.path.endswith((".csv", ".xlsx"))
    try:
        html = html and not _wants_json()
    except BadRequest:
        html = True
    if not html:
        return jsonify(error=message), status
    return render_template("matrix.html", problem=message, status=status), status


def _url(endpoint: str, matrix_: Matrix, **extra: str) -> str:
    params = {"plan": matrix_.outline.plan.key, **matrix_.view.params(), **extra}
    return f"{endpoint}?{urlencode(params)}"


def cell_href(matrix_: Matrix, section: Section, measure: Measure) -> str:
    params = {"plan": matrix_.outline.plan.key, "section": section.key, "measure": measure.key}
    return f"/matrix/cell?{urlencode(params)}"


@matrix.get("/matrix")
def page() -> ResponseReturnValue:
    """The matrix, or its JSON twin (`?format=json`, Accept: application/json)."""
    json_wanted = _wants_json()
    table = current_matrix()
    if json_wanted:
        return jsonify(as_json(table))
    response = Response(
        render_template(
            "matrix.html",
            m=table,
            cell_href=cell_href,
            score_text=score_text,
            downloads={
                "csv": _url("/matrix.csv", table),
                "xlsx": _url("/matrix.xlsx", table),
                "json": _url("/matrix", table, format="json"),
            },
        )
    )
    response.headers["Link"] = f'<{_url("/matrix", table, format="json")}>; rel="alternate"; '
    response.headers["Link"] += 'type="application/json"'
    return response


@matrix.get("/matrix/cell")
def cell() -> ResponseReturnValue:
    """The evidence behind one cell: each contribution with its quotes and source lines."""
    json_wanted = _wants_json()
    plans = read_plans()
    outline = read_outline(_plan(plans))
    section = _named(request.args.get("section", ""), "section", outline.section_by_key)
    measure = _named(request.args.get("measure", ""), "measure", outline.measure_by_key)
    links = [
        link
        for link in outline.links
        if link.section == section.iri and link.measure == measure.iri
    ]
    if not links:
        raise Unknown(f"no link or candidate between {section.key} and {measure.key}")
    links.sort(key=_rank, reverse=True)
    evidence = read_evidence(outline.plan, section.iri, measure.iri)
    body = cell_json(outline, section, measure, links, evidence)
    if json_wanted:
        return jsonify(body)
    return render_template("matrix_cell.html", cell=body, back=f"/matrix?plan={outline.plan.key}")


def _named(key: str, name: str, find: Callable[[str], Any]) -> Any:
    key = key.strip()
    if not key:
        raise BadRequest(f"{name}= is required")
    found = find(key)
    if found is None:
        raise BadRequest(f"{name}={key!r}: not a {name} of this plan")
    return found


# --- JSON ----------------------------------------------------------------------------------


def _labelled(thing: Section | Measure | Area | Plan) -> dict[str, Any]:
    return {"label": thing.label, "labels": {"ja": thing.label_ja, "en": thing.label_en}}


def _link_json(link: Link) -> dict[str, Any]:
    return {"status": link.status, "score": link.score, "method": link.method}


def as_json(table: Matrix) -> dict[str, Any]:
    """The JSON twin: rows, columns (with their areas), cells and totals."""
    plan = table.outline.plan
    return {
        "plan": {"key": plan.key, "iri": plan.iri, **_labelled(plan)},
        "plans": [{"key": p.key, "iri": p.iri, **_labelled(p)} for p in table.plans],
        "view": table.view.params(),
        "areas": [
            {
                "iri": area.iri,
                "slug": area.slug,
                "priority": area.priority,
                **_labelled(area),
                "measures": [m.key for m in measures],
            }
            for area, measures in table.areas
        ],
        "columns": [
            {
                "key": m.key,
                "iri": m.iri,
                "area": table.outline.area_of(m).slug,
                **_labelled(m),
                "accepted": table.column_totals[m.iri].accepted,
                "candidates": table.column_totals[m.iri].candidates,
            }
            for m in table.measures
        ],
        "rows": [
            {
                "key": s.key,
                "iri": s.iri,
                **_labelled(s),
                "accepted": table.row_totals[s.iri].accepted,
                "candidates": table.row_totals[s.iri].candidates,
            }
            for s in table.sections
        ],
        "cells": [
            {
                "section": s.key,
                "measure": m.key,
                **_link_json(link),
                "href": cell_href(table, s, m),
            }
            for s in table.sections
            for m in table.measures
            if (link := table.cell(s, m)) is not None
        ],
        "totals": {"accepted": table.total.accepted, "candidates": table.total.candidates},
    }


def cell_json(
    outline: Outline,
    section: Section,
    measure: Measure,
    links: list[Link],
    evidence: dict[str, list[Evidence]],
) -> dict[str, Any]:
    area = outline.area_of(measure)
    plan = outline.plan
    return {
        "plan": {"key": plan.key, "iri": plan.iri, **_labelled(plan)},
        "section": {"key": section.key, "iri": section.iri, "href": f"/page/{section.key}"}
        | _labelled(section),
        "measure": {"key": measure.key, "iri": measure.iri, "href": f"/page/{measure.key}"}
        | _labelled(measure),
        "area": {"slug": area.slug, "iri": area.iri} | _labelled(area),
        "links": [
            {
                "iri": link.iri,
                "href": f"/page/{_key(link.iri)}",
                **_link_json(link),
                "statusLabel": status_label(link),
                "evidence": [_evidence_json(e) for e in evidence.get(link.iri, [])],
            }
            for link in links
        ],
    }


def _evidence_json(item: Evidence) -> dict[str, Any]:
    def quotes(items: list[Quote]) -> list[dict[str, Any]]:
        return [
            {"text": q.text, "prefix": q.prefix, "suffix": q.suffix, "line": q.line, "href": q.href}
            for q in items
        ]

    return {
        "order": item.order,
        "basis": item.basis,
        "section": quotes(item.section),
        "measure": quotes(item.measure),
    }


def status_label(link: Link) -> str:
    return t("採用", "accepted") if link.accepted else t("候補", "candidate")


def score_text(score: float | None) -> str:
    return "" if score is None else f"{score:.2f}"


# --- downloads -----------------------------------------------------------------------------


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII `filename` and the real one as `filename*` (RFC 6266, 5987)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _both(ja: str, en: str | None) -> list[str]:
    """A label in the page's language, then in the other one (empty when there is none)."""
    if current_language() == "ja":
        return [ja, en or ""]
    return [en or ja, ja]


def matrix_rows(table: Matrix) -> list[list[str | float | None]]:
    """The matrix as a grid of values: four header rows, one row per section, two total rows.

    Columns: the section's name in the page's language and in the other, one
    column per measure, then the accepted and candidate totals. The header
    rows hold the focus areas and the measures, each in both languages. An
    accepted link is "●", a candidate its score (a number).
    """
    measures = table.measures
    areas = [table.outline.area_of(m) for m in measures]
    area_names = [_both(a.label_ja, a.label_en) for a in areas]
    measure_names = [_both(m.label_ja, m.label_en) for m in measures]
    totals = [_both("採用", "Accepted"), _both("候補", "Candidates")]
    head: list[list[str | float | None]] = [
        [*_both("施策", "Focus area"), *(n[0] for n in area_names), "", ""],
        ["", "", *(n[1] for n in area_names), "", ""],
        [*_both("取組", "Measure"), *(n[0] for n in measure_names), *(n[0] for n in totals)],
        [*_both("課", "Section"), *(n[1] for n in measure_names), *(n[1] for n in totals)],
    ]
    body: list[list[str | float | None]] = []
    for s in table.sections:
        cells: list[str | float | None] = []
        for m in measures:
            link = table.cell(s, m)
            cells.append(None if link is None else "●" if link.accepted else link.score)
        row = table.row_totals[s.iri]
        body.append([*_both(s.label_ja, s.label_en), *cells, row.accepted, row.candidates])
    columns = [table.column_totals[m.iri] for m in measures]
    foot: list[list[str | float | None]] = [
        [
            *_both("採用 計", "Accepted, total"),
            *(c.accepted for c in columns),
            table.total.accepted,
            None,
        ],
        [
            *_both("候補 計", "Candidates, total"),
            *(c.candidates for c in columns),
            None,
            table.total.candidates,
        ],
    ]
    return [*head, *body, *foot]


HEADER_ROWS = 4
"""Rows above the first section in `matrix_rows` (the frozen panes of the sheet)."""


def link_rows(table: Matrix) -> list[list[str | float | None]]:
    """Every link the matrix shows, one row each, with its evidence quotes."""
    evidence = read_evidence(table.outline.plan)
    rows: list[list[str | float | None]] = [
        [
            *_both("課", "Section"),
            t("施策", "Focus area"),
            *_both("取組", "Measure"),
            t("状態", "Status"),
            t("スコア", "Score"),
            t("方法", "Method"),
            t("根拠", "Basis"),
            t("課側の引用", "Section's words"),
            t("取組側の引用", "Measure's words"),
        ]
    ]
    for s in table.sections:
        for m in table.measures:
            link = table.cell(s, m)
            if link is None:
                continue
            items = evidence.get(link.iri, [])
            area = table.outline.area_of(m)
            rows.append(
                [
                    *_both(s.label_ja, s.label_en),
                    area.label,
                    *_both(m.label_ja, m.label_en),
                    status_label(link),
                    link.score,
                    link.method,
                    "\n".join(b for e in items for b in e.basis),
                    "\n".join(_quoted(q) for e in items for q in e.section),
                    "\n".join(_quoted(q) for e in items for q in e.measure),
                ]
            )
    return rows


def _quoted(q: Quote) -> str:
    """The quote in its context, the quoted words in 【】, and its line: …前【語】後… (L12)."""
    words = f"…{q.prefix}【{q.text}】{q.suffix}…"
    return f"{words} (L{q.line})" if q.line else words


def _csv_value(value: str | float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return spreadsheet_text(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _filename(table: Matrix, ext: str) -> str:
    ward, fy = table.outline.plan.key.split("/")
    return f"{t('課×取組', 'matrix')}-{ward}-{fy}.{ext}"


@matrix.get("/matrix.csv")
def download_csv() -> ResponseReturnValue:
    """The matrix as CSV, UTF-8 with a BOM so that Excel on Japanese Windows reads it right."""
    table = current_matrix()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([_csv_value(v) for v in row] for row in matrix_rows(table))
    response = Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = content_disposition(_filename(table, "csv"))
    return response


@matrix.get("/matrix.xlsx")
def download_xlsx() -> ResponseReturnValue:
    """The matrix and the list of its links as an Excel workbook."""
    table = current_matrix()
    out = io.BytesIO()
    workbook(table).save(out)
    response = Response(
        out.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response.headers["Content-Disposition"] = content_disposition(_filename(table, "xlsx"))
    return response


_HEAD_FILL = PatternFill("solid", fgColor="E5E7EB")
_ACCEPTED_FILL = PatternFill("solid", fgColor="BFDBFE")


def workbook(table: Matrix) -> Workbook:
    """Sheet 1 the matrix (panes frozen below the headers, beside the names); sheet 2 the links."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = t("課×取組", "Matrix")
    _fill(sheet, matrix_rows(table))
    sheet.freeze_panes = sheet.cell(row=HEADER_ROWS + 1, column=3).coordinate
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 24
    for row in sheet.iter_rows(min_row=1, max_row=HEADER_ROWS):
        for c in row:
            c.font = Font(bold=True)
            c.fill = _HEAD_FILL
            c.alignment = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=HEADER_ROWS + 1, min_col=3):
        for c in row:
            if c.value == "●":
                c.fill = _ACCEPTED_FILL
            elif isinstance(c.value, float):
                c.number_format = "0.00"
    for index in range(3, len(table.measures) + 3):
        sheet.column_dimensions[get_column_letter(index)].width = 12
    links = book.create_sheet(t("リンク一覧", "Links"))
    _fill(links, link_rows(table))
    links.freeze_panes = "A2"
    for c in links[1]:
        c.font = Font(bold=True)
        c.fill = _HEAD_FILL
    widths = (20, 24, 14, 36, 40, 8, 8, 14, 24, 60, 60)
    for letter, width in zip("ABCDEFGHIJK", widths, strict=True):
        links.column_dimensions[letter].width = width
    return book


def _fill(sheet: Any, rows: Iterable[list[str | float | None]]) -> None:
    for row in rows:
        sheet.append([spreadsheet_text(v) if isinstance(v, str) else v for v in row])
