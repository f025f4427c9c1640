"""The ontology and the SHACL shapes: complete, bilingual, and strict where they should be.

The example graph below follows what the build emits (see the ontology's comments and
DESIGN.md); the broken variants are that graph with one thing wrong, and each must produce a
violation at the place that is wrong.
"""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_FILE = ROOT / "ontology" / "minami-kg.ttl"
SHAPES_FILE = ROOT / "ontology" / "shapes.ttl"

MKG = Namespace("https://w3id.org/minami-kg/def#")
MKGSH = Namespace("https://w3id.org/minami-kg/shapes#")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("https://schema.org/")
IC = Namespace("http://imi.go.jp/ns/core/rdf#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
OA = Namespace("http://www.w3.org/ns/oa#")
TIME = Namespace("http://www.w3.org/2006/time#")
VANN = Namespace("http://purl.org/vocab/vann/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
ONTOLOGY_IRI = URIRef("https://w3id.org/minami-kg/def")
BASE = "http://127.0.0.1:8000/"

# What the build emits, and what the link stage will emit next.
MKG_CLASSES = [
    "Plan", "OperatingPolicy", "CitedPlan", "BasicGoal", "FocusArea", "FoundationArea",
    "SteadyWorkArea", "Measure", "Action", "OrganisationalPrinciple", "SectionGoal", "Section",
    "Ward", "Municipality", "Partner", "PartnerOrganization", "PartnerOrganizationType",
    "VolunteerRole", "Contribution", "Evidence", "Mention",
]  # fmt: skip
MKG_OBJECT_PROPERTIES = [
    "inPlan", "hasBasicGoal", "hasFocusArea", "hasPrinciple", "inFocusArea", "hasAction",
    "actionOf", "hasGoal", "goalOf", "city", "sourceDocument", "statisticalArea",
    "contributesTo", "section", "measure", "involves", "evidence", "sectionSide",
    "measureSide", "mentionedIn", "mentions", "quote",
]  # fmt: skip
MKG_DATATYPE_PROPERTIES = [
    "fiscalYear", "order", "number", "isPriority", "statement", "subtitle",
    "organisationStatement", "goalStatement", "flag", "localGovernmentCode", "sourceLine",
    "sourceText", "sha256", "lineCount", "method", "score", "accepted", "basis", "isGeneric",
    "buildId",
]  # fmt: skip

# External terms the build emits, with the OWL kind the ontology declares them as.
EXTERNAL_CLASSES = [
    PROV.Entity, PROV.PrimarySource, DCTERMS.BibliographicResource, DCTERMS.PeriodOfTime,
    SCHEMA.CreativeWork, SCHEMA.DigitalDocument, SCHEMA.ContactPoint,
    SCHEMA.GovernmentOrganization, SCHEMA.Place, FOAF.Document, ORG.Organization,
    ORG.FormalOrganization, ORG.OrganizationalUnit, ORG.Site, ORG.Role, SKOS.Concept,
    SKOS.ConceptScheme, TIME.Interval, OA.SpecificResource, OA.TextQuoteSelector,
    IC["組織型"], IC["名称型"], IC["連絡先型"],
]  # fmt: skip
EXTERNAL_PROPERTIES = [
    DCTERMS.title, DCTERMS.description, DCTERMS.temporal, DCTERMS.publisher, DCTERMS.format,
    DCTERMS.source, DCTERMS.license, DCTERMS.subject, DCTERMS.identifier, SKOS.prefLabel,
    SKOS.altLabel, SKOS.note, PROV.hadPrimarySource, PROV.qualifiedPrimarySource, PROV.entity,
    ORG.unitOf, ORG.hasUnit, ORG.hasSite, ORG.siteOf, DCAT.startDate, DCAT.endDate,
    SCHEMA.contactPoint, SCHEMA.name, SCHEMA.telephone, SCHEMA.faxNumber, SCHEMA.email,
    SCHEMA.encodingFormat, DCTERMS.references, SKOS.inScheme, SKOS.hasTopConcept,
    SKOS.topConceptOf, SKOS.broader, SKOS.narrower, SKOS.relatedMatch, OA.hasSource,
    OA.hasSelector, OA.exact, OA.prefix, OA.suffix, IC["名称"], IC["表記"], IC["連絡先"],
    IC["電話番号"], IC["FAX番号"],
]  # fmt: skip
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)

VALID = """
@base <http://127.0.0.1:8000/> .
@prefix mkg: <https://w3id.org/minami-kg/def#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix schema: <https://schema.org/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix ic: <http://imi.go.jp/ns/core/rdf#> .

<id/minami/2022> a mkg:Plan , mkg:OperatingPolicy ;
    dcterms:title "令和4年度 南区運営方針"@ja ;
    skos:prefLabel "令和4年度 南区運営方針"@ja , "Minami Ward Operating Policy FY2022"@en ;
    mkg:fiscalYear "2022"^^xsd:gYear ;
    dcterms:temporal <id/fiscal-year/2022> ;
    dcterms:publisher <id/minami> ;
    mkg:city <id/city/yokohama> ;
    mkg:hasBasicGoal <id/minami/2022/basic-goal> ;
    mkg:hasFocusArea <id/minami/2022/area/gensai> , <id/minami/2022/area/chiiki> ,
        <id/minami/2022/area/chakujitsu> ;
    mkg:hasPrinciple <id/minami/2022/principle/1> ;
    schema:contactPoint <id/minami/2022/contact> ;
    prov:hadPrimarySource <id/minami/2022/document> ;
    prov:qualifiedPrimarySource <id/minami/2022/primary-source> ;
    dcterms:description "南区の特徴や課題を踏まえ、施策を進めます。"@ja ;
    mkg:organisationStatement "「仕事の基本」を組織全体で大切にします。"@ja ;
    skos:note "※ 「心理的安全性」とは、安心して発言できる状態のことです。"@ja ;
    mkg:sourceLine 2 ;
    mkg:sourceText "令和4年度 南区運営方針"@ja ;
    mkg:sourceDocument <id/minami/2022/document> .

<id/fiscal-year/2022> a dcterms:PeriodOfTime , time:Interval ;
    dcat:startDate "2022-04-01"^^xsd:date ;
    dcat:endDate "2023-03-31"^^xsd:date ;
    skos:prefLabel "令和4年度"@ja , "FY2022"@en .

<id/minami/2022/document> a prov:Entity , schema:DigitalDocument , foaf:Document ;
    dcterms:title "令和4年度 南区運営方針"@ja ;
    dcterms:format "text/plain" ;
    dcterms:source <https://www.city.yokohama.lg.jp/minami/unei-hoshin.html> ;
    dcterms:license <https://creativecommons.org/licenses/by/4.0/> ;
    dcterms:publisher <id/minami> ;
    schema:encodingFormat "text/plain; charset=utf-8" ;
    mkg:sha256 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" ;
    mkg:lineCount 200 .

<id/minami/2022/primary-source> a prov:PrimarySource ;
    prov:entity <id/minami/2022/document> .

<id/minami/2022/basic-goal> a mkg:BasicGoal ;
    skos:prefLabel "「あつたかい」南区をつくります"@ja , "Building a warm-hearted Minami"@en ;
    mkg:subtitle "区民の皆さまとの協働のもとで"@ja ;
    mkg:statement "区民の皆さまに寄り添います。"@ja ;
    mkg:inPlan <id/minami/2022> ;
    mkg:sourceLine 6 , 10 ;
    mkg:sourceText "区民の皆さまとの協働のもとで\\n「あつたかい」南区をつくります"@ja ;
    mkg:sourceDocument <id/minami/2022/document> .

<id/minami/2022/area/gensai> a mkg:FocusArea ;
    skos:prefLabel "減災"@ja , "Disaster risk reduction"@en ;
    mkg:isPriority true ;
    mkg:order 1 ;
    mkg:number 1 ;
    dcterms:description "地域防災力の向上を推進します。"@ja ;
    mkg:inPlan <id/minami/2022> ;
    mkg:sourceLine 23 ;
    mkg:sourceText "減災"@ja ;
    mkg:sourceDocument <id/minami/2022/document> .

<id/minami/2022/area/chiiki> a mkg:FocusArea , mkg:FoundationArea ;
    skos:prefLabel "地域の力"@ja , "Community strength"@en ;
    mkg:isPriority false ;
    mkg:order 2 ;
    mkg:inPlan <id/minami/2022> ;
    mkg:sourceLine 43 ;
    mkg:sourceText "地域の力"@ja ;
    mkg:sourceDocument <id/minami/2022/document> .

<id/minami/2022/area/chakujitsu> a mkg:FocusArea , mkg:SteadyWorkArea ;
    skos:prefLabel "着実に取り組む事業・業務"@ja , "Steady work"@en ;
    mkg:isPriority false ;
    mkg:order 3 ;
    mkg:statement "交通安全・防犯対策に継続して取り組みます。"@ja ;
    mkg:inPlan <id/minami/2022> ;
    mkg:sourceLine 47 ;
    mkg:sourceText "着実に取り組む事業・業務"@ja ;
    mkg:sourceDocument <id/minami/2022/document> .

<id/minami/2022/measure/gensai-01> a mkg:Measure ;
    skos:prefLabel "自助・共助の推進"@ja , "Promoting self-help and mutual help"@en ;
    mkg:inFocusArea <id/minami/2022/area/gensai> ;
    mkg:inPlan <id/minami/2022> ;
    mkg:order 1 ;
    mkg:hasAction <id/minami/2022/measure/gensai-01/action/1> ,
        <id/minami/2022/measure/gensai-01/action/2> ;
    mkg:sourceLine 80 ;
    mkg:sourceText "● 自助・共助の推進"@ja ;
    mkg:sourceDocument <id/minami/2022/document> .

<id/minami/2022/measure/gensai-01/action/1> a mkg:Action ;
    skos:prefLabel "防災講座の開催"@ja , "Disaster preparedness classes"@en ;
    mkg:actionOf <id/minami/2022/measure/gensai-01> ;
    mkg:inPlan <id/minami/2022> ;
    mkg:order 1 ;
    mkg:sourceLine 81 ;
    mkg:sourceText "▶ 防災講座の開催"@ja ;
    mkg:sourceDocument <id/minami/2022/document> ;
    dcterms:subject <id/topic/bousai> .

<id/minami/2022/measure/gensai-01/action/2> a mkg:Action ;
    skos:prefLabel "マイ・タイムラインの普及"@ja , "Spreading personal evacuation timelines"@en ;
    mkg:actionOf <id/minami/2022/measure/gensai-01> ;
    mkg:inPlan <id/minami/2022> ;
    mkg:order 2 ;
    mkg:flag "新規" ;
    mkg:sourceLine 82 , 83 ;
    mkg:sourceText "▶ マイ・タイムラインの普及\\n（新規）"@ja ;
    mkg:sourceDocument <id/minami/2022/document> .

<id/minami/2022/measure/chiiki-01> a mkg:Measure ;
    skos:prefLabel "地域活動の支援"@ja , "Supporting community activities"@en ;
    mkg:inFocusArea <id/minami/2022/area/chiiki> ;
    mkg:inPlan <id/minami/2022> ;
    mkg:order 1 ;
    mkg:flag "新規" ;
    mkg:sourceLine 120 ;
    mkg:sourceText "● 地域活動の支援"@ja ;
    mkg:sourceDocument <id/minami/2022/document> ;
    dcterms:references <id/plan/chiiki-fukushi-hoken-keikaku> .

<id/minami/2022/principle/1> a mkg:OrganisationalPrinciple ;
    skos:prefLabel "区役所全体のチーム力を生かした運営"@ja , "Working as one team"@en ;
    dcterms:description "心理的安全性の高い組織を作ります。"@ja ;
    mkg:inPlan <id/minami/2022> ;
    mkg:order 1 ;
    mkg:sourceLine 55 ;
    mkg:sourceText "区役所全体のチーム力を生かした運営"@ja ;
    mkg:sourceDocument <id/minami/2022/document> .

<id/minami/2022/contact> a schema:ContactPoint , ic:連絡先型 ;
    schema:name "南区役所総務課"@ja ;
    schema:telephone "045-341-1112" ;
    schema:faxNumber "045-241-1151" ;
    ic:電話番号 "045-341-1112" ;
    ic:FAX番号 "045-241-1151" ;
    schema:email "mn-somu@city.yokohama.jp" ;
    mkg:sourceLine 198 ;
    mkg:sourceText "南区役所総務課 電話 045-341-1112"@ja ;
    mkg:sourceDocument <id/minami/2022/document> .

<id/minami> a org:OrganizationalUnit , schema:GovernmentOrganization , mkg:Ward , ic:組織型 ;
    skos:prefLabel "南区"@ja , "Minami Ward"@en ;
    org:unitOf <id/city/yokohama> ;
    mkg:localGovernmentCode "14105" ;
    dcterms:identifier "141054" ;
    mkg:statisticalArea <http://data.e-stat.go.jp/lod/sac/C14105> ;
    ic:名称 <id/minami#name> ;
    ic:連絡先 <id/minami/2022/contact> ;
    org:hasUnit <id/minami/section/somu> , <id/minami/section/hoikuen> .

<id/minami#name> a ic:名称型 ;
    ic:表記 "南区"@ja .

<id/city/yokohama> a org:FormalOrganization , schema:GovernmentOrganization , mkg:Municipality ,
        ic:組織型 ;
    skos:prefLabel "横浜市"@ja , "City of Yokohama"@en ;
    mkg:localGovernmentCode "14100" ;
    dcterms:identifier "141003" ;
    mkg:statisticalArea <http://data.e-stat.go.jp/lod/sac/C14100> ;
    org:hasUnit <id/minami> .

<id/minami/section/somu> a mkg:Section ;
    skos:prefLabel "総務課"@ja , "General Affairs Section"@en ;
    org:unitOf <id/minami> ;
    mkg:hasGoal <id/minami/2022/goal/somu> ;
    mkg:contributesTo <id/minami/2022/measure/gensai-01> ;
    mkg:involves <id/partner/jichikai> .

<id/minami/section/hoikuen> a mkg:Section ;
    skos:prefLabel "市立保育園"@ja , "City nurseries"@en ;
    org:unitOf <id/minami> ;
    org:hasSite <id/minami/section/hoikuen/site/shirobara> ;
    mkg:hasGoal <id/minami/2022/goal/hoikuen> .

<id/minami/section/hoikuen/site/shirobara> a org:Site , schema:Place ;
    skos:prefLabel "しろばら保育園"@ja , "Shirobara Nursery"@en ;
    org:siteOf <id/minami/section/hoikuen> .

<id/minami/2022/goal/somu> a mkg:SectionGoal ;
    mkg:goalOf <id/minami/section/somu> ;
    mkg:inPlan <id/minami/2022> ;
    mkg:goalStatement "区役所の円滑な運営を支え、自治会町内会と防災に取り組みます。"@ja ;
    skos:prefLabel "総務課の取組目標"@ja , "Goal of the General Affairs Section"@en ;
    mkg:order 1 ;
    mkg:sourceLine 160 ;
    mkg:sourceText "総務課 区役所の円滑な運営を支え、自治会町内会と防災に取り組みます。"@ja ;
    mkg:sourceDocument <id/minami/2022/document> .

<id/minami/2022/goal/hoikuen> a mkg:SectionGoal ;
    mkg:goalOf <id/minami/section/hoikuen> ;
    mkg:inPlan <id/minami/2022> ;
    mkg:goalStatement "子どもの育ちを地域と共に支えます。"@ja ;
    skos:prefLabel "市立保育園の取組目標"@ja ;
    mkg:order 2 ;
    mkg:sourceLine 170 , 171 ;
    mkg:sourceText "市立保育園 しろばら\\n子どもの育ちを地域と共に支えます。"@ja ;
    mkg:sourceDocument <id/minami/2022/document> .

# graph/links: an accepted contribution with one piece of evidence quoted from both sides
<id/minami/2022/contribution/somu/gensai-01> a mkg:Contribution ;
    skos:prefLabel "総務課 → 自助・共助の推進"@ja ,
        "General Affairs Section → Promoting self-help and mutual help"@en ;
    mkg:section <id/minami/section/somu> ;
    mkg:measure <id/minami/2022/measure/gensai-01> ;
    mkg:method "shared-topic" ;
    mkg:score 0.75 ;
    mkg:accepted true ;
    mkg:inPlan <id/minami/2022> ;
    mkg:evidence <id/minami/2022/contribution/somu/gensai-01/evidence/1> .

<id/minami/2022/contribution/somu/gensai-01/evidence/1> a mkg:Evidence ;
    mkg:basis "防災"@ja ;
    mkg:order 1 ;
    mkg:sectionSide <id/minami/2022/contribution/somu/gensai-01/evidence/1/section> ;
    mkg:measureSide <id/minami/2022/contribution/somu/gensai-01/evidence/1/measure> .

<id/minami/2022/contribution/somu/gensai-01/evidence/1/section> a oa:SpecificResource ;
    oa:hasSource <id/minami/2022/goal/somu> ;
    oa:hasSelector <id/minami/2022/contribution/somu/gensai-01/evidence/1/section/selector> ;
    mkg:sourceLine 160 .

<id/minami/2022/contribution/somu/gensai-01/evidence/1/section/selector> a oa:TextQuoteSelector ;
    oa:exact "防災" ;
    oa:prefix "自治会町内会と" ;
    oa:suffix "に取り組みます。" .

<id/minami/2022/contribution/somu/gensai-01/evidence/1/measure> a oa:SpecificResource ;
    oa:hasSource <id/minami/2022/measure/gensai-01/action/1> ;
    oa:hasSelector <id/minami/2022/contribution/somu/gensai-01/evidence/1/measure/selector> ;
    mkg:sourceLine 81 .

<id/minami/2022/contribution/somu/gensai-01/evidence/1/measure/selector> a oa:TextQuoteSelector ;
    oa:exact "防災" ;
    oa:suffix "講座の開催" .

# graph/links: mentions of a partner, a topic and a cited plan
<id/minami/2022/goal/somu/mention/partner-jichikai> a mkg:Mention ;
    mkg:mentionedIn <id/minami/2022/goal/somu> ;
    mkg:mentions <id/partner/jichikai> ;
    mkg:quote <id/minami/2022/goal/somu/mention/partner-jichikai/quote> .

<id/minami/2022/goal/somu/mention/partner-jichikai/quote> a oa:SpecificResource ;
    oa:hasSource <id/minami/2022/goal/somu> ;
    oa:hasSelector <id/minami/2022/goal/somu/mention/partner-jichikai/quote/selector> ;
    mkg:sourceLine 160 .

<id/minami/2022/goal/somu/mention/partner-jichikai/quote/selector> a oa:TextQuoteSelector ;
    oa:exact "自治会町内会" ;
    oa:prefix "区役所の円滑な運営を支え、" ;
    oa:suffix "と防災に取り組みます。" .

<id/minami/2022/measure/gensai-01/action/1/mention/topic-bousai> a mkg:Mention ;
    mkg:mentionedIn <id/minami/2022/measure/gensai-01/action/1> ;
    mkg:mentions <id/topic/bousai> ;
    mkg:quote <id/minami/2022/measure/gensai-01/action/1/mention/topic-bousai/quote> .

<id/minami/2022/measure/gensai-01/action/1/mention/topic-bousai/quote> a oa:SpecificResource ;
    oa:hasSource <id/minami/2022/measure/gensai-01/action/1> ;
    oa:hasSelector <id/minami/2022/measure/gensai-01/action/1/mention/topic-bousai/quote/selector> ;
    mkg:sourceLine 81 .

<id/minami/2022/measure/gensai-01/action/1/mention/topic-bousai/quote/selector>
    a oa:TextQuoteSelector ;
    oa:exact "防災" ;
    oa:suffix "講座の開催" .

<id/minami/2022/measure/chiiki-01/mention/plan-chiiki-fukushi-hoken-keikaku> a mkg:Mention ;
    mkg:mentionedIn <id/minami/2022/measure/chiiki-01> ;
    mkg:mentions <id/plan/chiiki-fukushi-hoken-keikaku> ;
    mkg:quote <id/minami/2022/measure/chiiki-01/mention/plan-chiiki-fukushi-hoken-keikaku/quote> .

<id/minami/2022/measure/chiiki-01/mention/plan-chiiki-fukushi-hoken-keikaku/quote>
    a oa:SpecificResource ;
    oa:hasSource <id/minami/2022/measure/chiiki-01> ;
    mkg:sourceLine 121 ;
    oa:hasSelector
    <id/minami/2022/measure/chiiki-01/mention/plan-chiiki-fukushi-hoken-keikaku/quote/selector> .

<id/minami/2022/measure/chiiki-01/mention/plan-chiiki-fukushi-hoken-keikaku/quote/selector>
    a oa:TextQuoteSelector ;
    oa:exact "地域福祉保健計画" ;
    oa:prefix "第4期南区" .

# graph/curated: a partner and a cited plan
<id/partner/jichikai> a mkg:Partner , org:Organization , mkg:PartnerOrganizationType ;
    skos:prefLabel "自治会町内会"@ja , "Neighborhood associations"@en ;
    skos:altLabel "自治会"@ja , "町内会"@ja ;
    mkg:isGeneric false .

<id/plan/chiiki-fukushi-hoken-keikaku> a mkg:Plan , mkg:CitedPlan ;
    skos:prefLabel "南区地域福祉保健計画"@ja , "Minami Ward Community Welfare and Health Plan"@en ;
    skos:altLabel "地域福祉保健計画"@ja , "みなみ・みんなの支え合いプラン"@ja ;
    skos:note "発行: 南区"@ja .

# graph/topics: a scheme with a top topic and a narrower one matched to an SDG
<id/topic> a skos:ConceptScheme ;
    skos:prefLabel "区運営方針の話題"@ja , "Topics of ward operating policies"@en ;
    skos:hasTopConcept <id/topic/anzen> .

<id/topic/anzen> a skos:Concept ;
    skos:inScheme <id/topic> ;
    skos:topConceptOf <id/topic> ;
    skos:prefLabel "安全・安心"@ja , "Safety and security"@en ;
    skos:altLabel "安心・安全"@ja , "Public safety"@en ;
    skos:narrower <id/topic/bousai> .

<id/topic/bousai> a skos:Concept ;
    skos:inScheme <id/topic> ;
    skos:prefLabel "防災"@ja , "Disaster preparedness"@en ;
    skos:altLabel "災害対策"@ja ;
    skos:broader <id/topic/anzen> ;
    skos:relatedMatch <http://metadata.un.org/sdg/11> .
"""

PREFIXES = """
BASE <http://127.0.0.1:8000/>
PREFIX mkg: <https://w3id.org/minami-kg/def#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def iri(path: str) -> URIRef:
    return URIRef(BASE + path)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


def valid_graph() -> Graph:
    return Graph().parse(data=VALID, format="turtle")


def validate(data: Graph, shapes: Graph, ontology: Graph) -> tuple[bool, list[dict]]:
    """pySHACL as the build uses it; the results as plain dicts."""
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none"
    )
    results = [
        {
            "severity": report.value(r, SH.resultSeverity),
            "focus": report.value(r, SH.focusNode),
            "path": report.value(r, SH.resultPath),
            "component": report.value(r, SH.sourceConstraintComponent),
            "value": report.value(r, SH.value),
            "message": str(report.value(r, SH.resultMessage) or ""),
        }
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]
    return conforms, results


def mkg_terms(ontology: Graph) -> list[URIRef]:
    kinds = (OWL.Class, *PROPERTY_KINDS)
    return sorted(
        {s for k in kinds for s in ontology.subjects(RDF.type, k) if str(s).startswith(str(MKG))}
    )


# ---------------------------------------------------------------------------------------------
# The ontology
# ---------------------------------------------------------------------------------------------


def test_ontology_header(ontology: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    titles = {t.language for t in ontology.objects(ONTOLOGY_IRI, DCTERMS.title)}
    descriptions = {d.language for d in ontology.objects(ONTOLOGY_IRI, DCTERMS.description)}
    assert {"ja", "en"} <= titles
    assert {"ja", "en"} <= descriptions
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.creator) == Literal("minami-kg contributors")
    assert ontology.value(ONTOLOGY_IRI, VANN.preferredNamespacePrefix) == Literal("mkg")
    assert ontology.value(ONTOLOGY_IRI, VANN.preferredNamespaceUri) == Literal(str(MKG))


def test_ontology_has_no_blank_nodes(ontology: Graph) -> None:
    """The ontology is loaded into a named graph; without blank nodes that is deterministic."""
    assert not [t for t in ontology if any(isinstance(x, BNode) for x in t)]


def test_every_mkg_term_is_bilingual_and_defined_here(ontology: Graph) -> None:
    terms = mkg_terms(ontology)
    assert len(terms) >= len(MKG_CLASSES) + len(MKG_OBJECT_PROPERTIES)
    problems = []
    for term in terms:
        labels = {x.language for x in ontology.objects(term, RDFS.label)}
        comments = {x.language for x in ontology.objects(term, RDFS.comment)}
        comments |= {x.language for x in ontology.objects(term, SKOS.definition)}
        if not {"ja", "en"} <= labels:
            problems.append(f"{term}: labels in {labels}")
        if not {"ja", "en"} <= comments:
            problems.append(f"{term}: comments in {comments}")
        if ontology.value(term, RDFS.isDefinedBy) != ONTOLOGY_IRI:
            problems.append(f"{term}: rdfs:isDefinedBy")
    assert not problems


def test_every_mkg_iri_used_is_defined(ontology: Graph) -> None:
    """No typo'd mkg: term hides in an axiom."""
    defined = set(mkg_terms(ontology))
    used = {x for t in ontology for x in t if isinstance(x, URIRef) and str(x).startswith(str(MKG))}
    assert used <= defined


@pytest.mark.parametrize(
    ("name", "kind"),
    [(n, OWL.Class) for n in MKG_CLASSES]
    + [(n, OWL.ObjectProperty) for n in MKG_OBJECT_PROPERTIES]
    + [(n, OWL.DatatypeProperty) for n in MKG_DATATYPE_PROPERTIES],
)
def test_emitted_mkg_term_is_defined(ontology: Graph, name: str, kind: URIRef) -> None:
    assert (MKG[name], RDF.type, kind) in ontology


@pytest.mark.parametrize("term", EXTERNAL_CLASSES + EXTERNAL_PROPERTIES, ids=str)
def test_emitted_external_term_is_declared(ontology: Graph, term: URIRef) -> None:
    kinds = (OWL.Class,) if term in EXTERNAL_CLASSES else PROPERTY_KINDS
    assert any((term, RDF.type, k) in ontology for k in kinds)
    # declared, not redefined
    assert (term, RDFS.label, None) not in ontology
    assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) not in ontology


@pytest.mark.parametrize(
    ("sub", "sup"),
    [
        (MKG.Plan, PROV.Entity),
        (MKG.Plan, DCTERMS.BibliographicResource),
        (MKG.Plan, SCHEMA.CreativeWork),
        (MKG.FoundationArea, MKG.FocusArea),
        (MKG.SteadyWorkArea, MKG.FocusArea),
        (MKG.Section, ORG.OrganizationalUnit),
        (MKG.Ward, ORG.OrganizationalUnit),
        (MKG.Municipality, ORG.FormalOrganization),
        (MKG.Partner, ORG.Organization),
        (MKG.OperatingPolicy, MKG.Plan),
        (MKG.CitedPlan, MKG.Plan),
        (MKG.PartnerOrganization, MKG.Partner),
        (MKG.PartnerOrganizationType, MKG.Partner),
        (MKG.VolunteerRole, MKG.Partner),
        (MKG.VolunteerRole, ORG.Role),
        (MKG.Evidence, PROV.Entity),
        (MKG.Mention, PROV.Entity),
        (MKG.Ward, IC["組織型"]),
        (MKG.Municipality, IC["組織型"]),
        (MKG.Section, IC["組織型"]),
        (MKG.PartnerOrganization, IC["組織型"]),
    ],
)
def test_class_alignment(ontology: Graph, sub: URIRef, sup: URIRef) -> None:
    assert (sub, RDFS.subClassOf, sup) in ontology


def test_property_alignment(ontology: Graph) -> None:
    assert (MKG.localGovernmentCode, RDFS.subPropertyOf, DCTERMS.identifier) in ontology
    assert (MKG.actionOf, OWL.inverseOf, MKG.hasAction) in ontology
    assert (MKG.goalOf, OWL.inverseOf, MKG.hasGoal) in ontology
    assert ontology.value(MKG.isPriority, RDFS.range) == XSD.boolean
    assert ontology.value(MKG.fiscalYear, RDFS.range) == XSD.gYear
    assert ontology.value(MKG.score, RDFS.range) == XSD.decimal
    assert ontology.value(MKG.contributesTo, RDFS.domain) == MKG.Section
    assert ontology.value(MKG.contributesTo, RDFS.range) == MKG.Measure
    assert ontology.value(MKG.accepted, RDFS.range) == XSD.boolean
    assert ontology.value(MKG.isGeneric, RDFS.range) == XSD.boolean
    assert ontology.value(MKG.evidence, RDFS.range) == MKG.Evidence
    assert (MKG.evidence, RDF.type, OWL.DatatypeProperty) not in ontology
    for side in (MKG.sectionSide, MKG.measureSide, MKG.quote):
        assert ontology.value(side, RDFS.range) == OA.SpecificResource
    assert (MKG.CitedPlan, OWL.disjointWith, MKG.OperatingPolicy) in ontology
    kinds = (MKG.PartnerOrganization, MKG.PartnerOrganizationType, MKG.VolunteerRole)
    for a in kinds:
        for b in kinds:
            if a != b:
                assert (a, OWL.disjointWith, b) in ontology


def test_domains_and_ranges_are_declared_classes(ontology: Graph) -> None:
    classes = set(ontology.subjects(RDF.type, OWL.Class))
    for prop in ontology.subjects(RDF.type, OWL.ObjectProperty):
        for axiom in (RDFS.domain, RDFS.range):
            for cls in ontology.objects(prop, axiom):
                assert cls in classes, f"{prop} {axiom} {cls}"


# ---------------------------------------------------------------------------------------------
# The shapes
# ---------------------------------------------------------------------------------------------

EMITTED_CLASSES = [
    MKG.Plan, MKG.OperatingPolicy, MKG.CitedPlan, MKG.BasicGoal, MKG.FocusArea, MKG.Measure,
    MKG.Action, MKG.OrganisationalPrinciple, MKG.SectionGoal, MKG.Section, MKG.Ward,
    MKG.Municipality, ORG.Site, SCHEMA.ContactPoint, DCTERMS.PeriodOfTime, FOAF.Document,
    PROV.PrimarySource, MKG.Partner, MKG.Contribution, MKG.Evidence, MKG.Mention,
    SKOS.ConceptScheme, SKOS.Concept, OA.SpecificResource, OA.TextQuoteSelector,
    IC["名称型"], IC["連絡先型"],
]  # fmt: skip


def test_node_shapes_are_named_and_described(shapes: Graph) -> None:
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    assert len(node_shapes) >= len(EMITTED_CLASSES)
    for shape in node_shapes:
        assert str(shape).startswith(str(MKGSH)), shape
        assert shapes.value(shape, SH.name) is not None, shape
        assert shapes.value(shape, SH.description) is not None, shape


@pytest.mark.parametrize("cls", EMITTED_CLASSES, ids=str)
def test_every_emitted_class_has_a_shape(shapes: Graph, cls: URIRef) -> None:
    assert any((s, RDF.type, SH.NodeShape) in shapes for s in shapes.subjects(SH.targetClass, cls))


def test_only_english_labels_are_warnings(shapes: Graph) -> None:
    warned = set(shapes.subjects(SH.severity, SH.Warning))
    assert warned == {MKGSH.PrefLabelEn}
    users = set(shapes.subjects(SH.property, MKGSH.PrefLabelEn))
    assert users == {MKGSH.FocusAreaShape, MKGSH.MeasureShape, MKGSH.ActionShape,
                     MKGSH.SectionShape, MKGSH.TopicShape, MKGSH.TopicSchemeShape}  # fmt: skip


def test_valid_graph_conforms(shapes: Graph, ontology: Graph) -> None:
    conforms, results = validate(valid_graph(), shapes, ontology)
    assert results == []
    assert conforms


def test_valid_graph_conforms_with_rdfs_inference(shapes: Graph, ontology: Graph) -> None:
    """Domains and ranges of the ontology add no types the shapes would reject."""
    conforms, _, text = pyshacl.validate(
        valid_graph(), shacl_graph=shapes, ont_graph=ontology, inference="rdfs"
    )
    assert conforms, text


def test_valid_graph_has_no_blank_nodes() -> None:
    assert not [t for t in valid_graph() if any(isinstance(x, BNode) for x in t)]


GENSAI_01 = "id/minami/2022/measure/gensai-01"
ACTION_2 = "id/minami/2022/measure/gensai-01/action/2"
CHIIKI_01 = "id/minami/2022/measure/chiiki-01"
CONTRIBUTION = "id/minami/2022/contribution/somu/gensai-01"
EVIDENCE = f"{CONTRIBUTION}/evidence/1"
SECTION_SELECTOR = f"{EVIDENCE}/section/selector"
PARTNER_MENTION = "id/minami/2022/goal/somu/mention/partner-jichikai"
TOPIC_MENTION = "id/minami/2022/measure/gensai-01/action/1/mention/topic-bousai"
PLAN_MENTION = f"{CHIIKI_01}/mention/plan-chiiki-fukushi-hoken-keikaku"
PLAN = "id/minami/2022"
CITED_PLAN = "id/plan/chiiki-fukushi-hoken-keikaku"
SCHEME = "id/topic"


def within(scope: str, node: str) -> tuple[str, str]:
    """A result of a SPARQL check run once per plan or topic scheme: its focus node is the plan
    or scheme, its value (also named in the message) the node that is wrong."""
    return (scope, node)


# case: (SPARQL update on the valid graph, the focus node that must fail, and the result path
# or, where the path is not a plain property, the constraint component that must fire)
BROKEN = {
    "measure without focus area": (
        f"DELETE WHERE {{ <{GENSAI_01}> mkg:inFocusArea ?a }}",
        GENSAI_01,
        MKG.inFocusArea,
    ),
    "priority as a string": (
        "DELETE DATA { <id/minami/2022/area/gensai> mkg:isPriority true } ;"
        'INSERT DATA { <id/minami/2022/area/gensai> mkg:isPriority "true" }',
        "id/minami/2022/area/gensai",
        MKG.isPriority,
    ),
    "action without label": (
        f"DELETE WHERE {{ <{ACTION_2}> skos:prefLabel ?l }}",
        ACTION_2,
        SKOS.prefLabel,
    ),
    "plan without fiscal year": (
        "DELETE WHERE { <id/minami/2022> mkg:fiscalYear ?y }",
        "id/minami/2022",
        MKG.fiscalYear,
    ),
    "source line zero": (
        f"DELETE DATA {{ <{CHIIKI_01}> mkg:sourceLine 120 }} ;"
        f"INSERT DATA {{ <{CHIIKI_01}> mkg:sourceLine 0 }}",
        CHIIKI_01,
        MKG.sourceLine,
    ),
    "source text without language": (
        f'DELETE DATA {{ <{CHIIKI_01}> mkg:sourceText "● 地域活動の支援"@ja }} ;'
        f'INSERT DATA {{ <{CHIIKI_01}> mkg:sourceText "● 地域活動の支援" }}',
        CHIIKI_01,
        MKG.sourceText,
    ),
    "two Japanese labels": (
        'INSERT DATA { <id/minami/section/somu> skos:prefLabel "総務"@ja }',
        "id/minami/section/somu",
        SKOS.prefLabel,
    ),
    "action order repeated": (
        f"DELETE DATA {{ <{ACTION_2}> mkg:order 2 }} ; INSERT DATA {{ <{ACTION_2}> mkg:order 1 }}",
        within(PLAN, ACTION_2),
        SH.SPARQLConstraintComponent,
    ),
    "measure order repeated": (
        f"DELETE WHERE {{ <{CHIIKI_01}> mkg:inFocusArea ?a }} ;"
        f"INSERT DATA {{ <{CHIIKI_01}> mkg:inFocusArea <id/minami/2022/area/gensai> }}",
        within(PLAN, CHIIKI_01),
        SH.SPARQLConstraintComponent,
    ),
    "focus area in another plan than its measure": (
        "DELETE DATA { <id/minami/2022/area/gensai> mkg:inPlan <id/minami/2022> } ;"
        f"INSERT DATA {{ <id/minami/2022/area/gensai> mkg:inPlan <{CITED_PLAN}> }}",
        within(PLAN, GENSAI_01),
        SH.SPARQLConstraintComponent,
    ),
    "measure in another plan than its action": (
        f"DELETE DATA {{ <{GENSAI_01}> mkg:inPlan <id/minami/2022> }} ;"
        f"INSERT DATA {{ <{GENSAI_01}> mkg:inPlan <{CITED_PLAN}> }}",
        within(PLAN, ACTION_2),
        SH.SPARQLConstraintComponent,
    ),
    "measure in another plan than its contribution": (
        f"DELETE DATA {{ <{GENSAI_01}> mkg:inPlan <id/minami/2022> }} ;"
        f"INSERT DATA {{ <{GENSAI_01}> mkg:inPlan <{CITED_PLAN}> }}",
        within(PLAN, CONTRIBUTION),
        SH.SPARQLConstraintComponent,
    ),
    "measure in a cited plan": (
        f"DELETE DATA {{ <{GENSAI_01}> mkg:inPlan <id/minami/2022> }} ;"
        f"INSERT DATA {{ <{GENSAI_01}> mkg:inPlan <{CITED_PLAN}> }}",
        CITED_PLAN,
        SH.MaxCountConstraintComponent,
    ),
    "section with two goals in one plan": (
        "DELETE DATA { <id/minami/2022/goal/hoikuen> mkg:goalOf <id/minami/section/hoikuen> } ;"
        "INSERT DATA { <id/minami/2022/goal/hoikuen> mkg:goalOf <id/minami/section/somu> }",
        within(PLAN, "id/minami/2022/goal/hoikuen"),
        SH.SPARQLConstraintComponent,
    ),
    "area order repeated": (
        "DELETE DATA { <id/minami/2022/area/chiiki> mkg:order 2 } ;"
        "INSERT DATA { <id/minami/2022/area/chiiki> mkg:order 1 }",
        PLAN,
        SH.SPARQLConstraintComponent,
    ),
    "action of a measure that does not list it": (
        f"DELETE DATA {{ <{GENSAI_01}> mkg:hasAction <{ACTION_2}> }}",
        ACTION_2,
        SH.EqualsConstraintComponent,
    ),
    "two focus areas only": (
        "DELETE WHERE { <id/minami/2022> mkg:hasFocusArea <id/minami/2022/area/chakujitsu> }",
        "id/minami/2022",
        MKG.hasFocusArea,
    ),
    "section outside any ward": (
        "DELETE WHERE { <id/minami/section/somu> org:unitOf ?w }",
        "id/minami/section/somu",
        ORG.unitOf,
    ),
    "fiscal year ending before it starts": (
        "DELETE WHERE { <id/fiscal-year/2022> dcat:endDate ?e } ;"
        'INSERT DATA { <id/fiscal-year/2022> dcat:endDate "2021-03-31"^^xsd:date }',
        "id/fiscal-year/2022",
        DCAT.startDate,
    ),
    "goal without statement": (
        "DELETE WHERE { <id/minami/2022/goal/somu> mkg:goalStatement ?s }",
        "id/minami/2022/goal/somu",
        MKG.goalStatement,
    ),
    "site of nothing": (
        "DELETE WHERE { <id/minami/section/hoikuen/site/shirobara> org:siteOf ?x }",
        "id/minami/section/hoikuen/site/shirobara",
        ORG.siteOf,
    ),
    "plan neither read nor cited": (
        "DELETE DATA { <id/minami/2022> a mkg:OperatingPolicy }",
        "id/minami/2022",
        SH.XoneConstraintComponent,
    ),
    "cited plan also read from a document": (
        "INSERT DATA { <id/plan/chiiki-fukushi-hoken-keikaku> a mkg:OperatingPolicy }",
        "id/plan/chiiki-fukushi-hoken-keikaku",
        SH.XoneConstraintComponent,
    ),
    "accepted contribution without shortcut": (
        f"DELETE DATA {{ <id/minami/section/somu> mkg:contributesTo <{GENSAI_01}> }}",
        within(PLAN, CONTRIBUTION),
        SH.SPARQLConstraintComponent,
    ),
    "shortcut without accepted contribution": (
        f"DELETE DATA {{ <{CONTRIBUTION}> mkg:accepted true }} ;"
        f"INSERT DATA {{ <{CONTRIBUTION}> mkg:accepted false }}",
        within(PLAN, "id/minami/section/somu"),
        SH.SPARQLConstraintComponent,
    ),
    "contribution without evidence": (
        f"DELETE WHERE {{ <{CONTRIBUTION}> mkg:evidence ?e }}",
        CONTRIBUTION,
        MKG.evidence,
    ),
    "evidence as text": (
        f"DELETE WHERE {{ <{CONTRIBUTION}> mkg:evidence ?e }} ;"
        f'INSERT DATA {{ <{CONTRIBUTION}> mkg:evidence "● 自助・共助の推進"@ja }}',
        CONTRIBUTION,
        MKG.evidence,
    ),
    "unknown method": (
        f"DELETE WHERE {{ <{CONTRIBUTION}> mkg:method ?m }} ;"
        f'INSERT DATA {{ <{CONTRIBUTION}> mkg:method "guessed" }}',
        CONTRIBUTION,
        MKG.method,
    ),
    "score not a number": (
        f"DELETE WHERE {{ <{CONTRIBUTION}> mkg:score ?s }} ;"
        f'INSERT DATA {{ <{CONTRIBUTION}> mkg:score "high" }}',
        CONTRIBUTION,
        MKG.score,
    ),
    "negative score": (
        f"DELETE WHERE {{ <{CONTRIBUTION}> mkg:score ?s }} ;"
        f'INSERT DATA {{ <{CONTRIBUTION}> mkg:score "-0.5"^^xsd:decimal }}',
        CONTRIBUTION,
        MKG.score,
    ),
    "evidence quoting another section's goal": (
        f"DELETE WHERE {{ <{EVIDENCE}/section> oa:hasSource ?g }} ;"
        f"INSERT DATA {{ <{EVIDENCE}/section> oa:hasSource <id/minami/2022/goal/hoikuen> }}",
        within(PLAN, EVIDENCE),
        SH.SPARQLConstraintComponent,
    ),
    "evidence quoting another measure": (
        f"DELETE WHERE {{ <{EVIDENCE}/measure> oa:hasSource ?m }} ;"
        f"INSERT DATA {{ <{EVIDENCE}/measure> oa:hasSource <{CHIIKI_01}> }}",
        within(PLAN, EVIDENCE),
        SH.SPARQLConstraintComponent,
    ),
    "selector without oa:exact": (
        f"DELETE WHERE {{ <{SECTION_SELECTOR}> oa:exact ?x }}",
        SECTION_SELECTOR,
        OA.exact,
    ),
    "empty oa:exact": (
        f"DELETE WHERE {{ <{SECTION_SELECTOR}> oa:exact ?x }} ;"
        f'INSERT DATA {{ <{SECTION_SELECTOR}> oa:exact "" }}',
        SECTION_SELECTOR,
        OA.exact,
    ),
    "quote without source line": (
        f"DELETE WHERE {{ <{EVIDENCE}/measure> mkg:sourceLine ?n }}",
        f"{EVIDENCE}/measure",
        MKG.sourceLine,
    ),
    "relatedMatch to a non-SDG IRI": (
        "DELETE WHERE { <id/topic/bousai> skos:relatedMatch ?m } ;"
        "INSERT DATA { <id/topic/bousai> skos:relatedMatch <http://metadata.un.org/sdg/18> }",
        "id/topic/bousai",
        SKOS.relatedMatch,
    ),
    "topic outside any scheme": (
        "DELETE WHERE { <id/topic/bousai> skos:inScheme ?s }",
        "id/topic/bousai",
        SKOS.inScheme,
    ),
    "topic without broader that is not top": (
        "DELETE WHERE { <id/topic/bousai> skos:broader ?b . ?b skos:narrower ?n }",
        within(SCHEME, "id/topic/bousai"),
        SH.SPARQLConstraintComponent,
    ),
    "top topic with a broader topic": (
        "INSERT DATA { <id/topic/bousai> skos:topConceptOf <id/topic> ."
        " <id/topic> skos:hasTopConcept <id/topic/bousai> }",
        within(SCHEME, "id/topic/bousai"),
        SH.SPARQLConstraintComponent,
    ),
    "top topic of another scheme": (
        "DELETE DATA { <id/topic/anzen> skos:topConceptOf <id/topic> } ;"
        "INSERT DATA { <id/topic/anzen> skos:topConceptOf <id/other-topics> }",
        within(SCHEME, "id/topic/anzen"),
        SH.SPARQLConstraintComponent,
    ),
    "partner with two subtype classes": (
        "INSERT DATA { <id/partner/jichikai> a mkg:VolunteerRole }",
        "id/partner/jichikai",
        SH.XoneConstraintComponent,
    ),
    "partner without generic flag": (
        "DELETE WHERE { <id/partner/jichikai> mkg:isGeneric ?g }",
        "id/partner/jichikai",
        MKG.isGeneric,
    ),
    "mention without quote": (
        f"DELETE WHERE {{ <{PARTNER_MENTION}> mkg:quote ?q }}",
        PARTNER_MENTION,
        MKG.quote,
    ),
    "mention without its shortcut": (
        "DELETE DATA { <id/minami/section/somu> mkg:involves <id/partner/jichikai> }",
        within(PLAN, PARTNER_MENTION),
        SH.SPARQLConstraintComponent,
    ),
    "topic mention without dcterms:subject": (
        "DELETE DATA { <id/minami/2022/measure/gensai-01/action/1> dcterms:subject"
        " <id/topic/bousai> }",
        within(PLAN, TOPIC_MENTION),
        SH.SPARQLConstraintComponent,
    ),
    "cited-plan mention without dcterms:references": (
        f"DELETE DATA {{ <{CHIIKI_01}> dcterms:references <{CITED_PLAN}> }}",
        within(PLAN, PLAN_MENTION),
        SH.SPARQLConstraintComponent,
    ),
    "plan involves": (
        "INSERT DATA { <id/minami/2022> mkg:involves <id/partner/jichikai> }",
        "id/minami/2022",
        SH.OrConstraintComponent,
    ),
    "section as partner": (
        "INSERT DATA { <id/minami/section/somu> mkg:involves <id/minami/section/hoikuen> }",
        "id/minami/section/somu",
        MKG.involves,
    ),
    "wrong check digit": (
        'DELETE DATA { <id/minami> dcterms:identifier "141054" } ;'
        'INSERT DATA { <id/minami> dcterms:identifier "141055" }',
        PLAN,
        SH.SPARQLConstraintComponent,
    ),
    "another ward's six-digit code": (
        'DELETE DATA { <id/city/yokohama> dcterms:identifier "141003" } ;'
        'INSERT DATA { <id/city/yokohama> dcterms:identifier "141054" }',
        PLAN,
        SH.SPARQLConstraintComponent,
    ),
    "statistical area outside e-Stat": (
        "INSERT DATA { <id/minami> mkg:statisticalArea <http://example.org/area/14105> }",
        "id/minami",
        MKG.statisticalArea,
    ),
    "subject that is not a topic": (
        f"INSERT DATA {{ <{GENSAI_01}> dcterms:subject <id/partner/jichikai> }}",
        GENSAI_01,
        DCTERMS.subject,
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_graph_is_a_violation(shapes: Graph, ontology: Graph, case: str) -> None:
    update, where, expected = BROKEN[case]
    focus, value = where if isinstance(where, tuple) else (where, None)
    data = valid_graph()
    data.update(PREFIXES + update)
    assert set(data) != set(valid_graph()), "the update changed nothing"
    conforms, results = validate(data, shapes, ontology)
    assert not conforms
    violations = [r for r in results if r["severity"] == SH.Violation]
    assert any(
        r["focus"] == iri(focus)
        and expected in (r["path"], r["component"])
        and (value is None or (r["value"] == iri(value) and iri(value) in r["message"]))
        for r in violations
    ), violations


def test_sparql_constraints_run_once_per_plan_or_scheme(shapes: Graph) -> None:
    """pySHACL parses a SPARQL constraint's query anew for every focus node, so the SPARQL
    constraints sit on shapes whose focus nodes are the few plans and topic schemes, and each
    checks all of a plan's (or scheme's) measures, actions, goals, links or topics at once."""
    holders = set(shapes.subjects(SH.sparql, None))
    assert len(holders) >= 9
    for shape in holders:
        targets = {(p, o) for p, o in shapes.predicate_objects(shape) if "#target" in str(p)}
        assert targets in ({(SH.targetClass, MKG.OperatingPolicy)},
                           {(SH.targetClass, SKOS.ConceptScheme)}), shape  # fmt: skip


def test_missing_english_labels_are_warnings_only(shapes: Graph, ontology: Graph) -> None:
    data = valid_graph()
    data.update(
        PREFIXES + "DELETE { ?s skos:prefLabel ?l } WHERE { ?s skos:prefLabel ?l "
        'FILTER (lang(?l) = "en") }'
    )
    conforms, results = validate(data, shapes, ontology)
    assert results
    assert {r["severity"] for r in results} == {SH.Warning}
    assert {r["path"] for r in results} == {SKOS.prefLabel}
    # 3 areas, 2 measures, 2 actions, 2 sections, 2 topics, the topic scheme
    assert len(results) == 12
    assert not conforms  # pySHACL's default; with allow_warnings the graph conforms
    conforms, _, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=True
    )
    assert conforms
