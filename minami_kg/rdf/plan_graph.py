"""A parsed plan as quads: the plan graph and the ward's organisation graph.

Input is plain data (the `Plan` model, what we know of the document, the
curation); output is a list of pyoxigraph `Quad`s with no blank nodes, so the
same inputs always give the same quads. The shapes in `ontology/shapes.ttl`
describe exactly what is emitted here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Quad

from minami_kg.curation import Curation, Municipality, label_key
from minami_kg.extract.model import AreaKind, FocusArea, Plan, Source
from minami_kg.extract.title import era_year
from minami_kg.localgov import estat_area_iri, six_digit_code
from minami_kg.rdf.iris import Iris
from minami_kg.rdf.namespaces import (
    DCAT,
    DCTERMS,
    FOAF,
    IC,
    MKG,
    ORG,
    PROV,
    RDF,
    SCHEMA,
    SKOS,
    TIME,
    XSD,
)
from minami_kg.rdf.slugs import slugify, unique_slugs


@dataclass(frozen=True)
class DocumentInfo:
    """What is known of the source document besides its text."""

    ward: str  # slug
    ward_name: str  # 南区
    fiscal_year: int
    file_names: tuple[str, ...]  # one file, or the files of a plan published as several
    media_types: tuple[str, ...]  # text/plain, text/html, application/pdf: one per file
    sha256: str  # of the files' bytes, one after the other
    line_count: int
    encoding: str | None = None  # as the manifest or --encoding gave it; None when detected
    city_name: str | None = None
    publisher: str | None = None
    source_url: str | None = None
    licence: str | None = None
    issued: str | None = None
    title: str | None = None  # the document's title as its manifest gives it (出典 lines)
    code: str | None = None  # the ward's five-digit code from the manifest, when not curated


def era_label(fiscal_year: int) -> str:
    """The Japanese name of a fiscal year: 2022 → 令和4年度, 2019 → 令和元年度."""
    return f"{era_year(fiscal_year)}年度"


class Quads:
    """Collects quads for one named graph, skipping empty values."""

    def __init__(self, graph: NamedNode) -> None:
        self.graph = graph
        self.quads: list[Quad] = []

    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal | None) -> None:
        if o is not None:
            self.quads.append(Quad(s, p, o, self.graph))

    def types(self, s: NamedNode, *classes: NamedNode) -> None:
        for cls in classes:
            self.add(s, RDF.type, cls)

    def text(self, s: NamedNode, p: NamedNode, value: str | None, lang: str = "ja") -> None:
        if value:
            self.add(s, p, Literal(value, language=lang))

    def labels(self, s: NamedNode, ja: str, en: str | None) -> None:
        self.text(s, SKOS.prefLabel, ja)
        self.text(s, SKOS.prefLabel, en, "en")

    def source(self, s: NamedNode, source: Source, document: NamedNode) -> None:
        for line in source.lines:
            self.add(s, MKG.sourceLine, Literal(line))
        self.text(s, MKG.sourceText, source.text)
        self.add(s, MKG.sourceDocument, document)


def _licence(q: Quads, s: NamedNode, licence: str | None) -> None:
    if licence and licence.startswith(("http://", "https://")):
        q.add(s, DCTERMS.license, NamedNode(licence))
    else:
        q.text(s, DCTERMS.rights, licence, "en")


def _public_body(
    q: Quads, iris: Iris, body: NamedNode, name: str, curated: Municipality | None
) -> None:
    """What Japanese open data expects of a ward or city: the IMI core vocabulary's
    organisation with its name structure, the six-digit local government code, and
    e-Stat's standard area code (see `minami_kg.localgov`)."""
    q.types(body, IC["組織型"])
    name_node = iris.name_of(body)
    q.add(body, IC["名称"], name_node)
    q.types(name_node, IC["名称型"])
    q.text(name_node, IC["表記"], name)
    if curated and curated.code:
        q.add(body, MKG.localGovernmentCode, Literal(curated.code))
        q.add(body, DCTERMS.identifier, Literal(six_digit_code(curated.code)))
        q.add(body, MKG.statisticalArea, NamedNode(estat_area_iri(curated.code)))


def org_quads(doc: DocumentInfo, plan: Plan, curation: Curation, iris: Iris) -> list[Quad]:
    """The ward, its city and its sections: the `org/{ward}` graph."""
    q = Quads(iris.org_graph(doc.ward))
    ward = iris.ward(doc.ward)
    curated_ward = curation.ward(doc.ward_name)
    q.types(ward, ORG.OrganizationalUnit, SCHEMA.GovernmentOrganization, MKG.Ward)
    q.labels(ward, doc.ward_name, curated_ward.en if curated_ward else None)
    if curated_ward is None and doc.code:  # a ward the curation does not list yet
        curated_ward = Municipality(name=doc.ward_name, slug=doc.ward, code=doc.code)
    _public_body(q, iris, ward, doc.ward_name, curated_ward)

    city_name = doc.city_name or (curated_ward.city if curated_ward else None) or plan.city_name
    full_name = doc.publisher or (f"{city_name}{doc.ward_name}" if city_name else None)
    if full_name != doc.ward_name:
        q.text(ward, SKOS.altLabel, full_name)  # 横浜市南区, as the publisher is named
    if city_name:
        curated_city = curation.city(city_name)
        city = iris.city(curated_city.slug if curated_city else slugify(city_name))
        q.types(city, ORG.FormalOrganization, SCHEMA.GovernmentOrganization, MKG.Municipality)
        q.labels(city, city_name, curated_city.en if curated_city else None)
        _public_body(q, iris, city, city_name, curated_city)
        q.add(city, ORG.hasUnit, ward)
        q.add(ward, ORG.unitOf, city)

    for entry, slug in zip(plan.sections, section_slugs(plan, curation), strict=True):
        section = iris.section(doc.ward, slug)
        q.types(section, MKG.Section)
        q.labels(section, entry.name, curation.english(entry.name, doc.ward))
        q.add(section, ORG.unitOf, ward)
        q.add(ward, ORG.hasUnit, section)
        q.add(section, MKG.hasGoal, iris.in_plan(doc.ward, doc.fiscal_year, f"goal/{slug}"))
        site_slugs = unique_slugs(list(entry.sites), curation.site_slugs, label_key)
        for site_name, site_slug in zip(entry.sites, site_slugs, strict=True):
            site = iris.site(doc.ward, slug, site_slug)
            q.types(site, ORG.Site, SCHEMA.Place)
            q.labels(site, site_name, curation.english(site_name, doc.ward))
            q.add(site, ORG.siteOf, section)
            q.add(section, ORG.hasSite, site)
    return q.quads


def section_slugs(plan: Plan, curation: Curation) -> list[str]:
    return unique_slugs([s.name for s in plan.sections], curation.section_slugs, label_key)


def area_slugs(plan: Plan, curation: Curation, ward: str) -> list[str]:
    """The focus areas' slugs: the ward's curated ones, or romanised names."""
    curated = curation.area_slugs.get(ward, {})
    return unique_slugs([a.name for a in plan.focus_areas], curated, label_key)


def area_kind(area: FocusArea, curation: Curation, ward: str) -> AreaKind:
    """The area's role: as its text says, or as the ward's curation says where the text does not."""
    curated = curation.area_kind(area.name, ward)
    return AreaKind(curated) if curated else area.kind


def plan_quads(doc: DocumentInfo, plan: Plan, curation: Curation, iris: Iris) -> list[Quad]:
    """Everything one document says, in the `plan/{ward}/{fy}` graph."""
    ward, fy = doc.ward, doc.fiscal_year
    q = Quads(iris.plan_graph(ward, fy))
    plan_iri = iris.plan(ward, fy)
    document = iris.in_plan(ward, fy, "document")
    ward_org = iris.ward(ward)
    curated_ward = curation.ward(doc.ward_name)

    # the plan
    q.types(plan_iri, MKG.Plan, MKG.OperatingPolicy)
    q.text(plan_iri, DCTERMS.title, plan.title)
    plan_en = curation.english(plan.title, doc.ward) or (
        f"{curated_ward.en} Operating Policy FY{fy}" if curated_ward and curated_ward.en else None
    )
    q.labels(plan_iri, plan.title, plan_en)
    q.add(plan_iri, MKG.fiscalYear, Literal(str(fy), datatype=XSD.gYear))
    q.add(plan_iri, DCTERMS.publisher, ward_org)
    q.text(plan_iri, DCTERMS.description, plan.policy_intro)
    q.text(plan_iri, MKG.organisationStatement, plan.organisation_intro)
    for note in plan.notes:
        q.text(plan_iri, SKOS.note, note)
    for cross_cutting in plan.statements:  # statements across the focus areas
        q.text(plan_iri, MKG.statement, f"【{cross_cutting.title}】{cross_cutting.text}")
    q.source(plan_iri, plan.source, document)

    # the fiscal year as an interval
    period = iris.fiscal_year(fy)
    q.add(plan_iri, DCTERMS.temporal, period)
    q.types(period, DCTERMS.PeriodOfTime, TIME.Interval)
    q.labels(period, era_label(fy), f"FY{fy}")
    q.add(period, DCAT.startDate, Literal(f"{fy}-04-01", datatype=XSD.date))
    q.add(period, DCAT.endDate, Literal(f"{fy + 1}-03-31", datatype=XSD.date))

    # the source document and its role
    q.types(document, PROV.Entity, SCHEMA.DigitalDocument, FOAF.Document)
    q.text(document, DCTERMS.title, doc.title or plan.title)
    charset = f"; charset={doc.encoding}" if doc.encoding else ""
    for media_type in sorted(set(doc.media_types)):
        q.add(document, DCTERMS.format, Literal(media_type))
        plain = media_type == "text/plain"
        q.add(document, SCHEMA.encodingFormat, Literal(media_type + (charset if plain else "")))
    for file_name in doc.file_names:
        q.add(document, SCHEMA.name, Literal(file_name))
    q.add(document, MKG.sha256, Literal(doc.sha256))
    q.add(document, MKG.lineCount, Literal(doc.line_count))
    q.add(document, DCTERMS.publisher, ward_org)
    if doc.source_url:
        q.add(document, DCTERMS.source, NamedNode(doc.source_url))
    if doc.issued:
        q.add(document, DCTERMS.issued, Literal(doc.issued))
    _licence(q, document, doc.licence)
    qualified = iris.in_plan(ward, fy, "primary-source")
    q.add(plan_iri, PROV.hadPrimarySource, document)
    q.add(plan_iri, PROV.qualifiedPrimarySource, qualified)
    q.types(qualified, PROV.PrimarySource)
    q.add(qualified, PROV.entity, document)

    # the basic goal
    if plan.basic_goal:
        goal = iris.in_plan(ward, fy, "basic-goal")
        q.add(plan_iri, MKG.hasBasicGoal, goal)
        q.types(goal, MKG.BasicGoal)
        q.labels(goal, plan.basic_goal.slogan, curation.english(plan.basic_goal.slogan, doc.ward))
        q.text(goal, MKG.subtitle, plan.basic_goal.subtitle)
        for statement in plan.basic_goal.statements:
            q.text(goal, MKG.statement, statement)
        q.add(goal, MKG.inPlan, plan_iri)
        q.source(goal, plan.basic_goal.source, document)

    # focus areas, measures, actions
    for area_no, (area, slug) in enumerate(
        zip(plan.focus_areas, area_slugs(plan, curation, doc.ward), strict=True), start=1
    ):
        area_iri = iris.in_plan(ward, fy, f"area/{slug}")
        q.add(plan_iri, MKG.hasFocusArea, area_iri)
        q.types(area_iri, MKG.FocusArea)
        kind = area_kind(area, curation, doc.ward)
        if kind is AreaKind.FOUNDATION:
            q.types(area_iri, MKG.FoundationArea)
        elif kind is AreaKind.CATCH_ALL:
            q.types(area_iri, MKG.SteadyWorkArea)
        q.labels(area_iri, area.name, curation.english(area.name, doc.ward))
        q.add(area_iri, MKG.isPriority, Literal(area.is_priority))
        q.add(area_iri, MKG.order, Literal(area_no))
        if area.number is not None:
            q.add(area_iri, MKG.number, Literal(area.number))
        q.text(area_iri, DCTERMS.description, area.description)
        for statement in area.statements:
            q.text(area_iri, MKG.statement, statement)
        q.add(area_iri, MKG.inPlan, plan_iri)
        q.source(area_iri, _joined(area.source, area.description_source), document)

        for measure_no, measure in enumerate(area.measures, start=1):
            measure_iri = iris.measure(ward, fy, slug, measure_no)
            q.types(measure_iri, MKG.Measure)
            q.labels(measure_iri, measure.title, curation.english(measure.title, doc.ward))
            q.add(measure_iri, MKG.inFocusArea, area_iri)
            q.add(measure_iri, MKG.inPlan, plan_iri)
            q.add(measure_iri, MKG.order, Literal(measure_no))
            _flags(q, measure_iri, measure.flags)
            q.source(measure_iri, measure.source, document)
            for action_no, action in enumerate(measure.actions, start=1):
                action_iri = iris.action(ward, fy, slug, measure_no, action_no)
                q.add(measure_iri, MKG.hasAction, action_iri)
                q.types(action_iri, MKG.Action)
                q.labels(action_iri, action.text, curation.english(action.text, doc.ward))
                q.add(action_iri, MKG.actionOf, measure_iri)
                q.add(action_iri, MKG.inPlan, plan_iri)
                q.add(action_iri, MKG.order, Literal(action_no))
                _flags(q, action_iri, action.flags)
                q.source(action_iri, action.source, document)

    # organisational principles
    for number, principle in enumerate(plan.principles, start=1):
        principle_iri = iris.in_plan(ward, fy, f"principle/{number}")
        q.add(plan_iri, MKG.hasPrinciple, principle_iri)
        q.types(principle_iri, MKG.OrganisationalPrinciple)
        q.labels(principle_iri, principle.title, curation.english(principle.title, doc.ward))
        q.text(principle_iri, DCTERMS.description, principle.text)
        q.add(principle_iri, MKG.inPlan, plan_iri)
        q.add(principle_iri, MKG.order, Literal(number))
        q.source(principle_iri, principle.source, document)

    # each section's goal for this year
    for number, (entry, slug) in enumerate(
        zip(plan.sections, section_slugs(plan, curation), strict=True), start=1
    ):
        goal_iri = iris.in_plan(ward, fy, f"goal/{slug}")
        q.types(goal_iri, MKG.SectionGoal)
        section_en = curation.english(entry.name, doc.ward)
        goal_en = f"Goals of the {section_en}" if section_en else None
        q.labels(goal_iri, f"{entry.name}の取組目標", goal_en)
        q.add(goal_iri, MKG.goalOf, iris.section(ward, slug))
        q.add(goal_iri, MKG.inPlan, plan_iri)
        q.text(goal_iri, MKG.goalStatement, entry.goal)
        q.add(goal_iri, MKG.order, Literal(number))
        q.source(goal_iri, entry.source, document)

    # the contact point
    if plan.contact:
        contact = iris.in_plan(ward, fy, "contact")
        q.add(plan_iri, SCHEMA.contactPoint, contact)
        # the same numbers in the IMI core vocabulary, and the ward office's own link to them
        q.add(ward_org, IC["連絡先"], contact)
        q.types(contact, SCHEMA.ContactPoint, IC["連絡先型"])
        q.text(contact, SCHEMA.name, plan.contact.office or plan.title)
        for prop, value in (
            (SCHEMA.telephone, plan.contact.telephone),
            (SCHEMA.faxNumber, plan.contact.fax),
            (SCHEMA.email, plan.contact.email),
            (IC["電話番号"], plan.contact.telephone),
            (IC["FAX番号"], plan.contact.fax),
        ):
            if value:
                q.add(contact, prop, Literal(value))
        q.source(contact, plan.contact.source, document)

    return q.quads


def _joined(first: Source, second: Source | None) -> Source:
    """One source for a heading and the paragraph below it."""
    if second is None:
        return first
    by_line = dict(zip(first.lines, first.text.split("\n"), strict=False))
    by_line.update(zip(second.lines, second.text.split("\n"), strict=False))
    lines = sorted(by_line)
    return Source(lines=tuple(lines), text="\n".join(by_line[n] for n in lines))


def _flags(q: Quads, subject: NamedNode, flags: Iterable[str]) -> None:
    for flag in flags:
        q.add(subject, MKG.flag, Literal(flag))
