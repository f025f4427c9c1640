"""Where the graph lives: the embedded Oxigraph store, or a remote SPARQL 1.1 server."""

from pyoxigraph import RdfFormat

from minami_kg.config import Settings
from minami_kg.store.base import GraphStore, QueryResult, Term
from minami_kg.store.embedded import EmbeddedStore, StoreError, replace_store

EXPORT_FORMATS: dict[str, RdfFormat] = {
    "ttl": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "nq": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
}


def open_store(settings: Settings) -> GraphStore:
    """The store the settings name: the embedded one at `settings.store` by default."""
    return EmbeddedStore(settings.store)


__all__ = [
    "EXPORT_FORMATS",
    "EmbeddedStore",
    "GraphStore",
    "QueryResult",
    "StoreError",
    "Term",
    "open_store",
    "replace_store",
]
