"""What every store offers: the one interface `cli`, `server` and `analysis` read through.

Two implementations keep to it: `EmbeddedStore` (pyoxigraph on disk, the
default) and a remote SPARQL 1.1 server. Queries see the union of the named
graphs as their default graph, whichever store answers them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Variable,
)

Term = NamedNode | BlankNode | Literal
QueryResult = QuerySolutions | QueryBoolean | QueryTriples


class GraphStore(Protocol):
    def query(
        self, sparql: str, *, substitutions: Mapping[Variable, Term] | None = None
    ) -> QueryResult:
        """Run a SPARQL query over the union of the named graphs."""
        ...

    def dump(self, fmt: RdfFormat, *, prefixes: dict[str, str] | None = None) -> bytes:
        """Everything: quads for a dataset format, the union for a triple format."""
        ...

    def sorted_nquads(self) -> bytes:
        """Every quad as N-Quads, lines sorted."""
        ...

    def named_graphs(self) -> list[str]: ...

    def __len__(self) -> int: ...

    def replace(self, nquads_file: Path) -> None:
        """Make the store hold exactly the quads of an N-Quads file (what `build` does)."""
        ...


def select(
    store: GraphStore, sparql: str, *, substitutions: Mapping[Variable, Term] | None = None
) -> QuerySolutions:
    """The rows of a SELECT query: `query` answers every query form, so its type is all three."""
    result = store.query(sparql, substitutions=substitutions)
    assert isinstance(result, QuerySolutions), f"not a SELECT query's answer: {result!r}"
    return result


def serialized(data: bytes | None) -> bytes:
    """What a pyoxigraph serializer called without an `output` returned: the bytes.

    pyoxigraph's stubs give its serializers one return type for both uses,
    `bytes | None` (None when it wrote to `output`).
    """
    assert data is not None, "serialized to an output, not to bytes"
    return data
