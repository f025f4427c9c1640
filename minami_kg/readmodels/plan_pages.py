"""What the home, section and comparison pages show, read through the store as plain data.

`PlanPages(store, base)` reads for one request: the plans (`plans.list_plans`),
a plan's outline and sections, one section in one plan (its goal paragraph, its
links, the sections it shares measures with) and two sections compared. A
section persists across years, so everything a section "does" is read for one
plan; when no plan is named, the newest plan of the section's ward is meant.
Keys are those of `urls` (`minami/2022`, `minami/section/somu`); a key that is
malformed or names nothing raises a `refusals` exception, in both languages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, QuerySolution, QuerySolutions, Variable

from minami_kg.analysis.network import read_network, section_pairs
from minami_kg.rdf.namespaces import SPARQL_PREFIXES
from minami_kg.readmodels.decisions import ReviewMark, read_reviews
from minami_kg.readmodels.plans import PlanRef, find_plan, list_plans
from minami_kg.readmodels.refusals import Malformed, Refusal, Unknown
from minami_kg.readmodels.sources import source_href
from minami_kg.readmodels.urls import PLAN_KEY, SECTION_KEY, Urls, page_url
from minami_kg.store import GraphStore, select

_OUTLINE = (
    SPARQL_PREFIXES
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
    SPARQL_PREFIXES
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
    SPARQL_PREFIXES
    + """
SELECT ?section ?label ?labelEn WHERE {
  ?section a mkg:Section ; skos:prefLabel ?label . FILTER(lang(?label) = "ja")
  OPTIONAL { ?section skos:prefLabel ?labelEn . FILTER(lang(?labelEn) = "en") }
}
"""
)

_SECTION_GOAL = (
    SPARQL_PREFIXES
    + """
SELECT ?section ?plan ?goal ?text ?line WHERE {
  ?goal a mkg:SectionGoal ; mkg:goalOf ?section ; mkg:inPlan ?plan ; mkg:goalStatement ?text .
  OPTIONAL { ?goal mkg:sourceLine ?line }
}
ORDER BY ?line
"""
)

_SECTION_LINKS = (
    SPARQL_PREFIXES
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
    SPARQL_PREFIXES
    + """
SELECT DISTINCT ?section ?plan ?c ?basis WHERE {
  ?c a mkg:Contribution ; mkg:section ?section ; mkg:inPlan ?plan ; mkg:evidence ?e .
  ?e mkg:basis ?basis .
}
ORDER BY ?c ?basis
"""
)

_SECTION_PARTNERS = (
    SPARQL_PREFIXES
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
    SPARQL_PREFIXES
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
    review: ReviewMark | None = None  # a person's decision on this link (models.decisions)


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
    reviews: list[ReviewMark] = field(default_factory=list)  # rejections included

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


class NoSection(Unknown):
    def __init__(self, key: str) -> None:
        super().__init__(f"課 {key} はグラフにありません", f"no section {key} in the graph")


# --- reading ------------------------------------------------------------------------------


class PlanPages:
    """Reads the pages' data from one store whose IRIs start with `base`.

    One instance serves one request: it keeps the plans and each plan's
    section pairs once read, since a comparison needs them for both sides.
    """

    def __init__(self, store: GraphStore, base: str) -> None:
        self.store = store
        self.urls = Urls(base)
        self.plans = list_plans(store, base)
        self._pairs: dict[str, list[SharedPair]] = {}

    def _rows(self, sparql: str, **bound: str) -> QuerySolutions:
        substitutions = {Variable(k): NamedNode(v) for k, v in bound.items()}
        return select(self.store, sparql, substitutions=substitutions)

    def _key(self, iri: str) -> str:
        return self.urls.key(iri) or iri

    def _href(self, iri: str) -> str:
        return page_url(self._key(iri))

    # plans
    def plan(self, key: str | None, ward: str | None = None) -> PlanRef | None:
        """The plan `key` names (it must be of `ward`, when given), else the newest one."""
        if not key:
            return find_plan(self.plans, None, ward)
        if not PLAN_KEY.fullmatch(key):
            raise Malformed(
                f"plan は「区/年度」の形で指定してください（例 minami/2022）: {key}",
                f"plan must look like <ward>/<fiscal year>, e.g. minami/2022: {key}",
            )
        plan = find_plan(self.plans, key)
        if plan is None or (ward is not None and plan.ward != ward):
            raise Unknown(f"運営方針 {key} はグラフにありません", f"no plan {key} in the graph")
        return plan

    def outline(self, plan: PlanRef) -> PlanOutline:
        """The plan's basic goal, focus areas and measures, in document order."""
        outline = PlanOutline(plan.iri, plan.title, plan.fiscal_year, None, key=plan.key)
        outline.title_en = plan.title_en
        areas: dict[str, AreaOutline] = {}
        for row in self._rows(_OUTLINE, plan=plan.iri):
            outline.basic_goal = outline.basic_goal or _text(row["goal"])
            outline.basic_goal_en = outline.basic_goal_en or _text(row["goalEn"])
            area = areas.get(row["area"].value)
            if area is None:
                area = areas[row["area"].value] = AreaOutline(
                    iri=row["area"].value,
                    label=row["areaLabel"].value,
                    priority=row["priority"].value == "true",
                    label_en=_text(row["areaEn"]),
                )
                outline.areas.append(area)
            if row["measure"] is not None:
                area.measures.append(self._measure(row, "measure", "measureLabel", "measureEn"))
        return outline

    def _measure(self, row: QuerySolution, iri: str, label: str, label_en: str) -> MeasureRow:
        measure = row[iri].value
        return MeasureRow(measure, row[label].value, _text(row[label_en]), self._href(measure))

    # sections
    def sections_to_add(self, measure_key: str, linked: set[str]) -> list[SectionSummary]:
        """The sections of the plan of the measure at `measure_key` (`<ward>/<year>/…`) with
        neither a link nor a candidate to it (`linked`): what a reviewer may add by hand."""
        match = PLAN_KEY.match(measure_key)
        plan = find_plan(self.plans, match.group(0)) if match else None
        if plan is None:
            return []
        return [s for s in self.sections(plan, with_goal=True) if s.iri not in linked]

    def sections(self, plan: PlanRef, *, with_goal: bool = False) -> list[SectionSummary]:
        """The sections of the plan's ward, in the order of their goals in the plan;
        `with_goal`: only those with a goal in it (the plan's own, which a review may name)."""
        rows = self._rows(_SECTIONS, ward=self.urls.iri(plan.ward), plan=plan.iri)
        ordered = []
        for row in rows:
            order = row["order"]
            if order is None and with_goal:
                continue
            rank = int(order.value) if order is not None else 1 << 30
            iri = row["section"].value
            summary = SectionSummary(
                iri,
                self._key(iri),
                row["label"].value,
                _text(row["labelEn"]),
                int(row["measures"].value),
                int(row["candidates"].value),
            )
            ordered.append((rank, summary.label, summary))
        return [s for _rank, _label, s in sorted(ordered, key=lambda x: x[:2])]

    def all_sections(self) -> list[SectionSummary]:
        """The sections of every ward, each ward read in its newest plan."""
        newest = {plan.ward: plan for plan in reversed(self.plans)}
        return [s for plan in self.plans if newest[plan.ward] is plan for s in self.sections(plan)]

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

    def section(self, key: str, plan_key: str | None = None) -> SectionDetail:
        """Everything the section page shows for one plan of its ward (`plan_key`, else the
        newest). Without a plan (the ward has none) only its names and partners are known."""
        match = SECTION_KEY.fullmatch(key)
        if match is None:
            raise NoSection(key)
        ward, slug = match.groups()
        plan = self.plan(plan_key, ward)
        iri = self.urls.iri(key)
        head = list(self._rows(_SECTION_HEAD, section=iri))
        if not head:
            raise NoSection(key)
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
        reviews = read_reviews(self.store, plan.iri, section=iri)
        for link, _area in links:
            link.review = reviews.get((iri, link.measure.iri))
        detail.reviews = list(reviews.values())
        detail.areas = _by_area(pair for pair in links if pair[0].accepted)
        detail.candidates = sorted(
            (link for link, _area in links if not link.accepted),
            key=lambda link: (-link.score, link.measure.iri),
        )
        pairs = self._pairs.get(plan.key) or self.pairs(plan, self.sections(plan))
        detail.shares = _partnerships(iri, pairs)
        return detail

    def compare(self, a_key: str, b_key: str, plan_key: str | None = None) -> Comparison:
        """Two sections side by side; a side that is malformed or unknown is `Malformed`."""
        a, b = (self._side(name, key, plan_key) for name, key in (("a", a_key), ("b", b_key)))
        a_links = {link.measure.iri: (link, area) for area in a.areas for link in area.links}
        b_links = {link.measure.iri: (link, area) for area in b.areas for link in area.links}
        both: dict[str, AreaShared] = {}
        for measure, (link, area) in a_links.items():
            if measure in b_links:
                group = both.setdefault(
                    area.iri, AreaShared(area.iri, area.label, area.label_en, area.priority)
                )
                group.items.append(SharedMeasure(link.measure, link, b_links[measure][0]))
        return Comparison(
            a=a,
            b=b,
            same=a.iri == b.iri,
            both=list(both.values()),
            only_a=_by_area(v for k, v in a_links.items() if k not in b_links),
            only_b=_by_area(v for k, v in b_links.items() if k not in a_links),
            shared_partners=sorted({p.iri for p in a.partners} & {p.iri for p in b.partners}),
            shared_topics=sorted({t.iri for t in a.topics} & {t.iri for t in b.topics}),
        )

    def _side(self, name: str, key: str, plan_key: str | None) -> SectionDetail:
        if SECTION_KEY.fullmatch(key) is None:
            raise Malformed(
                f"{name} は「区/section/課」の形で指定してください（例: minami/section/somu）"
                f": {key}",
                f"{name} must look like <ward>/section/<slug>, e.g. minami/section/somu: {key}",
            )
        try:
            return self.section(key, plan_key)
        except NoSection as err:
            raise Malformed(
                f"{name}: 課 {key} はグラフにありません", f"{name}: no section {key}"
            ) from err
        except Refusal as err:
            raise Malformed(f"{name}: {err.ja}", f"{name}: {err.en}") from err

    def _goal(self, section: str, plan: PlanRef) -> Goal | None:
        rows = list(self._rows(_SECTION_GOAL, section=section, plan=plan.iri))
        if not rows:
            return None
        lines = sorted({int(r["line"].value) for r in rows if r["line"] is not None})
        span = list(range(lines[0], lines[-1] + 1)) if lines else []  # one highlight, all of it
        href = source_href(plan.ward, plan.fiscal_year, span) if lines else None
        return Goal(rows[0]["goal"].value, rows[0]["text"].value, lines, href)

    def _links(self, section: str, plan: PlanRef) -> list[tuple[Link, AreaLinks]]:
        basis: dict[str, list[str]] = {}
        for row in self._rows(_SECTION_BASIS, section=section, plan=plan.iri):
            basis.setdefault(row["c"].value, []).append(row["basis"].value)
        links = []
        for row in self._rows(_SECTION_LINKS, section=section, plan=plan.iri):
            iri = row["c"].value
            area = AreaLinks(
                row["area"].value,
                row["areaLabel"].value,
                _text(row["areaEn"]),
                row["priority"].value == "true",
            )
            link = Link(
                iri=iri,
                href=self._href(iri),
                accepted=row["accepted"].value == "true",
                method=row["method"].value,
                score=float(row["score"].value),
                measure=self._measure(row, "measure", "label", "labelEn"),
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
                self._href(row["thing"].value),
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
