"""What the home, section and comparison pages show, read through the store as plain data.

Nothing here knows about Flask: every function takes the `GraphStore` and the
base IRI, binds IRIs as terms (`substitutions`), and returns dataclasses that
the views render twice, as HTML and as JSON. A section persists across years,
so everything a section "does" is read for one plan: its goal paragraph, its
links (contributions) and the sections it shares measures with. When no plan
is named, the newest plan of the ward is meant.

Keys: a plan is named `<ward>/<fy>` and a section `<ward>/section/<slug>`,
the part of their IRIs after `{base}id/`, so links stay readable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, QuerySolutions, Variable

from minami_kg.analysis.network import read_network, section_pairs
from minami_kg.store import GraphStore

PREFIXES = """
PREFIX mkg: <https://w3id.org/minami-kg/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

PLAN_KEY = re.compile(r"([a-z0-9-]+)/(\d{4})")
SECTION_KEY = re.compile(r"([a-z0-9-]+)/section/([a-z0-9-]+)")

_PLAN = Variable("plan")
_SECTION = Variable("section")
_WARD = Variable("ward")

# Only a plan read from a document has focus areas; plans it merely cites do not.
_PLANS = (
    PREFIXES
    + """
SELECT ?plan ?fy ?title ?titleEn WHERE {
  ?plan a mkg:Plan ; mkg:fiscalYear ?fy ; skos:prefLabel ?title .
  FILTER(lang(?title) = "ja")
  FILTER EXISTS { ?plan mkg:hasFocusArea ?area }
  OPTIONAL { ?plan skos:prefLabel ?titleEn . FILTER(lang(?titleEn) = "en") }
}
ORDER BY DESC(?fy) ?plan
"""
)

_OUTLINE = (
    PREFIXES
    + """
SELECT ?plan ?goal ?goalEn ?area ?areaLabel ?areaEn ?areaOrder ?priority
       ?measure ?measureLabel ?measureOrder ?measureEn
WHERE {
  ?plan mkg:hasFocusArea ?area .
  ?area skos:prefLabel ?areaLabel ; mkg:order ?areaOrder ; mkg:isPriority ?priority .
  FILTER(lang(?areaLabel) = "ja")
  OPTIONAL { ?area skos:prefLabel ?areaEn . FILTER(lang(?areaEn) = "en") }
  OPTIONAL { ?plan mkg:hasBasicGoal/skos:prefLabel ?goal . FILTER(lang(?goal) = "ja") }
  OPTIONAL { ?plan mkg:hasBasicGoal/skos:prefLabel ?goalEn . FILTER(lang(?goalEn) = "en") }
  OPTIONAL {
    ?measure mkg:inFocusArea ?area ; mkg:order ?measureOrder ; skos:prefLabel ?measureLabel .
    FILTER(lang(?measureLabel) = "ja")
    OPTIONAL { ?measure skos:prefLabel ?measureEn . FILTER(lang(?measureEn) = "en") }
  }
}
ORDER BY ?areaOrder ?measureOrder
"""
)

# pyoxigraph binds only projected variables: every query selects the ones it is given.
# Two OPTIONALs multiply each other's rows; COUNT(DISTINCT) keeps the counts true.
_SECTIONS = (
    PREFIXES
    + """
SELECT ?ward ?plan ?section ?label ?labelEn (MIN(?goalOrder) AS ?order)
       (COUNT(DISTINCT ?measure) AS ?measures) (COUNT(DISTINCT ?candidate) AS ?candidates)
WHERE {
  ?section a mkg:Section ; org:unitOf ?ward ; skos:prefLabel ?label .
  FILTER(lang(?label) = "ja")
  OPTIONAL { ?section skos:prefLabel ?labelEn . FILTER(lang(?labelEn) = "en") }
  OPTIONAL { ?goal mkg:goalOf ?section ; mkg:inPlan ?plan ; mkg:order ?goalOrder }
  OPTIONAL {
    ?c a mkg:Contribution ; mkg:section ?section ; mkg:inPlan ?plan ;
       mkg:accepted true ; mkg:measure ?measure .
  }
  OPTIONAL {
    ?k a mkg:Contribution ; mkg:section ?section ; mkg:inPlan ?plan ;
       mkg:accepted false ; mkg:measure ?candidate .
  }
}
GROUP BY ?ward ?plan ?section ?label ?labelEn
"""
)

_SECTION_HEAD = (
    PREFIXES
    + """
SELECT ?section ?label ?labelEn WHERE {
  ?section a mkg:Section ; skos:prefLabel ?label . FILTER(lang(?label) = "ja")
  OPTIONAL { ?section skos:prefLabel ?labelEn . FILTER(lang(?labelEn) = "en") }
}
"""
)

_SECTION_GOAL = (
    PREFIXES
    + """
SELECT ?section ?plan ?goal ?text ?line WHERE {
  ?goal a mkg:SectionGoal ; mkg:goalOf ?section ; mkg:inPlan ?plan ; mkg:goalStatement ?text .
  OPTIONAL { ?goal mkg:sourceLine ?line }
}
ORDER BY ?line
"""
)

_SECTION_LINKS = (
    PREFIXES
    + """
SELECT ?section ?plan ?c ?accepted ?method ?score ?measure ?label ?labelEn ?measureOrder
       ?area ?areaLabel ?areaEn ?areaOrder ?priority
WHERE {
  ?c a mkg:Contribution ; mkg:section ?section ; mkg:inPlan ?plan ; mkg:measure ?measure ;
     mkg:method ?method ; mkg:score ?score ; mkg:accepted ?accepted .
  ?measure skos:prefLabel ?label ; mkg:order ?measureOrder ; mkg:inFocusArea ?area .
  FILTER(lang(?label) = "ja")
  OPTIONAL { ?measure skos:prefLabel ?labelEn . FILTER(lang(?labelEn) = "en") }
  ?area skos:prefLabel ?areaLabel ; mkg:order ?areaOrder ; mkg:isPriority ?priority .
  FILTER(lang(?areaLabel) = "ja")
  OPTIONAL { ?area skos:prefLabel ?areaEn . FILTER(lang(?areaEn) = "en") }
}
ORDER BY ?areaOrder ?measureOrder
"""
)

_SECTION_BASIS = (
    PREFIXES
    + """
SELECT DISTINCT ?section ?plan ?c ?basis WHERE {
  ?c a mkg:Contribution ; mkg:section ?section ; mkg:inPlan ?plan ; mkg:evidence ?e .
  ?e mkg:basis ?basis .
}
ORDER BY ?c ?basis
"""
)

_SECTION_PARTNERS = (
    PREFIXES
    + """
SELECT DISTINCT ?section ?thing ?label ?labelEn WHERE {
  ?section mkg:involves ?thing .
  ?thing skos:prefLabel ?label . FILTER(lang(?label) = "ja")
  OPTIONAL { ?thing skos:prefLabel ?labelEn . FILTER(lang(?labelEn) = "en") }
}
ORDER BY ?label
"""
)

_SECTION_TOPICS = (
    PREFIXES
    + """
SELECT DISTINCT ?section ?plan ?thing ?label ?labelEn WHERE {
  ?goal mkg:goalOf ?section ; mkg:inPlan ?plan ; dcterms:subject ?thing .
  ?thing skos:prefLabel ?label . FILTER(lang(?label) = "ja")
  OPTIONAL { ?thing skos:prefLabel ?labelEn . FILTER(lang(?labelEn) = "en") }
}
ORDER BY ?label
"""
)


# --- the plain data -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRef:
    """A plan read from a document: `key` is `<ward>/<fy>`."""

    iri: str
    key: str
    ward: str
    fiscal_year: str
    title: str
    title_en: str | None


@dataclass
class MeasureRow:
    iri: str
    label: str
    label_en: str | None
    href: str = ""


@dataclass
class AreaOutline:
    iri: str
    label: str
    priority: bool
    measures: list[MeasureRow] = field(default_factory=list)
    label_en: str | None = None


@dataclass
class PlanOutline:
    iri: str
    title: str
    fiscal_year: str
    basic_goal: str | None
    areas: list[AreaOutline] = field(default_factory=list)
    key: str = ""
    title_en: str | None = None
    basic_goal_en: str | None = None

    @property
    def measure_count(self) -> int:
        return sum(len(a.measures) for a in self.areas)


@dataclass(frozen=True)
class SectionSummary:
    """A section with the number of measures it carries (accepted) and candidates, in a plan."""

    iri: str
    key: str
    label: str
    label_en: str | None
    measures: int
    candidates: int


@dataclass(frozen=True)
class SharedPair:
    """Two sections (by key) and how many measures both carry in a plan."""

    a: SectionSummary
    b: SectionSummary
    shared: int
    measures: list[str]


@dataclass(frozen=True)
class Named:
    """A partner or a topic: something with a page and a name in two languages."""

    iri: str
    label: str
    label_en: str | None
    href: str


@dataclass
class Link:
    """One contribution of the section: accepted (it carries the measure) or a candidate."""

    iri: str
    href: str  # the contribution's page, which shows the evidence
    accepted: bool
    method: str
    score: float
    measure: MeasureRow
    basis: list[str] = field(default_factory=list)


@dataclass
class AreaLinks:
    """The links of one focus area, in document order."""

    iri: str
    label: str
    label_en: str | None
    priority: bool
    links: list[Link] = field(default_factory=list)


@dataclass(frozen=True)
class SharedMeasure:
    """A measure both sections carry, with each one's link to it."""

    measure: MeasureRow
    a: Link
    b: Link


@dataclass
class AreaShared:
    iri: str
    label: str
    label_en: str | None
    priority: bool
    items: list[SharedMeasure] = field(default_factory=list)


@dataclass(frozen=True)
class Goal:
    iri: str
    text: str
    lines: list[int]
    source_href: str | None


@dataclass(frozen=True)
class Partnership:
    """Another section and the number of measures this one shares with it."""

    section: SectionSummary
    shared: int
    measures: list[str]


@dataclass
class SectionDetail:
    iri: str
    key: str
    ward: str
    slug: str
    label: str
    label_en: str | None
    plan: PlanRef | None
    goal: Goal | None
    areas: list[AreaLinks]  # accepted links, grouped by focus area
    candidates: list[Link]  # links found but not accepted, best score first
    partners: list[Named]
    topics: list[Named]
    shares: list[Partnership]

    @property
    def measure_count(self) -> int:
        return sum(len(a.links) for a in self.areas)

    @property
    def measure_iris(self) -> set[str]:
        return {link.measure.iri for a in self.areas for link in a.links}


@dataclass
class Comparison:
    """Two sections side by side: measures both carry, only one carries, and who they name."""

    a: SectionDetail
    b: SectionDetail
    same: bool
    both: list[AreaShared]
    only_a: list[AreaLinks]
    only_b: list[AreaLinks]
    shared_partners: list[str]  # IRIs named by both
    shared_topics: list[str]


# --- reading ------------------------------------------------------------------------------


class PlanViews:
    """Reads the pages' data from one store whose IRIs start with `base`.

    One instance serves one request: it keeps the plans and each plan's
    section pairs once read, since a comparison needs them for both sides.
    """

    def __init__(self, store: GraphStore, base: str) -> None:
        self.store = store
        self.base = base
        self.id_base = base + "id/"
        self._plans: list[PlanRef] | None = None
        self._pairs: dict[str, list[SharedPair]] = {}

    def _rows(self, sparql: str, **bound: str) -> QuerySolutions:
        substitutions = {Variable(k): NamedNode(v) for k, v in bound.items()}
        result = self.store.query(sparql, substitutions=substitutions or None)
        assert isinstance(result, QuerySolutions)
        return result

    def key(self, iri: str) -> str:
        return iri[len(self.id_base) :] if iri.startswith(self.id_base) else iri

    def page_href(self, iri: str) -> str:
        return "/page/" + self.key(iri)

    def ward_iri(self, ward: str) -> str:
        return self.id_base + ward

    def section_iri(self, key: str) -> str:
        return self.id_base + key

    # plans
    def plans(self) -> list[PlanRef]:
        """Plans read from documents, newest first."""
        if self._plans is None:
            self._plans = self._read_plans()
        return self._plans

    def _read_plans(self) -> list[PlanRef]:
        found = []
        for row in self._rows(_PLANS):
            iri = row["plan"].value
            match = PLAN_KEY.fullmatch(self.key(iri))
            if match is None:
                continue
            found.append(
                PlanRef(
                    iri,
                    match.group(0),
                    match.group(1),
                    row["fy"].value,
                    row["title"].value,
                    _text(row["titleEn"]),
                )
            )
        return found

    def plan(self, key: str | None, ward: str | None = None) -> PlanRef | None:
        """The plan named `key`, else the newest (of `ward`, when given); None if there is none."""
        for plan in self.plans():
            if key is not None:
                if plan.key == key:
                    return plan
            elif ward is None or plan.ward == ward:
                return plan
        return None

    def outline(self, plan: PlanRef) -> PlanOutline:
        """The plan's basic goal, focus areas and measures, in document order."""
        outline = PlanOutline(plan.iri, plan.title, plan.fiscal_year, None, key=plan.key)
        outline.title_en = plan.title_en
        areas: dict[str, AreaOutline] = {}
        for row in self._rows(_OUTLINE, plan=plan.iri):
            outline.basic_goal = outline.basic_goal or _text(row["goal"])
            outline.basic_goal_en = outline.basic_goal_en or _text(row["goalEn"])
            area_iri = row["area"].value
            area = areas.get(area_iri)
            if area is None:
                area = areas[area_iri] = AreaOutline(
                    iri=area_iri,
                    label=row["areaLabel"].value,
                    priority=row["priority"].value == "true",
                    label_en=_text(row["areaEn"]),
                )
                outline.areas.append(area)
            if row["measure"] is not None:
                iri = row["measure"].value
                area.measures.append(
                    MeasureRow(
                        iri, row["measureLabel"].value, _text(row["measureEn"]), self.page_href(iri)
                    )
                )
        return outline

    # sections
    def sections(self, plan: PlanRef) -> list[SectionSummary]:
        """The sections of the plan's ward, in the order of their goals in the plan."""
        rows = self._rows(_SECTIONS, ward=self.ward_iri(plan.ward), plan=plan.iri)
        ordered = []
        for row in rows:
            order = row["order"]
            rank = int(order.value) if order is not None else 1 << 30
            iri = row["section"].value
            summary = SectionSummary(
                iri,
                self.key(iri),
                row["label"].value,
                _text(row["labelEn"]),
                int(row["measures"].value),
                int(row["candidates"].value),
            )
            ordered.append((rank, summary.label, summary))
        return [s for _rank, _label, s in sorted(ordered, key=lambda x: x[:2])]

    def pairs(self, plan: PlanRef, sections: list[SectionSummary]) -> list[SharedPair]:
        """Pairs of the plan's sections that share measures, most shared first."""
        if plan.key not in self._pairs:
            by_iri = {s.iri: s for s in sections}
            network = read_network(self.store, plan.iri)
            self._pairs[plan.key] = [
                SharedPair(by_iri[p.a], by_iri[p.b], p.weight, list(p.shared))
                for p in section_pairs(network)
                if p.a in by_iri and p.b in by_iri
            ]
        return self._pairs[plan.key]

    def section(self, key: str, plan: PlanRef | None) -> SectionDetail | None:
        """Everything the section page shows for one plan of its ward; None if unknown.

        Without a plan (the ward has none) only its names and partners are known.
        """
        match = SECTION_KEY.fullmatch(key)
        if match is None:
            return None
        ward, slug = match.groups()
        iri = self.section_iri(key)
        head = list(self._rows(_SECTION_HEAD, section=iri))
        if not head:
            return None
        detail = SectionDetail(
            iri=iri,
            key=key,
            ward=ward,
            slug=slug,
            label=head[0]["label"].value,
            label_en=_text(head[0]["labelEn"]),
            plan=plan,
            goal=None,
            areas=[],
            candidates=[],
            partners=self._named(_SECTION_PARTNERS, section=iri),
            topics=[],
            shares=[],
        )
        if plan is None:
            return detail
        detail.goal = self._goal(iri, plan)
        detail.topics = self._named(_SECTION_TOPICS, section=iri, plan=plan.iri)
        links = self._links(iri, plan)
        detail.areas = _by_area(pair for pair in links if pair[0].accepted)
        detail.candidates = sorted(
            (link for link, _area in links if not link.accepted),
            key=lambda link: (-link.score, link.measure.iri),
        )
        pairs = self._pairs.get(plan.key) or self.pairs(plan, self.sections(plan))
        detail.shares = _partnerships(iri, pairs)
        return detail

    def compare(self, a: SectionDetail, b: SectionDetail) -> Comparison:
        """Measures in common and apart, grouped by focus area; partners and topics in common."""
        a_links = {link.measure.iri: (link, area) for area in a.areas for link in area.links}
        b_links = {link.measure.iri: (link, area) for area in b.areas for link in area.links}

        both: dict[str, AreaShared] = {}
        for measure, (link, area) in a_links.items():
            if measure in b_links:
                group = both.setdefault(
                    area.iri, AreaShared(area.iri, area.label, area.label_en, area.priority)
                )
                group.items.append(SharedMeasure(link.measure, link, b_links[measure][0]))
        only_a = _by_area(v for k, v in a_links.items() if k not in b_links)
        only_b = _by_area(v for k, v in b_links.items() if k not in a_links)
        return Comparison(
            a=a,
            b=b,
            same=a.iri == b.iri,
            both=list(both.values()),
            only_a=only_a,
            only_b=only_b,
            shared_partners=sorted({p.iri for p in a.partners} & {p.iri for p in b.partners}),
            shared_topics=sorted({t.iri for t in a.topics} & {t.iri for t in b.topics}),
        )

    def _goal(self, section: str, plan: PlanRef) -> Goal | None:
        rows = list(self._rows(_SECTION_GOAL, section=section, plan=plan.iri))
        if not rows:
            return None
        lines = sorted({int(r["line"].value) for r in rows if r["line"] is not None})
        href = None
        if lines:
            first, last = lines[0], lines[-1]
            span = f"{first}-{last}" if last != first else str(first)
            href = f"/source/{plan.ward}/{plan.fiscal_year}?hl={span}#L{first}"
        return Goal(rows[0]["goal"].value, rows[0]["text"].value, lines, href)

    def _links(self, section: str, plan: PlanRef) -> list[tuple[Link, AreaLinks]]:
        basis: dict[str, list[str]] = {}
        for row in self._rows(_SECTION_BASIS, section=section, plan=plan.iri):
            basis.setdefault(row["c"].value, []).append(row["basis"].value)
        links = []
        for row in self._rows(_SECTION_LINKS, section=section, plan=plan.iri):
            iri = row["c"].value
            measure = row["measure"].value
            area = AreaLinks(
                row["area"].value,
                row["areaLabel"].value,
                _text(row["areaEn"]),
                row["priority"].value == "true",
            )
            link = Link(
                iri=iri,
                href=self.page_href(iri),
                accepted=row["accepted"].value == "true",
                method=row["method"].value,
                score=float(row["score"].value),
                measure=MeasureRow(
                    measure, row["label"].value, _text(row["labelEn"]), self.page_href(measure)
                ),
                basis=basis.get(iri, []),
            )
            links.append((link, area))
        return links

    def _named(self, sparql: str, **bound: str) -> list[Named]:
        return [
            Named(
                row["thing"].value,
                row["label"].value,
                _text(row["labelEn"]),
                self.page_href(row["thing"].value),
            )
            for row in self._rows(sparql, **bound)
        ]


# --- helpers ------------------------------------------------------------------------------


def _text(term: object) -> str | None:
    return term.value if isinstance(term, Literal) else None


def _by_area(pairs: Iterable[tuple[Link, AreaLinks]]) -> list[AreaLinks]:
    """Links grouped under their focus area, keeping the order they come in."""
    areas: dict[str, AreaLinks] = {}
    for link, area in pairs:
        group = areas.setdefault(
            area.iri, AreaLinks(area.iri, area.label, area.label_en, area.priority)
        )
        group.links.append(link)
    return list(areas.values())


def _partnerships(section: str, pairs: list[SharedPair]) -> list[Partnership]:
    """The other side of every pair `section` is in, most shared first."""
    found = []
    for pair in pairs:
        if pair.a.iri == section:
            found.append(Partnership(pair.b, pair.shared, pair.measures))
        elif pair.b.iri == section:
            found.append(Partnership(pair.a, pair.shared, pair.measures))
    return sorted(found, key=lambda p: (-p.shared, p.section.label))
