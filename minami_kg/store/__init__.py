"""Where the graph lives: the embedded Oxigraph store (remote SPARQL stores later)."""

from pyoxigraph import RdfFormat

from minami_kg.store.embedded import EmbeddedStore, StoreError, replace_store

EXPORT_FORMATS: dict[str, RdfFormat] = {
    "ttl": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "nq": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
}

__all__ = ["EXPORT_FORMATS", "EmbeddedStore", "StoreError", "replace_store"]
