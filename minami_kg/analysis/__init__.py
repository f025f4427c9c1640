"""Network analysis of who works with whom, read through the store.

The accepted contributions form a bipartite graph of sections and measures;
its projection onto sections joins two sections by the measures they share.
"""

from minami_kg.analysis.network import (
    LinkEvidence,
    SectionPair,
    centrality,
    communities,
    read_network,
    section_pairs,
)

__all__ = [
    "LinkEvidence",
    "SectionPair",
    "centrality",
    "communities",
    "read_network",
    "section_pairs",
]
