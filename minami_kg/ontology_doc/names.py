"""Reading single values out of the two Turtle files, and naming what they mention.

Shared by the terms (`minami_kg.ontology_doc.terms`) and the shapes
(`minami_kg.ontology_doc.shapes`): what counts as one of our terms (`MKG`,
`is_ours`, `local`), a literal or a pair of languages read off a node, an RDF
list walked, and `Names`, which turns any IRI into a prefixed name and a
`TermRef` the page can link.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeGuard

from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from minami_kg.ontology_doc.model import TermRef, Text

MKG = "https://w3id.org/minami-kg/def#"
"""Our namespace: its terms get a section (and an anchor) of their own on the page."""


def is_ours(node: object) -> TypeGuard[URIRef]:
    """Whether `node` is a term of our namespace."""
    return isinstance(node, URIRef) and str(node).startswith(MKG)


def local(iri: object) -> str:
    """The local name of one of our terms: `Measure` for `mkg:Measure`."""
    return str(iri)[len(MKG) :]


def value(graph: Graph, subject: Node, predicate: URIRef) -> str:
    """One value as text (the first in order when there are several), else ``""``."""
    values = sorted(str(o) for o in graph.objects(subject, predicate))
    return values[0] if values else ""


def text(graph: Graph, subject: Node, predicate: URIRef) -> Text:
    """The Japanese and English literals of `predicate` (``""`` for a missing one)."""
    by_language: dict[str, str] = {}
    for found in graph.objects(subject, predicate):
        if isinstance(found, Literal):
            by_language.setdefault(found.language or "", str(found))
    return Text(by_language.get("ja", ""), by_language.get("en", ""))


def rdf_list(graph: Graph, head: Node | None) -> list[Node]:
    """The members of the RDF list starting at `head` (none without a head)."""
    return list(Collection(graph, head)) if head is not None else []


class Names:
    """Prefixed names and page references for IRIs, from both files' prefixes."""

    def __init__(self, graph: Graph, shapes_graph: Graph) -> None:
        declared = {str(ns): p for g in (shapes_graph, graph) for p, ns in g.namespaces()}
        self._namespaces = sorted(declared.items(), key=lambda item: -len(item[0]))
        self._graph = graph

    def curie(self, iri: object) -> str:
        """`mkg:Measure`, or `<iri>` when no prefix fits."""
        name = str(iri)
        for namespace, prefix in self._namespaces:
            if name.startswith(namespace) and len(name) > len(namespace):
                return f"{prefix}:{name[len(namespace) :]}"
        return f"<{name}>"

    def ref(self, node: object) -> TermRef:
        """A link to the term: our terms to their anchor, with their labels."""
        iri = str(node)
        if iri.startswith(MKG):
            label = text(self._graph, URIRef(iri), RDFS.label)
            return TermRef(iri, self.curie(iri), anchor=local(iri), label=label)
        return TermRef(iri, self.curie(iri))

    def refs(self, nodes: Iterable[object]) -> tuple[TermRef, ...]:
        """Links to the IRIs among `nodes` (blank nodes left out), by IRI."""
        found = (self.ref(n) for n in nodes if isinstance(n, URIRef))
        return tuple(sorted(found, key=lambda ref: ref.iri))


def refers_to(refs: Iterable[TermRef], iri: object) -> bool:
    """Whether one of `refs` links `iri`."""
    return any(ref.iri == str(iri) for ref in refs)
