"""The ontology file as quads of the `ontology` named graph."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Triple, parse


def ontology_quads(path: Path, graph: NamedNode) -> list[Quad]:
    """Quads of a Turtle file, blank nodes replaced by stable IRIs.

    Blank node labels from a parser change from run to run; numbering them in
    order of appearance under `{graph}/.well-known/genid/` keeps rebuilds
    byte-identical (RDF 1.1 §3.5, skolemisation).
    """
    names: dict[str, NamedNode] = {}

    def stable(term):
        if isinstance(term, BlankNode):
            if term.value not in names:
                names[term.value] = NamedNode(f"{graph.value}/.well-known/genid/{len(names) + 1}")
            return names[term.value]
        return term

    triples: list[Triple] = list(parse(path=str(path), format=RdfFormat.TURTLE))
    return [Quad(stable(t.subject), t.predicate, stable(t.object), graph) for t in triples]
