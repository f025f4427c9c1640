"""Run one /sparql query and write its result in the negotiated format, `max_rows` at most.

Everything here is plain data in and bytes out, so it runs the same in a
query process (`pool`) and, for a remote store, in the web process.

Every byte comes from pyoxigraph's serialisers. Solutions are cut at
`max_rows` in TSV, where each solution is exactly one line (a line break in a
literal is escaped), and the serialiser is stopped there, which stops the
query too: solutions are pulled lazily. For any other format the TSV is read
back and written again in that format: pyoxigraph can write a result only
from a query, not from solutions already taken out of it.
"""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass, field
from typing import IO, TypedDict, cast

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    Store,
    parse_query_results,
    serialize,
)

from minami_kg.results.formats import (
    FORMATS_BY_KIND,
    GRAPH,
    RESULTS,
    MediaRange,
    choose,
    describe,
)
from minami_kg.store import serialized


@dataclass(frozen=True)
class Job:
    """One query and how to answer it; plain data, so it pickles to a query process.

    `default_graphs` / `named_graphs` are the protocol dataset (SPARQL 1.1
    Protocol §2.1.4); both None means the query's own FROM clauses or, without
    them, the union of all named graphs as the default graph.
    """

    query: str
    base_iri: str | None = None
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    accept: tuple[MediaRange, ...] = (MediaRange("*", "*", 1.0, 0),)
    format_names: tuple[str, ...] = ()
    max_rows: int = 10_000


@dataclass(frozen=True)
class Answer:
    media_type: str
    body: bytes
    truncated: bool = False


@dataclass(frozen=True)
class Refusal:
    """Not an answer: an HTTP status and a message for the client."""

    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)


Reply = Answer | Refusal
Result = QueryBoolean | QuerySolutions | QueryTriples


def execute(store: Store, job: Job) -> Reply:
    """Run `job` on `store` and serialise the result; errors become a `Refusal`.

    SyntaxError is the client's (400); OSError is the store's (503); nothing
    else is caught here, so a bug shows up as a failure, not as a bad query.
    """
    try:
        result = store.query(job.query, base_iri=job.base_iri, **_dataset(job))
    except SyntaxError as err:
        return Refusal(400, f"Query syntax error: {err}")
    except OSError as err:
        return unavailable(err)
    return answer(result, job)


def answer(result: Result, job: Job) -> Reply:
    """The result serialised as the job asks, branching on the result's type."""
    kind = GRAPH if isinstance(result, QueryTriples) else RESULTS
    fmt = choose(kind, job.accept, job.format_names)
    if fmt is None:
        what = "CONSTRUCT and DESCRIBE" if kind == GRAPH else "SELECT and ASK"
        return Refusal(406, f"{what} results are available as: {describe(FORMATS_BY_KIND[kind])}")
    try:
        if isinstance(result, QueryBoolean):
            return Answer(fmt.media_type, serialized(result.serialize(format=fmt.results_format())))
        if isinstance(result, QuerySolutions):
            return Answer(fmt.media_type, *_solutions(result, fmt.results_format(), job.max_rows))
        body = serialize(itertools.islice(result, job.max_rows), format=fmt.rdf_format())
        return Answer(fmt.media_type, serialized(body), next(result, None) is not None)
    except OSError as err:
        return unavailable(err)
    except SyntaxError as err:  # an evaluation error pyoxigraph reports late
        return Refusal(400, f"Query error: {err}")


def unavailable(err: Exception) -> Refusal:
    return Refusal(503, f"The store is not available: {err}", {"Retry-After": "5"})


class _Dataset(TypedDict, total=False):
    """The dataset arguments of pyoxigraph's `Store.query`."""

    use_default_graph_as_union: bool
    default_graph: DefaultGraph | list[NamedNode | BlankNode | DefaultGraph]
    named_graphs: list[NamedNode | BlankNode]


def _dataset(job: Job) -> _Dataset:
    if job.default_graphs is None and job.named_graphs is None:
        return {"use_default_graph_as_union": True}
    # Only named graphs given: the default graph is the store's own (empty when
    # built by `minami-kg build`, which puts every triple in a named graph).
    return {
        "default_graph": (
            [NamedNode(g) for g in job.default_graphs] if job.default_graphs else DefaultGraph()
        ),
        "named_graphs": [NamedNode(g) for g in job.named_graphs or ()],
    }


class _Enough(Exception):
    """Raised by `_Lines` to stop the serialiser once it has the lines it needs."""


class _Lines:
    """A write target keeping the first `limit` lines of what is written to it."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: list[bytes] = []
        self.lines = 0
        self.cut = False

    def write(self, data: bytes) -> int:
        if self.cut:
            return len(data)  # pyoxigraph flushes its buffer once more on the way out
        data = bytes(data)
        lines = data.count(b"\n")
        if self.lines + lines > self.limit:
            end = -1
            for _ in range(self.limit - self.lines):
                end = data.index(b"\n", end + 1)
            self.chunks.append(data[: end + 1])
            self.cut = True
            raise _Enough
        self.chunks.append(data)
        self.lines += lines
        return len(data)

    def flush(self) -> None:
        pass


def _solutions(
    solutions: QuerySolutions, fmt: QueryResultsFormat, max_rows: int
) -> tuple[bytes, bool]:
    """The solutions in `fmt`, at most `max_rows` of them, and whether some were left out."""
    sink = _Lines(max_rows + 1)  # the header line, then one line a solution
    # pyoxigraph writes to any object with a `write`; its stubs ask for an IO[bytes]
    with contextlib.suppress(_Enough):
        solutions.serialize(cast(IO[bytes], sink), format=QueryResultsFormat.TSV)
    tsv = b"".join(sink.chunks)
    if fmt == QueryResultsFormat.TSV:
        return tsv, sink.cut
    kept = parse_query_results(tsv, format=QueryResultsFormat.TSV)
    return serialized(kept.serialize(format=fmt)), sink.cut
