"""Review decisions as PROV-O activities in `{base}graph/curated`.

A link decided through the review (an override entry of
`data/curation/link-overrides.toml` with `reviewer` and `decided`, written by
`minami_kg.review`) becomes one `mkg:ReviewDecision` (a `prov:Activity`):

    <{plan}/decision/{section}/{area}-{nn}> a prov:Activity, mkg:ReviewDecision ;
        mkg:decision "accept" ;              # accept | reject | add
        mkg:previousStatus "candidate" ;     # the link before: candidate | accepted | none
        prov:wasAssociatedWith <{base}id/reviewer/{hash}> ;   # a prov:Person, its display name
        prov:endedAtTime "2026-12-04T10:15:00+09:00"^^xsd:dateTime ;
        rdfs:comment "the note"@ja ;
        prov:used <section>, <measure> ;
        mkg:replacesDecision <…/replaced> .  # the earlier decision it replaced, if any
    <contribution> prov:wasGeneratedBy <…decision…> .       # accept and add
    <…decision…> prov:invalidated <contribution> .          # reject: the link it removed

The build writes these from the file, so a decision lasts through every
rebuild; the review applies the same function, so the store after a decision
equals the store after a rebuild. The reviewer's IRI is a hash of the display
name: stable, and it does not publish the account's sign-in name.
"""

from __future__ import annotations

import hashlib

from pyoxigraph import Literal, NamedNode, Quad

from minami_kg.curation import Curation, LabelReview, LinkOverride, Review, label_key
from minami_kg.extract.model import Plan
from minami_kg.rdf.iris import Iris
from minami_kg.rdf.namespaces import MKG, PROV, RDFS, XSD
from minami_kg.rdf.plan_graph import DocumentInfo, Quads, area_slugs, section_slugs


def reviewer_iri(iris: Iris, display_name: str) -> NamedNode:
    digest = hashlib.sha256(display_name.encode()).hexdigest()[:16]
    return NamedNode(f"{iris.id_base}reviewer/{digest}")


def pair_path(section_slug: str, area_slug: str, measure_number: int) -> str:
    """The part of a decision's or a contribution's IRI after the plan and its kind."""
    return f"{section_slug}/{area_slug}-{measure_number:02d}"


def _activity(q: Quads, node: NamedNode, review: Review, iris: Iris) -> None:
    q.types(node, PROV.Activity, MKG.ReviewDecision)
    day = review.decided.date().isoformat()
    q.text(node, RDFS.label, f"人手で確認：{review.reviewer} {day}")
    q.text(node, RDFS.label, f"Reviewed by {review.reviewer} on {day}", "en")
    q.add(node, MKG.decision, Literal(review.decision))
    if review.decision != "label":
        q.add(node, MKG.previousStatus, Literal(review.was))
    agent = reviewer_iri(iris, review.reviewer)
    q.add(node, PROV.wasAssociatedWith, agent)
    q.types(agent, PROV.Agent, PROV.Person)
    q.add(agent, RDFS.label, Literal(review.reviewer))  # a name: no language
    q.add(node, PROV.endedAtTime, Literal(review.decided.isoformat(), datatype=XSD.dateTime))
    q.text(node, RDFS.comment, review.note)


def _applies(o: LinkOverride, doc: DocumentInfo) -> bool:
    return (o.ward is None or o.ward == doc.ward) and (
        o.fiscal_year is None or o.fiscal_year == doc.fiscal_year
    )


def decision_quads(doc: DocumentInfo, plan: Plan, curation: Curation, iris: Iris) -> list[Quad]:
    """The review decisions that apply to one plan (the last one per pair, as the linker)."""
    q = Quads(iris.graph("curated"))
    sections = {label_key(s.name): i for i, s in enumerate(plan.sections)}
    measures = {
        label_key(m.title): (a, j)
        for a, area in enumerate(plan.focus_areas)
        for j, m in enumerate(area.measures)
    }
    section_slug, area_slug = section_slugs(plan, curation), area_slugs(plan, curation, doc.ward)
    last: dict[tuple[int, int, int], LinkOverride] = {}
    for o in curation.overrides:
        section = sections.get(label_key(o.section))
        measure = measures.get(label_key(o.measure))
        if _applies(o, doc) and section is not None and measure is not None:
            last[(section, *measure)] = o
    for (section, a, j), o in sorted(last.items()):
        if o.review is None:
            continue
        path = pair_path(section_slug[section], area_slug[a], j + 1)
        node = iris.in_plan(doc.ward, doc.fiscal_year, f"decision/{path}")
        contribution = iris.in_plan(doc.ward, doc.fiscal_year, f"contribution/{path}")
        _activity(q, node, o.review, iris)
        q.add(node, PROV.used, iris.section(doc.ward, section_slug[section]))
        q.add(node, PROV.used, iris.measure(doc.ward, doc.fiscal_year, area_slug[a], j + 1))
        if o.action == "reject":
            q.add(node, PROV.invalidated, contribution)
        else:
            q.add(contribution, PROV.wasGeneratedBy, node)
        if o.replaces is not None:
            earlier = NamedNode(f"{node.value}/replaced")
            _activity(q, earlier, o.replaces, iris)
            q.add(node, MKG.replacesDecision, earlier)
    return q.quads


def label_review_quads(curation: Curation, iris: Iris) -> list[Quad]:
    """English labels set through the review, each a `mkg:ReviewDecision` ("label").

    One per labelled thing (its last review), and only while labels-en.toml still
    gives the label that review set: a label edited by hand since has no reviewer.

        <{thing}/label-review> a prov:Activity, mkg:ReviewDecision ;
            mkg:decision "label" ; prov:used <{thing}> ;
            mkg:replacedLabel "the English label before"@en ; … (who, when, why as above)
    """
    q = Quads(iris.graph("curated"))
    last: dict[str, LabelReview] = {}
    for record in curation.label_reviews:
        last[record.thing] = record
    for thing, record in sorted(last.items()):
        if curation.labels_en.get(record.ward, {}).get(label_key(record.ja)) != record.en:
            continue
        node = NamedNode(f"{iris.id_base}{thing}/label-review")
        _activity(q, node, record.review, iris)
        q.add(node, PROV.used, NamedNode(f"{iris.id_base}{thing}"))
        q.text(node, MKG.replacedLabel, record.review.was or None, "en")
    return q.quads
