"""The dataset description, DCAT (catalogue, datasets, distributions, service) and VoID.

It is computed from the store and the dump manifest, not kept in the store:
the description gives the byte size and checksum of every dump, and a dump
cannot hold its own checksum. The store's `{base}graph/meta` holds one
triple only, the build identifier (`<{base}dataset#graph> mkg:buildId`, see
`minami_kg.store.build_id`), which every build and update writes; the
server computes these quads on request and keeps them per store version
(which changes only on a rebuild or update: for a remote store, with the
build identifier). They are returned in that graph's name, so a dataset
format (TriG, N-Quads) says where they would live; the build identifier is
among them, as the store has it.

The terms follow DCAT 3 (https://www.w3.org/TR/vocab-dcat-3/) as DCAT-AP 3.0.1
constrains it (https://semiceu.github.io/DCAT-AP/releases/3.0.1/): the
publisher is a foaf:Agent with a foaf:name, the licence a
dcterms:LicenseDocument, media types IANA IRIs typed dcterms:MediaType,
formats EU file-type IRIs, languages EU language IRIs; and VoID
(https://www.w3.org/TR/void/) for sizes, partitions, vocabularies and
example resources.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from minami_kg.config import Settings
from minami_kg.publish.attribution import Attribution, SourceCredit, read_attribution
from minami_kg.publish.dumps import GZIP_MEDIA_TYPE, DumpManifest
from minami_kg.rdf.iris import Iris
from minami_kg.rdf.namespaces import (
    DCAT,
    DCTERMS,
    FOAF,
    PREFIXES,
    RDF,
    RDFS,
    SKOS,
    SPARQL_PREFIXES,
    XSD,
    Namespace,
)
from minami_kg.store import GraphStore, select
from minami_kg.store.build_id import BUILD_ID, read_build_id

VOID = Namespace("http://rdfs.org/ns/void#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA = Namespace("http://www.iana.org/assignments/media-types/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
FORMAT_LABELS = {
    "RDF_TURTLE": "Turtle",
    "RDF_N_TRIPLES": "N-Triples",
    "RDF_N_QUADS": "N-Quads",
    "RDF_TRIG": "TriG",
    "JSON_LD": "JSON-LD",
    "RDF_XML": "RDF/XML",
}
DATASET_FILE_TYPES = ("RDF_N_QUADS", "RDF_TRIG", "JSON_LD")
SPARQL_PROTOCOL = NamedNode("https://www.w3.org/TR/sparql11-protocol/")
DESCRIPTION_PREFIXES = {**PREFIXES, "void": str(VOID), "spdx": str(SPDX), "vcard": str(VCARD)}

_PLANS = (
    SPARQL_PREFIXES
    + """
SELECT ?plan ?g ?ja ?en WHERE {
  GRAPH ?g { ?plan a mkg:Plan ; mkg:fiscalYear ?fy ; dcterms:title ?ja }
  OPTIONAL { ?plan skos:prefLabel ?en FILTER(LANGMATCHES(LANG(?en), "en")) }
  FILTER(STRSTARTS(STR(?g), $prefix))
} ORDER BY ?plan
"""
)
_GRAPH_TRIPLES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
_ENTITIES = """
SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), $space)) }
"""
_CLASSES = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class
"""
_PROPERTIES = """
SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }
GROUP BY ?p ORDER BY ?p
"""
_EXAMPLES = (
    SPARQL_PREFIXES
    + """
SELECT DISTINCT ?s WHERE {
  { ?s a mkg:Plan ; mkg:fiscalYear ?fy } UNION { ?s a mkg:Measure } UNION { ?s a mkg:Section }
  FILTER(STRSTARTS(STR(?s), $space))
} ORDER BY ?s LIMIT 200
"""
)


@dataclass(frozen=True)
class PlanDataset:
    plan: NamedNode
    graph: NamedNode
    title_ja: str
    title_en: str | None


@dataclass(frozen=True)
class Urls:
    """The IRIs of the description, all under `{base}` so they dereference."""

    base: str

    @property
    def page(self) -> NamedNode:
        return NamedNode(self.base + "dataset")

    def part(self, fragment: str) -> NamedNode:
        return NamedNode(f"{self.base}dataset#{fragment}")

    @property
    def sparql(self) -> NamedNode:
        return NamedNode(self.base + "sparql")

    def download(self, name: str) -> NamedNode:
        return NamedNode(f"{self.base}download/{name}")

    @property
    def meta_graph(self) -> NamedNode:
        return NamedNode(self.base + "graph/meta")


def _number(value: int, datatype: NamedNode = XSD.integer) -> Literal:
    return Literal(str(value), datatype=datatype)


def _placed(query: str, **terms: Literal) -> str:
    """`query` with each `$name` replaced by a term; a term's `str()` is SPARQL syntax.

    (pyoxigraph's `substitutions` only binds variables a query projects.)
    """
    for name, term in terms.items():
        query = query.replace(f"${name}", str(term))
    return query


def _count(store: GraphStore, query: str, **terms: Literal) -> int:
    return int(next(iter(select(store, _placed(query, **terms))))["n"].value)


def plan_datasets(store: GraphStore, base: str) -> list[PlanDataset]:
    rows = select(store, _placed(_PLANS, prefix=Literal(base + "graph/plan/")))
    found: dict[str, PlanDataset] = {}
    for row in rows:
        plan = row["plan"]
        en = row["en"].value if row["en"] is not None else None
        found.setdefault(plan.value, PlanDataset(plan, row["g"], row["ja"].value, en))
    return list(found.values())


def _slug(plan: NamedNode, base: str) -> str:
    return "plan-" + plan.value.removeprefix(Iris(base).id_base).replace("/", "-")


def description_quads(
    store: GraphStore,
    settings: Settings,
    manifest: DumpManifest | None,
    *,
    modified: datetime | None = None,
) -> list[Quad]:
    """The DCAT catalogue and VoID description of the store and its dumps, sorted.

    `modified` is when the store was last written (the store version's time).
    """
    urls = Urls(settings.base)
    triples = list(_describe(store, settings, manifest, urls))
    if modified is not None:
        stamp = Literal(modified.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime)
        triples += [(urls.part(name), DCTERMS.modified, stamp) for name in ("catalog", "graph")]
    return sorted({Quad(s, p, o, urls.meta_graph) for s, p, o in triples}, key=str)


def _describe(
    store: GraphStore, settings: Settings, manifest: DumpManifest | None, urls: Urls
) -> Iterator[tuple]:
    base = settings.base
    space = Literal(Iris(base).id_base)
    catalog, graph, service = urls.part("catalog"), urls.part("graph"), urls.part("sparql")
    publisher, licence = urls.part("publisher"), NamedNode(settings.licence)
    languages = [EU_LANGUAGE.JPN, EU_LANGUAGE.ENG]
    credit = read_attribution(store, settings.licence, settings.publisher)
    rights = urls.part("rights")
    yield from _rights(credit, rights)

    # The publisher, the licence and the languages, as DCAT-AP wants them typed.
    yield publisher, RDF.type, FOAF.Agent
    yield publisher, FOAF.name, Literal(settings.publisher)
    yield licence, RDF.type, DCTERMS.LicenseDocument
    language_table = NamedNode(str(EU_LANGUAGE).rstrip("/"))
    for language in languages:
        yield language, RDF.type, DCTERMS.LinguisticSystem
        yield language, SKOS.inScheme, language_table
    # Where to ask, and the EU data theme "Government and public sector".
    contact = urls.part("contact")
    yield contact, RDF.type, VCARD.Kind
    yield contact, RDF.type, VCARD.Organization
    yield contact, VCARD.fn, Literal(settings.publisher)
    yield contact, VCARD.hasURL, NamedNode(base)
    theme, themes = EU_THEME.GOVE, NamedNode(str(EU_THEME).rstrip("/"))
    yield theme, RDF.type, SKOS.Concept
    yield theme, SKOS.prefLabel, Literal("Government and public sector", language="en")
    yield theme, SKOS.inScheme, themes
    yield themes, RDF.type, SKOS.ConceptScheme
    yield themes, DCTERMS.title, Literal("Data theme", language="en")

    def about(thing: NamedNode) -> Iterator[tuple]:
        """What every dataset and the service share: who, under what terms, on what."""
        yield thing, DCTERMS.publisher, publisher
        yield thing, DCTERMS.license, licence
        yield thing, DCTERMS.rights, rights
        yield thing, DCAT.contactPoint, contact
        yield thing, DCAT.theme, theme
        yield thing, DCAT.keyword, Literal("区運営方針", language="ja")
        yield thing, DCAT.keyword, Literal("operating policy", language="en")

    def titled(
        thing: NamedNode, ja: str, en: str | None, desc_ja: str, desc_en: str
    ) -> Iterator[tuple]:
        yield thing, DCTERMS.title, Literal(ja, language="ja")
        if en:
            yield thing, DCTERMS.title, Literal(en, language="en")
        yield thing, DCTERMS.description, Literal(desc_ja, language="ja")
        yield thing, DCTERMS.description, Literal(desc_en, language="en")

    # The catalogue.
    yield catalog, RDF.type, DCAT.Catalog
    yield from titled(
        catalog,
        "minami-kg 区運営方針ナレッジグラフ カタログ",
        "minami-kg ward operating policy knowledge graph catalogue",
        "区運営方針を読み取ったナレッジグラフのデータセット、ダンプ、SPARQLエンドポイント。",
        "Datasets, dumps and the SPARQL endpoint of a knowledge graph read from "
        "ward operating policies.",
    )
    yield catalog, DCTERMS.publisher, publisher
    yield catalog, DCTERMS.license, licence
    yield catalog, DCTERMS.rights, rights
    yield catalog, DCAT.themeTaxonomy, themes
    yield catalog, FOAF.homepage, NamedNode(base)
    yield NamedNode(base), RDF.type, FOAF.Document
    for language in languages:
        yield catalog, DCTERMS.language, language
    yield catalog, DCAT.dataset, graph
    yield catalog, DCAT.service, service

    # The whole graph: a DCAT dataset and a VoID dataset.
    yield graph, RDF.type, DCAT.Dataset
    yield graph, RDF.type, VOID.Dataset
    yield from titled(
        graph,
        "minami-kg 区運営方針ナレッジグラフ(全体)",
        "minami-kg ward operating policy knowledge graph (whole graph)",
        "区運営方針の基本目標・重点・施策・事業、各課の目標、課と施策の関わり(根拠つき)、"
        "連携先、トピック、オントロジーを収めた全名前付きグラフ。",
        "Every named graph: the plans' goals, focus areas, measures and actions, the "
        "sections' goals, section-measure links with evidence, partners, topics and the ontology.",
    )
    yield from about(graph)
    for language in languages:
        yield graph, DCTERMS.language, language
    yield graph, DCAT.landingPage, urls.page
    yield urls.page, RDF.type, FOAF.Document
    yield graph, DCAT.keyword, Literal("横浜市", language="ja")
    yield graph, VOID.sparqlEndpoint, urls.sparql
    yield graph, VOID.uriSpace, space
    yield graph, VOID.rootResource, Iris(base).topic_scheme()
    build_id = read_build_id(store, base)
    if build_id is not None:  # what the store says it holds (absent in a store from before)
        yield graph, BUILD_ID, Literal(build_id)
    yield graph, VOID.triples, _number(_count(store, _TRIPLES))
    yield graph, VOID.entities, _number(_count(store, _ENTITIES, space=space))

    used: set[str] = set()
    for number, row in enumerate(select(store, _CLASSES), start=1):
        part = BlankNode(f"class{number}")
        used.add(row["class"].value)
        yield graph, VOID.classPartition, part
        yield part, VOID["class"], row["class"]
        yield part, VOID.entities, _number(int(row["n"].value))
    for number, row in enumerate(select(store, _PROPERTIES), start=1):
        part = BlankNode(f"property{number}")
        used.add(row["p"].value)
        yield graph, VOID.propertyPartition, part
        yield part, VOID.property, row["p"]
        yield part, VOID.triples, _number(int(row["n"].value))
    for namespace in sorted(set(DESCRIPTION_PREFIXES.values())):
        if any(term.startswith(namespace) for term in used):
            yield graph, VOID.vocabulary, NamedNode(namespace)

    for row in select(store, _placed(_EXAMPLES, space=space)):
        yield graph, VOID.exampleResource, row["s"]

    # One dataset per plan: the plan's named graph, a part of the whole.
    graph_sizes = {row["g"].value: int(row["n"].value) for row in select(store, _GRAPH_TRIPLES)}
    for item in plan_datasets(store, base):
        dataset = urls.part(_slug(item.plan, base))
        yield catalog, DCAT.dataset, dataset
        yield service, DCAT.servesDataset, dataset
        yield dataset, RDF.type, DCAT.Dataset
        yield dataset, RDF.type, VOID.Dataset
        yield from titled(
            dataset,
            item.title_ja,
            item.title_en,
            f"{item.title_ja}を読み取ったグラフ({item.graph.value})。",
            f"The graph read from {item.title_en or item.title_ja} ({item.graph.value}).",
        )
        yield from about(dataset)
        yield dataset, DCTERMS.language, EU_LANGUAGE.JPN
        yield dataset, DCTERMS.isPartOf, graph
        yield graph, DCTERMS.hasPart, dataset
        yield graph, VOID.subset, dataset
        yield dataset, VOID.rootResource, item.plan
        yield dataset, VOID.exampleResource, item.plan
        yield dataset, VOID.sparqlEndpoint, urls.sparql
        yield dataset, VOID.triples, _number(graph_sizes.get(item.graph.value, 0))
        for source in credit.sources:
            if source.plan == item.plan.value:
                where = NamedNode(source.url or source.document)
                yield dataset, DCTERMS.source, where
                yield graph, DCTERMS.source, where
                yield from _source(source, where)

    # The SPARQL endpoint.
    yield service, RDF.type, DCAT.DataService
    yield from titled(
        service,
        "minami-kg SPARQLエンドポイント",
        "minami-kg SPARQL endpoint",
        "SPARQL 1.1 プロトコルによる問い合わせ。既定グラフは全名前付きグラフの和。",
        "SPARQL 1.1 Protocol queries; the default graph is the union of all named graphs.",
    )
    yield service, DCAT.endpointURL, urls.sparql
    yield service, DCAT.endpointDescription, urls.sparql
    yield service, DCAT.servesDataset, graph
    yield service, DCTERMS.conformsTo, SPARQL_PROTOCOL
    yield SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard
    yield from about(service)
    yield service, DCAT.keyword, Literal("SPARQL", language="en")

    # One distribution per dump file.
    media_types: set[str] = set()
    file_types = NamedNode(str(EU_FILE_TYPE).rstrip("/"))
    for dump in manifest.files if manifest else ():
        distribution = urls.part("dump-" + dump.name.removeprefix("minami-kg.").replace(".", "-"))
        url = urls.download(dump.name)
        yield graph, DCAT.distribution, distribution
        yield graph, VOID.dataDump, url
        yield distribution, RDF.type, DCAT.Distribution
        label = FORMAT_LABELS.get(dump.file_type, dump.file_type)
        scope_ja, scope_en = (
            ("全名前付きグラフ", "every named graph")
            if dump.file_type in DATASET_FILE_TYPES
            else ("全名前付きグラフの和", "the union of the named graphs")
        )
        packed_ja, packed_en = ("(gzip 圧縮)", ", gzipped") if dump.gzip else ("", "")
        yield distribution, DCTERMS.title, Literal(f"{dump.name} ({label})", language="en")
        yield (
            distribution,
            DCTERMS.description,
            Literal(f"グラフ全体({scope_ja})の {label}{packed_ja}。", language="ja"),
        )
        yield (
            distribution,
            DCTERMS.description,
            Literal(f"The whole graph ({scope_en}) as {label}{packed_en}.", language="en"),
        )
        yield distribution, DCAT.accessURL, url
        yield distribution, DCAT.downloadURL, url
        yield distribution, DCAT.mediaType, IANA[dump.media_type]
        media_types.add(dump.media_type)
        yield distribution, DCTERMS["format"], EU_FILE_TYPE[dump.file_type]
        yield EU_FILE_TYPE[dump.file_type], RDF.type, DCTERMS.MediaTypeOrExtent
        yield EU_FILE_TYPE[dump.file_type], SKOS.inScheme, file_types
        if dump.gzip:
            yield distribution, DCAT.compressFormat, IANA[GZIP_MEDIA_TYPE]
            media_types.add(GZIP_MEDIA_TYPE)
        yield distribution, DCAT.byteSize, _number(dump.byte_size, XSD.nonNegativeInteger)
        checksum = BlankNode(f"checksum-{dump.name.replace('.', '-')}")
        yield distribution, SPDX.checksum, checksum
        yield checksum, RDF.type, SPDX.Checksum
        yield checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256
        yield checksum, SPDX.checksumValue, Literal(dump.sha256, datatype=XSD.hexBinary)
        yield distribution, DCTERMS.license, licence
        yield distribution, DCTERMS.rights, rights
    yield SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm
    for media_type in sorted(media_types):
        yield IANA[media_type], RDF.type, DCTERMS.MediaType


def _rights(credit: Attribution, rights: NamedNode) -> Iterator[tuple]:
    """The licence, 出典 and 加工 lines as one rights statement, in Japanese and English."""
    yield rights, RDF.type, DCTERMS.RightsStatement
    for lang in ("ja", "en"):
        yield rights, RDFS.label, Literal(credit.statement(lang), language=lang)


def _source(source: SourceCredit, where: NamedNode) -> Iterator[tuple]:
    """A plan's source document as DCAT-AP wants the object of dcterms:source: a dataset
    with a title and a description (its URL when the manifest gives one, else our copy)."""
    yield where, RDF.type, DCAT.Dataset
    yield where, DCTERMS.title, Literal(source.title, language="ja")
    publisher = source.publisher or ""
    yield (
        where,
        DCTERMS.description,
        Literal(
            f"{publisher}が公開した「{source.title}」。このデータセットの出典。", language="ja"
        ),
    )
    yield (
        where,
        DCTERMS.description,
        Literal(
            f"“{source.title}”, published by {publisher or 'its ward'}: the source.",
            language="en",
        ),
    )
