"""The vocabularies the graph uses, as pyoxigraph terms."""

from __future__ import annotations

from pyoxigraph import NamedNode


class Namespace:
    """An IRI prefix; `ns["local"]` or `ns.local` gives a NamedNode.

    Not a `str` subclass on purpose: `DCTERMS.title` must be the term, not `str.title`.
    """

    __slots__ = ("iri",)

    def __init__(self, iri: str) -> None:
        self.iri = iri

    def __str__(self) -> str:
        return self.iri

    def __getitem__(self, local: str) -> NamedNode:
        return NamedNode(self.iri + local)

    def __getattr__(self, local: str) -> NamedNode:
        if local.startswith("__"):
            raise AttributeError(local)
        return self[local]


MKG = Namespace("https://w3id.org/minami-kg/def#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
PROV = Namespace("http://www.w3.org/ns/prov#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
TIME = Namespace("http://www.w3.org/2006/time#")
OA = Namespace("http://www.w3.org/ns/oa#")
IC = Namespace("http://imi.go.jp/ns/core/rdf#")
"""IMI 共通語彙基盤 core vocabulary 2.4.2 (CC0): ic:組織型, ic:名称, ic:連絡先型 …"""

PREFIXES: dict[str, str] = {
    "mkg": str(MKG),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "dcat": str(DCAT),
    "prov": str(PROV),
    "org": str(ORG),
    "schema": str(SCHEMA),
    "foaf": str(FOAF),
    "time": str(TIME),
    "oa": str(OA),
    "ic": str(IC),
}


def compact_iri(iri: str, base: str) -> str:
    """A short form for display: `mkg:Section`, or the path after the base IRI."""
    if iri.startswith(base):
        return iri[len(base) :] or iri
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


SPARQL_PREFIXES = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
"""Every prefix above as a SPARQL prologue: the one our own queries start with."""
