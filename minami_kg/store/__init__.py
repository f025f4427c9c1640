"""Where the graph lives: the embedded Oxigraph store, or a remote SPARQL 1.1 server."""

from pyoxigraph import RdfFormat

from minami_kg.config import Settings
from minami_kg.store.base import GraphStore, QueryResult, Term, select, serialized
from minami_kg.store.embedded import EmbeddedStore, StoreBusy, StoreError, replace_store
from minami_kg.store.remote import RemoteStore

EXPORT_FORMATS: dict[str, RdfFormat] = {
    "ttl": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "nq": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
}


def open_store(settings: Settings) -> GraphStore:
    """The store the settings name: the embedded one at `settings.store` by default.

    With `settings.endpoint` set, a remote SPARQL 1.1 server whose graphs are
    those under `{base}graph/` (see `minami_kg.store.remote`).
    """
    if settings.endpoint:
        return RemoteStore(
            settings.endpoint, settings.update_endpoint, graph_prefix=f"{settings.base}graph/"
        )
    return EmbeddedStore(settings.store)


__all__ = [
    "EXPORT_FORMATS",
    "EmbeddedStore",
    "GraphStore",
    "QueryResult",
    "RemoteStore",
    "StoreBusy",
    "StoreError",
    "Term",
    "open_store",
    "replace_store",
    "select",
    "serialized",
]
