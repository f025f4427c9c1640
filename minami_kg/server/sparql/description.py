"""The SPARQL 1.1 Service Description of /sparql, answered to a GET without a query.

SPARQL 1.1 Service Description §2 and §3 (https://www.w3.org/TR/sparql11-service-description/):
an `sd:Service` with its `sd:endpoint`, the languages it speaks (Update only
when an update token is configured, since otherwise every update is refused),
each result format it can write, the feature `sd:UnionDefaultGraph` (queries
see the union of the named graphs as their default graph) and the default
dataset with one `sd:namedGraph` per graph in the store.

It is built as pyoxigraph triples and written by pyoxigraph's serialisers, so
every RDF format that /sparql offers for CONSTRUCT offers it too.
"""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from minami_kg.results.formats import GRAPH_FORMATS, RESULT_FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCTERMS_TITLE = NamedNode("http://purl.org/dc/terms/title")
PREFIXES = {
    "sd": SD,
    "formats": "http://www.w3.org/ns/formats/",
    "dcterms": "http://purl.org/dc/terms/",
}
# pyoxigraph 0.5 names JSON-LD https://www.w3.org/ns/formats/data/JSON-LD; the
# W3C's list of format IRIs (https://www.w3.org/ns/formats/) has this one.
W3C_FORMAT_IRIS = {"jsonld": "http://www.w3.org/ns/formats/JSON-LD"}


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)


def service_description(
    endpoint: str, named_graphs: list[str], *, update_enabled: bool
) -> list[Triple]:
    """The description's triples; the service's IRI is the endpoint's URL."""
    service = NamedNode(endpoint)
    triples = [
        Triple(service, RDF_TYPE, _sd("Service")),
        Triple(service, DCTERMS_TITLE, Literal("minami-kg SPARQL endpoint", language="en")),
        Triple(service, _sd("endpoint"), service),
        Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
    ]
    if update_enabled:
        triples.append(Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Update")))
    for fmt in RESULT_FORMATS:
        triples.append(Triple(service, _sd("resultFormat"), NamedNode(fmt.results_format().iri)))
    for fmt in GRAPH_FORMATS:
        iri = W3C_FORMAT_IRIS.get(fmt.name, fmt.rdf_format().iri)
        triples.append(Triple(service, _sd("resultFormat"), NamedNode(iri)))

    dataset, default_graph = BlankNode("dataset"), BlankNode("defaultGraph")
    triples += [
        Triple(service, _sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, _sd("Dataset")),
        Triple(dataset, _sd("defaultGraph"), default_graph),
        Triple(default_graph, RDF_TYPE, _sd("Graph")),
    ]
    for number, name in enumerate(named_graphs):
        entry = BlankNode(f"namedGraph{number}")
        triples += [
            Triple(dataset, _sd("namedGraph"), entry),
            Triple(entry, RDF_TYPE, _sd("NamedGraph")),
            Triple(entry, _sd("name"), NamedNode(name)),
        ]
    return triples
