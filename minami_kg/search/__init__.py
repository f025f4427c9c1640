"""Japanese full-text search over the graph: an SQLite FTS5 index built from the store.

`build_index` reads every labelled resource through SPARQL and writes the
index file; `SearchIndex` opens it read-only; `search` answers a query with
ranked hits, highlighted snippets and facets.
"""

from minami_kg.search.index import IndexMissing, SearchIndex, build_index, recorded_build_id
from minami_kg.search.query import (
    MAX_QUERY_CHARS,
    FacetValue,
    Filters,
    Hit,
    QueryError,
    SearchResult,
    clean_query,
    search,
)

__all__ = [
    "MAX_QUERY_CHARS",
    "FacetValue",
    "Filters",
    "Hit",
    "IndexMissing",
    "QueryError",
    "SearchIndex",
    "SearchResult",
    "build_index",
    "clean_query",
    "recorded_build_id",
    "search",
]
