"""The build identifier: one triple in `{base}graph/meta` that names what the store holds.

    <{base}dataset#graph> mkg:buildId "3f9a…" .     (in the graph {base}graph/meta)

Every writer of the graph sets it: `minami-kg build` (embedded or remote) to
a digest of everything else it writes, so two builds of the same sources
give the same identifier and byte-identical exports; an update through
/sparql to a fresh random one, since an update's result has no sources to
be rebuilt from. Readers compare it with what they derived from the store
before — an app instance's search index records the identifier it was built
from, and a remote store's HTTP validators are made from it — so that many
instances over one engine notice a rebuild done anywhere with one small query.

A store written before the identifier existed has none: `read_build_id`
gives None, and the readers treat None as one more identifier.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, serialize

from minami_kg.store.base import GraphStore, select

BUILD_ID = NamedNode("https://w3id.org/minami-kg/def#buildId")
DIGEST_HEX = 20  # 80 bits of the SHA-256: no two builds of one deployment will collide


def meta_graph(base: str) -> NamedNode:
    """`{base}graph/meta`, the graph that describes the store itself."""
    return NamedNode(f"{base}graph/meta")


def dataset_node(base: str) -> NamedNode:
    """The whole graph as a dataset: the subject the DCAT/VoID description also uses."""
    return NamedNode(f"{base}dataset#graph")


def content_build_id(quads: Iterable[Quad]) -> str:
    """A digest of the quads as sorted N-Quads lines: the same graph, the same identifier."""
    data = serialize(list(quads), format=RdfFormat.N_QUADS) or b""
    lines = sorted(data.splitlines(keepends=True))
    return hashlib.sha256(b"".join(lines)).hexdigest()[:DIGEST_HEX]


def random_build_id() -> str:
    """A fresh identifier for a graph changed by an update (prefixed, to tell it from a build's)."""
    return "u" + secrets.token_hex(DIGEST_HEX // 2)


def build_id_quad(base: str, build_id: str) -> Quad:
    return Quad(dataset_node(base), BUILD_ID, Literal(build_id), meta_graph(base))


def with_build_id(quads: Iterable[Quad], base: str) -> list[Quad]:
    """`quads` (without any build identifier) and the triple naming their digest, sorted."""
    content = [q for q in quads if q.predicate != BUILD_ID]
    return sorted([*content, build_id_quad(base, content_build_id(content))], key=str)


def stamp_update(base: str, build_id: str) -> str:
    """A SPARQL update that replaces the store's identifier with `build_id`."""
    graph, subject = meta_graph(base), dataset_node(base)
    return (
        f"DELETE WHERE {{ GRAPH {graph} {{ {subject} {BUILD_ID} ?old }} }} ;\n"
        f"INSERT DATA {{ GRAPH {graph} {{ {subject} {BUILD_ID} {Literal(build_id)} }} }}"
    )


def read_build_id(store: GraphStore, base: str) -> str | None:
    """The identifier the store carries, or None (a store from before identifiers).

    One small query; raises what the store raises (`StoreError` when it is away).
    """
    query = (
        f"SELECT ?id WHERE {{ GRAPH {meta_graph(base)} {{ {dataset_node(base)} {BUILD_ID} ?id }} }}"
        " ORDER BY ?id LIMIT 1"
    )
    for row in select(store, query):
        value = row["id"]
        return value.value if value is not None else None
    return None
