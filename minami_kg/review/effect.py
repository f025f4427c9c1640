"""Making a changed curation file count at once: the store, the search index, the dumps.

The graph a rebuild would write now is computed the way `build` computes it
(`graph_quads` over the sources and the curation), compared with the store's
quads graph by graph, and the difference applied as one SPARQL update
(`DELETE DATA … ; INSERT DATA …`). So the store after a decision holds exactly
what a rebuild from the updated files would (tests/test_review.py compares the
sorted N-Quads), at the cost of one update instead of a bulk load, build
identifier included (`{base}graph/meta`: the digest of the new content, so
other app instances over the store notice the change). Left alone: the
ontology graph (files, not curation).

The embedded store's update writes a new generation and swaps it in, so the
store version, and with it every ETag, changes. A remote store (no update
method of its own here) is rebuilt through `build` instead. Then the search
index and the dumps are written again from the store, as `build` does.

On the seed (one plan, ~11,000 quads) this takes about a second; see
`Effect.seconds`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from minami_kg.build import BuiltPlan, build, graph_quads, read_sources
from minami_kg.config import Settings
from minami_kg.curation import load_curation
from minami_kg.publish import publish_dumps
from minami_kg.rdf.iris import Iris
from minami_kg.search import build_index
from minami_kg.store import EmbeddedStore, GraphStore


class NotFromSources(RuntimeError):
    """The store holds other plans than the sources folder: a decision would rewrite them."""


@dataclass(frozen=True)
class Effect:
    deleted: int
    inserted: int
    seconds: float


def _graphs_of(quads: set[Quad]) -> dict[str, set[Quad]]:
    found: dict[str, set[Quad]] = defaultdict(set)
    for quad in quads:
        if isinstance(quad.graph_name, NamedNode):
            found[quad.graph_name.value].add(quad)
    return found


def _data_block(keyword: str, quads: set[Quad]) -> str:
    by_graph = _graphs_of(quads)
    parts = []
    for graph in sorted(by_graph):
        triples = "\n".join(
            sorted(f"{q.subject} {q.predicate} {q.object} ." for q in by_graph[graph])
        )
        parts.append(f"GRAPH <{graph}> {{\n{triples}\n}}")
    return f"{keyword} {{\n" + "\n".join(parts) + "\n}"


def difference(
    settings: Settings, store: GraphStore, plans: list[BuiltPlan]
) -> tuple[set[Quad], set[Quad]]:
    """(quads to delete, quads to insert) so that the store holds what a rebuild would."""
    iris = Iris(settings.base)
    new = set(graph_quads(plans, settings, load_curation(settings.curation)))
    old = set(parse(store.dump(RdfFormat.N_QUADS), format=RdfFormat.N_QUADS))
    skip = {iris.ontology_graph().value}
    new_graphs, old_graphs = _graphs_of(new), _graphs_of(old)
    plan_prefix = iris.graph("plan/").value
    built = {g for g in new_graphs if g.startswith(plan_prefix)}
    stored = {g for g in old_graphs if g.startswith(plan_prefix)}
    if built != stored:
        raise NotFromSources(
            f"the store holds the plans {sorted(stored)} but {settings.sources} has "
            f"{sorted(built)}: run `minami-kg build` first"
        )
    deleted: set[Quad] = set()
    inserted: set[Quad] = set()
    for graph in set(new_graphs) - skip:
        deleted |= old_graphs.get(graph, set()) - new_graphs[graph]
        inserted |= new_graphs[graph] - old_graphs.get(graph, set())
    return deleted, inserted


def take_effect(
    settings: Settings, store: GraphStore, plans: list[BuiltPlan] | None = None
) -> Effect:
    """Bring the store, the search index and the dumps up to the curation files now."""
    started = time.perf_counter()
    if plans is None:
        plans = read_sources(settings.sources, load_curation(settings.curation))
    deleted, inserted = difference(settings, store, plans)
    if not isinstance(store, EmbeddedStore):
        build(settings)  # writes the store, the index and the dumps
        return Effect(len(deleted), len(inserted), time.perf_counter() - started)
    if deleted or inserted:
        update = " ;\n".join(
            _data_block(keyword, quads)
            for keyword, quads in (("DELETE DATA", deleted), ("INSERT DATA", inserted))
            if quads
        )
        store.update(update)
    with ThreadPoolExecutor(max_workers=1) as pool:
        dumps = pool.submit(publish_dumps, settings)
        build_index(store, settings.base, settings.search_index_path)
        dumps.result()
    return Effect(len(deleted), len(inserted), time.perf_counter() - started)
