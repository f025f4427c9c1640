"""The section × measure matrix of one plan, read from the store and built as asked.

Rows are the sections of one plan (`?plan=<ward>/<fy>`, the newest by
default), columns its measures grouped under their focus areas, both in
document order. A cell holds the plan's contribution from that section to
that measure: an accepted link (`mkg:accepted true`) or a candidate with its
score.

Decisions a user would ask about:

- The minimum score hides *candidates* scored below it. Accepted links stay:
  they are decisions (curated ones carry no meaningful score), and the score
  is what ranks candidates.
- Sorting measures by the number of sections sorts them within their focus
  area; the areas keep their document order, so the grouping stays.
- "Number of links" counts what the table shows after the filters.
- A section or measure key is the part of its IRI after `{base}id/`
  (`minami/section/somu`, `minami/2022/measure/gensai-01`), as in `/page/…`.

It reads only through `store.query` with the plan bound as a term, so it works
on a remote SPARQL server too. Labels come in both languages; what must pick
one (a sort by name) takes the page's language `lang`. A bad parameter raises
`Malformed`, a plan or cell the graph lacks `Unknown` (`models.refusals`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from pyoxigraph import Literal, NamedNode, Variable

from minami_kg.rdf.namespaces import SPARQL_PREFIXES
from minami_kg.readmodels.plans import PlanRef, choose_plan, list_plans, pick
from minami_kg.readmodels.refusals import Malformed
from minami_kg.readmodels.urls import Urls
from minami_kg.store import GraphStore, Term, select

SORT_SECTIONS = ("document", "name", "links")
SORT_MEASURES = ("document", "sections")
SHOW = ("all", "accepted")

LAST = 10**6  # the order of a thing without one: after those with one
_PLAN = Variable("plan")
_SECTION = Variable("section")
_MEASURE = Variable("measure")

_MEASURES = (
    SPARQL_PREFIXES
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
    SPARQL_PREFIXES
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
    SPARQL_PREFIXES
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
    SPARQL_PREFIXES
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


# --- the data, as read from the store -----------------------------------------------------


@dataclass
class Measure:
    iri: str
    key: str
    order: int
    label_ja: str
    label_en: str | None
    area: str  # the focus area's IRI


@dataclass
class Area:
    iri: str
    slug: str
    order: int
    priority: bool
    label_ja: str
    label_en: str | None
    measures: list[Measure] = field(default_factory=list)


@dataclass
class Section:
    iri: str
    key: str
    order: int
    label_ja: str
    label_en: str | None


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

    plan: PlanRef
    areas: list[Area]
    sections: list[Section]
    links: list[Link]

    def section_by_key(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def measure_by_key(self, key: str) -> Measure | None:
        return next((m for a in self.areas for m in a.measures if m.key == key), None)

    def area_of(self, measure: Measure) -> Area:
        return next(a for a in self.areas if a.iri == measure.area)


def _value(term: Term | None) -> str | None:
    return term.value if term is not None else None


def _int(term: Term | None, default: int) -> int:
    text = _value(term)
    return int(text) if text is not None and text.lstrip("-").isdigit() else default


def _score(term: Term | None) -> float | None:
    if not isinstance(term, Literal):
        return None
    try:
        return float(term.value)
    except ValueError:
        return None


def read_outline(store: GraphStore, base: str, plan: PlanRef) -> Outline:
    """The plan's focus areas with their measures, its sections and its links."""
    urls = Urls(base)

    def key(iri: str) -> str:
        return urls.key(iri) or iri

    bound = {_PLAN: NamedNode(plan.iri)}
    areas: dict[str, Area] = {}
    measures: dict[str, Measure] = {}
    for row in select(store, _MEASURES, substitutions=bound):
        iri = row["area"].value
        if iri not in areas:
            ja, en = _value(row["areaJa"]) or key(iri), _value(row["areaEn"])
            priority = _value(row["priority"]) == "true"
            order = _int(row["areaOrder"], LAST)
            areas[iri] = Area(iri, iri.rsplit("/", 1)[-1], order, priority, ja, en)
        if row["measure"] is not None and row["measure"].value not in measures:
            m = row["measure"].value
            ja, en = _value(row["ja"]) or key(m), _value(row["en"])
            measures[m] = Measure(m, key(m), _int(row["order"], LAST), ja, en, iri)
    for measure in sorted(measures.values(), key=lambda m: (m.order, m.key)):
        areas[measure.area].measures.append(measure)
    sections: dict[str, Section] = {}
    for row in select(store, _SECTIONS, substitutions=bound):
        iri = row["section"].value
        order = _int(row["order"], LAST)
        known = sections.get(iri)
        if known is None:
            sections[iri] = Section(
                iri, key(iri), order, _value(row["ja"]) or key(iri), _value(row["en"])
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
        for row in select(store, _LINKS, substitutions=bound)
        if row["measure"].value in measures
    ]
    return Outline(
        plan=plan,
        areas=sorted(areas.values(), key=lambda a: (a.order, a.slug)),
        sections=sorted(sections.values(), key=lambda s: (s.order, s.key)),
        links=sorted(links, key=lambda link: link.iri),
    )


def read_evidence(
    store: GraphStore, plan: PlanRef, section: str | None = None, measure: str | None = None
) -> dict[str, list[Evidence]]:
    """Each contribution's evidence (IRI → list, by order), for the plan or for one cell."""
    bound: dict[Variable, Term] = {_PLAN: NamedNode(plan.iri)}
    if section is not None:
        bound[_SECTION] = NamedNode(section)
    if measure is not None:
        bound[_MEASURE] = NamedNode(measure)
    items: dict[tuple[str, str], Evidence] = {}
    for row in select(store, _EVIDENCE, substitutions=bound):
        item = items.setdefault(
            (row["c"].value, row["e"].value), Evidence(_int(row["order"], 0), [], [], [])
        )
        basis = _value(row["basis"])
        if basis and basis not in item.basis:
            item.basis.append(basis)
        for side, quotes in (("section", item.section), ("measure", item.measure)):
            text = _value(row[f"{side}Exact"])
            if text is None:
                continue
            line = _int(row[f"{side}Line"], 0) or None
            href = f"/source/{plan.key}?hl={line}#L{line}" if line else None
            prefix, suffix = _value(row[f"{side}Prefix"]) or "", _value(row[f"{side}Suffix"]) or ""
            quote = Quote(text, prefix, suffix, line, href)
            if quote not in quotes:
                quotes.append(quote)
    found: dict[str, list[Evidence]] = {}
    for (contribution, _), item in sorted(items.items()):
        found.setdefault(contribution, []).append(item)
    for evidence in found.values():
        evidence.sort(key=lambda e: e.order)
    return found


# --- what the user asked to see: parameters, filters, sorts -------------------------------


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


def _choice(args: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = args.get(name, "").strip() or allowed[0]
    if value not in allowed:
        raise Malformed(f"{name}={value!r}: expected one of {', '.join(allowed)}")
    return value


def parse_view(args: Mapping[str, str], outline: Outline) -> View:
    """The view the parameters ask for; a Malformed names the first bad one."""
    area = args.get("area", "").strip() or None
    if area is not None and area not in {a.slug for a in outline.areas}:
        known = ", ".join(a.slug for a in outline.areas)
        raise Malformed(f"area={area!r}: not a focus area of {outline.plan.key} ({known})")
    section = args.get("section", "").strip() or None
    if section is not None and outline.section_by_key(section) is None:
        raise Malformed(f"section={section!r}: not a section of {outline.plan.key}")
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
        raise Malformed(f"min_score={text!r}: expected a number, e.g. 2.5") from None
    if not math.isfinite(value):
        raise Malformed(f"min_score={text!r}: expected a finite number")
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
    plans: list[PlanRef]
    view: View
    lang: str  # the language the table's labels are sorted (and shown) in
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


def rank(link: Link) -> tuple[bool, float]:
    """Of two contributions for one cell, the accepted one, then the higher score, wins."""
    return (link.accepted, link.score or 0.0)


def build_matrix(outline: Outline, plans: list[PlanRef], view: View, lang: str) -> Matrix:
    """The table `view` asks for, its names in `lang`."""
    sections = [s for s in outline.sections if view.section in (None, s.key)]
    areas = [a for a in outline.areas if view.area in (None, a.slug) and a.measures]
    shown_sections = {s.iri for s in sections}
    shown_measures = {m.iri for a in areas for m in a.measures}
    cells: dict[tuple[str, str], Link] = {}
    for link in outline.links:
        in_view = link.section in shown_sections and link.measure in shown_measures
        if in_view and _shown(link, view):
            pair = (link.section, link.measure)
            if pair not in cells or rank(link) > rank(cells[pair]):
                cells[pair] = link
    rows = {s.iri: Totals() for s in sections}
    columns = {m: Totals() for m in shown_measures}
    total = Totals()
    for (section, measure), link in cells.items():
        rows[section] = rows[section].add(link)
        columns[measure] = columns[measure].add(link)
        total = total.add(link)
    if view.sort_sections == "name":
        sections.sort(key=lambda s: (pick(lang, s.label_ja, s.label_en), s.order))
    elif view.sort_sections == "links":
        sections.sort(key=lambda s: (-rows[s.iri].links, s.order))

    def measures(area: Area) -> list[Measure]:
        if view.sort_measures == "sections":
            return sorted(area.measures, key=lambda m: (-columns[m.iri].links, m.order))
        return list(area.measures)

    return Matrix(
        outline=outline,
        plans=plans,
        view=view,
        lang=lang,
        sections=sections,
        areas=[(a, measures(a)) for a in areas],
        cells=cells,
        row_totals=rows,
        column_totals=columns,
        total=total,
    )


def read_matrix(store: GraphStore, base: str, args: Mapping[str, str], lang: str) -> Matrix:
    """The matrix the parameters ask for (`plan`, and the view's; see `parse_view`)."""
    plans = list_plans(store, base)
    outline = read_outline(store, base, choose_plan(plans, args.get("plan")))
    return build_matrix(outline, plans, parse_view(args, outline), lang)


T = TypeVar("T")


def named(args: Mapping[str, str], name: str, find: Callable[[str], T | None]) -> T:
    """The thing parameter `name` names, found by `find`; a Malformed when it is not."""
    key = args.get(name, "").strip()
    if not key:
        raise Malformed(f"{name}= is required")
    found = find(key)
    if found is None:
        raise Malformed(f"{name}={key!r}: not a {name} of this plan")
    return found
