"""Writing the network for Gephi, Cytoscape and friends."""

from __future__ import annotations

from pathlib import Path

import networkx as nx


def write_network(graph: nx.Graph, path: Path, fmt: str) -> None:
    """GraphML or GEXF; evidence lists become a readable string attribute."""
    plain: nx.Graph[str] = nx.Graph()
    for node, data in graph.nodes(data=True):
        plain.add_node(node, **{k: v for k, v in data.items() if v is not None})
    for a, b, data in graph.edges(data=True):
        evidence = "; ".join(
            f"{e.basis}: {e.section_quote} (l.{e.section_line}) / {e.measure_quote} "
            f"(l.{e.measure_line})"
            for e in data.get("evidence", [])
        )
        plain.add_edge(a, b, method=data["method"], score=data["score"], evidence=evidence)
    if fmt == "graphml":
        nx.write_graphml(plain, path)
    elif fmt == "gexf":
        nx.write_gexf(plain, path)
    else:
        raise ValueError(f"unknown network format {fmt!r}")
