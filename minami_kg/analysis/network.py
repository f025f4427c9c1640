"""The section–measure network: read it, project it, measure it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

import networkx as nx
from networkx.algorithms import bipartite
from networkx.algorithms.community import greedy_modularity_communities
from pyoxigraph import Literal, NamedNode, Variable

from minami_kg.rdf.namespaces import SPARQL_PREFIXES
from minami_kg.store import GraphStore, select

_CONTRIBUTIONS = (
    SPARQL_PREFIXES
    + """
SELECT ?plan ?section ?sectionLabel ?measure ?measureLabel ?area ?areaLabel ?method ?score
       ?order ?basis ?sectionExact ?sectionLine ?measureExact ?measureLine
WHERE {
  ?c a mkg:Contribution ; mkg:accepted true ; mkg:inPlan ?plan ;
     mkg:section ?section ; mkg:measure ?measure ; mkg:method ?method ; mkg:score ?score .
  ?section skos:prefLabel ?sectionLabel . FILTER(lang(?sectionLabel) = "ja")
  ?measure skos:prefLabel ?measureLabel ; mkg:inFocusArea ?area .
  FILTER(lang(?measureLabel) = "ja")
  ?area skos:prefLabel ?areaLabel . FILTER(lang(?areaLabel) = "ja")
  OPTIONAL {
    ?c mkg:evidence ?e .
    ?e mkg:order ?order ; mkg:basis ?basis ;
       mkg:sectionSide ?s ; mkg:measureSide ?m .
    ?s mkg:sourceLine ?sectionLine ; oa:hasSelector/oa:exact ?sectionExact .
    ?m mkg:sourceLine ?measureLine ; oa:hasSelector/oa:exact ?measureExact .
  }
}
ORDER BY ?plan ?section ?measure ?order
"""
)


@dataclass(frozen=True)
class LinkEvidence:
    """One reason a section carries a measure, quoted from both sides."""

    basis: str
    section_quote: str
    section_line: int
    measure_quote: str
    measure_line: int


@dataclass
class _Link:
    method: str
    score: float
    evidence: list[LinkEvidence] = field(default_factory=list)


@dataclass(frozen=True)
class SectionPair:
    """Two sections and the measures both carry, with each side's link."""

    a: str  # section IRI
    b: str
    shared: tuple[str, ...]  # measure IRIs

    @property
    def weight(self) -> int:
        return len(self.shared)


def read_network(store: GraphStore, plan: str | None = None) -> nx.Graph:
    """The bipartite graph of accepted contributions (optionally of one plan).

    Nodes carry `label`, `kind` ("section" or "measure") and, for measures,
    `area`; edges carry `method`, `score` and `evidence` (LinkEvidence list).
    """
    substitutions = {Variable("plan"): NamedNode(plan)} if plan else None
    graph: nx.Graph[str] = nx.Graph()
    links: dict[tuple[str, str], _Link] = {}
    for row in select(store, _CONTRIBUTIONS, substitutions=substitutions):
        section, measure = row["section"].value, row["measure"].value
        graph.add_node(section, label=row["sectionLabel"].value, kind="section", bipartite=0)
        graph.add_node(
            measure,
            label=row["measureLabel"].value,
            kind="measure",
            area=row["areaLabel"].value,
            bipartite=1,
        )
        link = links.setdefault(
            (section, measure), _Link(row["method"].value, float(row["score"].value))
        )
        if row["basis"] is not None:
            link.evidence.append(
                LinkEvidence(
                    basis=row["basis"].value,
                    section_quote=row["sectionExact"].value,
                    section_line=_int(row["sectionLine"]),
                    measure_quote=row["measureExact"].value,
                    measure_line=_int(row["measureLine"]),
                )
            )
    for (section, measure), link in links.items():
        graph.add_edge(
            section, measure, method=link.method, score=link.score, evidence=link.evidence
        )
    return graph


def _int(term: Literal | None) -> int:
    return int(term.value) if term is not None else 0


def _sections(graph: nx.Graph) -> list[str]:
    return sorted(n for n, kind in graph.nodes(data="kind") if kind == "section")


def section_pairs(graph: nx.Graph) -> list[SectionPair]:
    """Pairs of sections that share measures, most shared first."""
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for measure, kind in graph.nodes(data="kind"):
        if kind != "measure":
            continue
        for a, b in combinations(sorted(graph.neighbors(measure)), 2):
            shared[(a, b)].append(measure)
    pairs = [SectionPair(a, b, tuple(sorted(ms))) for (a, b), ms in shared.items()]
    return sorted(pairs, key=lambda p: (-p.weight, p.a, p.b))


def projection(graph: nx.Graph) -> nx.Graph:
    """Sections joined by the number of measures they share (edge `weight`)."""
    return bipartite.weighted_projected_graph(graph, _sections(graph))


def centrality(graph: nx.Graph) -> dict[str, tuple[float, float]]:
    """For each section: (degree centrality, betweenness) in the bipartite graph."""
    if graph.number_of_nodes() == 0:
        return {}
    degree = nx.degree_centrality(graph)
    between = nx.betweenness_centrality(graph)
    return {n: (degree[n], between[n]) for n in _sections(graph)}


def communities(graph: nx.Graph) -> list[list[str]]:
    """Groups of sections that share measures more among themselves than with others."""
    projected = projection(graph)
    if projected.number_of_edges() == 0:
        return [[n] for n in sorted(projected.nodes)]
    found = greedy_modularity_communities(projected, weight="weight")
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c))
