"""Links as quads: contributions with evidence, mentions, the topic scheme, partners.

- `{base}graph/links`: per plan, each `mkg:Contribution` with its `mkg:Evidence`
  (both sides quoted as W3C Web Annotation `oa:TextQuoteSelector`s), the
  `mkg:contributesTo` shortcut for accepted ones, and the `mkg:Mention`s of
  partners, topics and cited plans with their shortcuts (`mkg:involves`,
  `dcterms:subject`, `dcterms:references`);
- `{base}graph/topics`: the curated topic scheme as SKOS;
- `{base}graph/curated`: partners and cited plans, as the curation describes them.
"""

from __future__ import annotations

from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Quad

from minami_kg.curation import Curation
from minami_kg.extract.model import Plan
from minami_kg.link import Contribution, Mention, PlanLinks, Quote, Ref
from minami_kg.rdf.iris import Iris
from minami_kg.rdf.namespaces import DCTERMS, MKG, OA, ORG, SKOS, XSD
from minami_kg.rdf.plan_graph import DocumentInfo, Quads, area_slugs, section_slugs

PARTNER_KINDS = {
    "organization": MKG.PartnerOrganization,
    "organization-type": MKG.PartnerOrganizationType,
    "volunteer-role": MKG.VolunteerRole,
}
SDG = "http://metadata.un.org/sdg/"


class _Places:
    """IRIs of the places of one plan, by `Ref`."""

    def __init__(self, doc: DocumentInfo, plan: Plan, curation: Curation, iris: Iris) -> None:
        self.doc, self.plan, self.iris = doc, plan, iris
        self.areas = area_slugs(plan, curation, doc.ward)
        self.sections = section_slugs(plan, curation)

    def measure(self, area: int, measure: int) -> NamedNode:
        return self.iris.measure(self.doc.ward, self.doc.fiscal_year, self.areas[area], measure + 1)

    def section(self, index: int) -> NamedNode:
        return self.iris.section(self.doc.ward, self.sections[index])

    def place(self, ref: Ref) -> NamedNode:
        """The resource whose text was quoted: a section goal, a measure or an action."""
        ward, fy = self.doc.ward, self.doc.fiscal_year
        if ref.kind == "section":
            return self.iris.in_plan(ward, fy, f"goal/{self.sections[ref.section]}")
        if ref.kind == "action":
            area = self.areas[ref.area]
            return self.iris.action(ward, fy, area, ref.measure + 1, ref.action + 1)
        return self.measure(ref.area, ref.measure)

    def owner(self, ref: Ref) -> NamedNode:
        """Who a mention involves: the section of a goal, the measure of an action."""
        if ref.kind == "section":
            return self.section(ref.section)
        return self.measure(ref.area, ref.measure)


def _quote(q: Quads, node: NamedNode, quote: Quote, places: _Places) -> None:
    selector = NamedNode(f"{node.value}/selector")
    q.types(node, OA.SpecificResource)
    q.add(node, OA.hasSource, places.place(quote.ref))
    q.add(node, OA.hasSelector, selector)
    q.add(node, MKG.sourceLine, Literal(quote.line))
    q.types(selector, OA.TextQuoteSelector)
    q.add(selector, OA.exact, Literal(quote.exact))
    if quote.prefix:
        q.add(selector, OA.prefix, Literal(quote.prefix))
    if quote.suffix:
        q.add(selector, OA.suffix, Literal(quote.suffix))


def _contribution(
    q: Quads, c: Contribution, places: _Places, curation: Curation, plan_iri: NamedNode
) -> None:
    section, measure = places.section(c.section), places.measure(c.area, c.measure)
    node = places.iris.in_plan(
        places.doc.ward,
        places.doc.fiscal_year,
        f"contribution/{places.sections[c.section]}/{places.areas[c.area]}-{c.measure + 1:02d}",
    )
    entry = places.plan.sections[c.section]
    title = places.plan.focus_areas[c.area].measures[c.measure].title
    q.types(node, MKG.Contribution)
    ward = places.doc.ward
    entry_en, title_en = curation.english(entry.name, ward), curation.english(title, ward)
    q.labels(
        node,
        f"{entry.name} → {title}",
        f"{entry_en} → {title_en}" if entry_en and title_en else None,
    )
    q.add(node, MKG.section, section)
    q.add(node, MKG.measure, measure)
    q.add(node, MKG.method, Literal(c.method))
    q.add(node, MKG.score, Literal(str(Decimal(str(c.score))), datatype=XSD.decimal))
    q.add(node, MKG.accepted, Literal(c.accepted))
    q.add(node, MKG.inPlan, plan_iri)
    q.text(node, SKOS.note, c.note)
    if c.accepted:
        q.add(section, MKG.contributesTo, measure)
    for number, evidence in enumerate(c.evidence, start=1):
        item = NamedNode(f"{node.value}/evidence/{number}")
        q.add(node, MKG.evidence, item)
        q.types(item, MKG.Evidence)
        q.text(item, MKG.basis, evidence.basis)
        q.add(item, MKG.order, Literal(number))
        for side, prop, quote in (
            ("section", MKG.sectionSide, evidence.section_side),
            ("measure", MKG.measureSide, evidence.measure_side),
        ):
            side_node = NamedNode(f"{item.value}/{side}")
            q.add(item, prop, side_node)
            _quote(q, side_node, quote, places)


def _mention(
    q: Quads, mention: Mention, kind: str, target: NamedNode, shortcut: NamedNode, places: _Places
) -> None:
    place = places.place(mention.quote.ref)
    node = NamedNode(f"{place.value}/mention/{kind}-{mention.target}")
    q.types(node, MKG.Mention)
    q.add(node, MKG.mentionedIn, place)
    q.add(node, MKG.mentions, target)
    quote_node = NamedNode(f"{node.value}/quote")
    q.add(node, MKG.quote, quote_node)
    _quote(q, quote_node, mention.quote, places)
    subject = places.owner(mention.quote.ref) if shortcut == MKG.involves else place
    q.add(subject, shortcut, target)


def links_quads(
    doc: DocumentInfo, plan: Plan, links: PlanLinks, curation: Curation, iris: Iris
) -> list[Quad]:
    """The `links` graph's share for one plan."""
    q = Quads(iris.graph("links"))
    places = _Places(doc, plan, curation, iris)
    plan_iri = iris.plan(doc.ward, doc.fiscal_year)
    for contribution in links.contributions:
        _contribution(q, contribution, places, curation, plan_iri)
    for mention in links.partners:
        target = iris.partner(mention.target)
        _mention(q, mention, "partner", target, MKG.involves, places)
    for mention in links.topics:
        _mention(q, mention, "topic", iris.topic(mention.target), DCTERMS.subject, places)
    for mention in links.citations:
        target = iris.cited_plan(mention.target)
        _mention(q, mention, "plan", target, DCTERMS.references, places)
    return q.quads


def topic_scheme_quads(curation: Curation, iris: Iris) -> list[Quad]:
    """The topic scheme as SKOS, in its own graph."""
    q = Quads(iris.graph("topics"))
    scheme = iris.topic_scheme()
    q.types(scheme, SKOS.ConceptScheme)
    q.labels(scheme, "区運営方針の話題", "Topics of ward operating policies")
    known = {t.slug for t in curation.topics}
    for topic in curation.topics:
        node = iris.topic(topic.slug)
        q.types(node, SKOS.Concept)
        q.add(node, SKOS.inScheme, scheme)
        q.labels(node, topic.ja, topic.en)
        for alt in topic.alt_ja:
            q.text(node, SKOS.altLabel, alt)
        for alt in topic.alt_en:
            q.text(node, SKOS.altLabel, alt, "en")
        if topic.broader in known:
            broader = iris.topic(topic.broader)
            q.add(node, SKOS.broader, broader)
            q.add(broader, SKOS.narrower, node)
        else:
            q.add(node, SKOS.topConceptOf, scheme)
            q.add(scheme, SKOS.hasTopConcept, node)
        for goal in topic.sdg:
            q.add(node, SKOS.relatedMatch, NamedNode(f"{SDG}{goal}"))
    return q.quads


def curated_quads(curation: Curation, iris: Iris) -> list[Quad]:
    """Partners and cited plans: shared by every plan, described once."""
    q = Quads(iris.graph("curated"))
    for partner in curation.partners:
        node = iris.partner(partner.slug)
        q.types(node, MKG.Partner, ORG.Organization)
        q.types(node, PARTNER_KINDS.get(partner.kind, MKG.PartnerOrganization))
        q.labels(node, partner.ja, partner.en)
        for alias in partner.aliases:
            if alias != partner.ja:
                q.text(node, SKOS.altLabel, alias)
        q.add(node, MKG.isGeneric, Literal(partner.generic))
    for cited in curation.cited_plans:
        node = iris.cited_plan(cited.slug)
        q.types(node, MKG.Plan, MKG.CitedPlan)
        q.labels(node, cited.ja, cited.en)
        for alias in cited.aliases:
            if alias != cited.ja:
                q.text(node, SKOS.altLabel, alias)
        if cited.publisher:
            q.text(node, SKOS.note, f"発行: {cited.publisher}")
    return q.quads
