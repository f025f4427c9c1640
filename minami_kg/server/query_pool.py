"""Run /sparql queries in worker processes that can be killed on timeout.

pyoxigraph has no query timeout and cannot cancel a running query, and a
signal does not interrupt it (the work happens in Rust, outside the GIL). The
only way to really stop a runaway query is to stop the process running it.
Under gunicorn the web worker runs the query and is itself that process
(`watchdog`). Where that is not possible (Flask's dev server, the test client,
threaded servers), each web process keeps a small pool of worker processes
(`query_workers`):

* a worker opens the store read-only (`Store.read_only`) and reopens it when the
  store's symbolic link points to a new generation (after `build` or an update);
* it runs the query, serialises the result with pyoxigraph's own serialisers in
  the format the client negotiated, and sends back bytes, never Python objects;
* when a query outlives `sparql_timeout`, the pool kills that worker, starts a
  fresh one, and the request is answered 503 with Retry-After. Other requests
  keep being answered by the other workers meanwhile.

Workers are fresh interpreters (no inherited store handles or web-server
state), started only when the first query arrives, so building an app costs
nothing. A worker exits when its socket closes, i.e. when the web process that
owns it goes away.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
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

from minami_kg.server.sparql_formats import (
    FORMATS_BY_KIND,
    GRAPH,
    RESULTS,
    Format,
    MediaRange,
    choose,
    describe,
)
from minami_kg.store import serialized

READY = "ready"


@dataclass(frozen=True)
class Job:
    """One query and how to answer it; plain data, so it pickles to a worker.

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


class QueryTimeout(Exception):
    """The query ran longer than the endpoint allows; its worker was stopped."""


class PoolBusy(Exception):
    """Every worker stayed busy for as long as a query may run."""


Result = QueryBoolean | QuerySolutions | QueryTriples


def execute(store: Store, job: Job) -> Reply:
    """Run `job` on `store` and serialise the result; errors become a `Refusal`.

    SyntaxError is the client's (400); OSError is the store's (503); nothing
    else is caught here, so a bug shows up as a failure, not as a bad query.
    """

    def run() -> Result:
        return store.query(job.query, base_iri=job.base_iri, **_dataset(job))

    try:
        result = run()
    except SyntaxError as err:
        return Refusal(400, f"Query syntax error: {err}")
    except OSError as err:
        return _unavailable(err)
    return answer(result, job, run)


def answer(result: Result, job: Job, again: Callable[[], Result]) -> Reply:
    """The result serialised as the job asks, branching on the result's type.

    `again` runs the query once more: needed only when the rows of a JSON answer
    could not be counted exactly (see `_first_solutions`).
    """
    kind = GRAPH if isinstance(result, QueryTriples) else RESULTS
    fmt = choose(kind, job.accept, job.format_names)
    if fmt is None:
        what = "CONSTRUCT and DESCRIBE" if kind == GRAPH else "SELECT and ASK"
        return Refusal(406, f"{what} results are available as: {describe(FORMATS_BY_KIND[kind])}")
    try:
        if isinstance(result, QueryBoolean):
            return Answer(fmt.media_type, serialized(result.serialize(format=fmt.results_format())))
        if isinstance(result, QuerySolutions):
            cut = _first_solutions(result, fmt.results_format(), job.max_rows)
            if cut is None:
                rerun = again()
                assert isinstance(rerun, QuerySolutions)
                cut = _through_tsv(rerun, fmt.results_format(), job.max_rows)
            return Answer(fmt.media_type, *cut)
        return _first_triples(result, fmt, job.max_rows)
    except OSError as err:
        return _unavailable(err)
    except SyntaxError as err:  # an evaluation error pyoxigraph reports late
        return Refusal(400, f"Query error: {err}")


class _Dataset(TypedDict, total=False):
    """The dataset arguments of pyoxigraph's `Store.query`."""

    use_default_graph_as_union: bool
    default_graph: DefaultGraph | list[NamedNode | BlankNode | DefaultGraph]
    named_graphs: list[NamedNode | BlankNode]


def _dataset(job: Job) -> _Dataset:
    if job.default_graphs is None and job.named_graphs is None:
        return {"use_default_graph_as_union": True}
    dataset: _Dataset = {}
    # Only named graphs given: the default graph is the store's own (empty when
    # built by `minami-kg build`, which puts every triple in a named graph).
    dataset["default_graph"] = (
        [NamedNode(g) for g in job.default_graphs] if job.default_graphs else DefaultGraph()
    )
    dataset["named_graphs"] = [NamedNode(g) for g in job.named_graphs or ()]
    return dataset


class _Enough(Exception):
    """Raised by a sink to stop the serialiser once it has the rows it needs."""


@dataclass(frozen=True)
class _Rows:
    """How to find where each solution starts in the bytes of one results format.

    `starts` matches once per solution it can see, and nowhere else; cutting
    `offset` bytes from the start of a match drops that solution and all after
    it. `unsure` matches once per solution `starts` cannot see, and perhaps
    inside a literal too, so its count is only an upper bound. `end` closes the
    document after the last solution kept. Each pattern begins with a literal,
    which `re` finds fast: one that began with a character class took ten times
    as long on 3.7 MB of JSON.
    """

    starts: re.Pattern[bytes]
    end: bytes
    offset: int = 0
    unsure: re.Pattern[bytes] | None = None


_ROWS = {
    # A solution opens with `{` after the `[` of "bindings" or a `,`. A binding's
    # name follows: a quote (never raw inside a string literal) and a character that
    # cannot follow a string's closing quote. An empty solution is `{}`, which a
    # literal may hold too.
    QueryResultsFormat.JSON: _Rows(
        re.compile(rb'\{"(?<=[\[,]..)[^:,}]'),
        b"]}}",
        offset=-1,  # the comma before it
        unsure=re.compile(rb"\{\}(?<=[\[,]..)"),
    ),
    # `<` is always escaped in text, so `<result>` is a solution and nothing else.
    QueryResultsFormat.XML: _Rows(re.compile(rb"<result>"), b"</results></sparql>"),
    # A line after the header's, empty or not (a newline in a literal is escaped):
    # the newline before it, when something follows.
    QueryResultsFormat.TSV: _Rows(re.compile(rb"\n(?=.)", re.DOTALL), b"", offset=1),
}
_LOOK_BACK = 7  # bytes kept from earlier writes: a start split between two of them


class _RowSink:
    """A write target that keeps a results document up to its solution `limit`.

    It counts the solutions as the serialiser writes them and stops it at the
    start of the one after `limit`, which it remembers as `cut`. `unsure`
    counts what may or may not be a solution (see `_Rows`); once that could
    take the count past `limit`, the sink stops and the count is unknown.
    """

    def __init__(self, rows: _Rows, limit: int) -> None:
        self.rows = rows
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0
        self.tail = b""  # the last bytes written, to see a start split between writes
        self.seen = 0
        self.unsure = 0
        self.cut: int | None = None
        self.stopped = False

    def write(self, data: bytes) -> int:
        if self.stopped:
            return len(data)  # pyoxigraph flushes its buffer once more on the way out
        data = bytes(data)
        tail, window = self.tail, self.tail + data
        self.chunks.append(data)
        self.size += len(data)
        self.tail = window[-_LOOK_BACK:]
        found = _new_matches(self.rows.starts, tail, window)
        if self.seen + found > self.limit:
            counted = {m.start() for m in self.rows.starts.finditer(tail)}
            starts = [m.start() for m in self.rows.starts.finditer(window)]
            new = [start for start in starts if start not in counted]
            self.cut = self.size - len(window) + new[self.limit - self.seen] + self.rows.offset
        self.seen += found
        if self.rows.unsure is not None:
            self.unsure += _new_matches(self.rows.unsure, tail, window)
        if self.cut is not None or (self.unsure and self.seen + self.unsure > self.limit):
            self.stopped = True
            raise _Enough
        return len(data)

    def flush(self) -> None:
        pass


def _new_matches(pattern: re.Pattern[bytes], tail: bytes, window: bytes) -> int:
    """Matches in `window` (`tail` + new bytes) not already counted, i.e. not in `tail`
    alone (the patterns never overlap themselves, so a match in `tail` is one in `window`)."""
    return len(pattern.findall(window)) - len(pattern.findall(tail))


def _first_solutions(
    solutions: QuerySolutions, fmt: QueryResultsFormat, max_rows: int
) -> tuple[bytes, bool] | None:
    """The solutions in `fmt`, at most `max_rows` of them, and whether some were left
    out; None when that count cannot be told from the bytes (then `_through_tsv`).

    The serialiser pulls solutions lazily, so stopping it stops the query; the
    solutions are counted in the bytes it writes (`_Rows`), and every byte still
    comes from pyoxigraph's serialisers. CSV, whose quoted values may hold line
    breaks, goes through TSV.
    """
    rows = _ROWS.get(fmt)
    if rows is None:
        return _through_tsv(solutions, fmt, max_rows)
    sink = _RowSink(rows, max_rows)
    try:
        # pyoxigraph writes to any object with a `write`; its stubs ask for an IO[bytes]
        solutions.serialize(cast(IO[bytes], sink), format=fmt)
    except _Enough:
        if sink.cut is None or sink.unsure:
            return None
        return b"".join(sink.chunks)[: sink.cut] + rows.end, True
    return b"".join(sink.chunks), False


def _through_tsv(
    solutions: QuerySolutions, fmt: QueryResultsFormat, max_rows: int
) -> tuple[bytes, bool]:
    """Cut as TSV, where solutions are counted exactly, then written in `fmt` by pyoxigraph."""
    cut = _first_solutions(solutions, QueryResultsFormat.TSV, max_rows)
    assert cut is not None, "TSV rows are always counted exactly"
    tsv, truncated = cut
    if fmt == QueryResultsFormat.TSV:
        return tsv, truncated
    results = parse_query_results(tsv, format=QueryResultsFormat.TSV)
    return serialized(results.serialize(format=fmt)), truncated


def _first_triples(triples: QueryTriples, fmt: Format, max_rows: int) -> Answer:
    """At most `max_rows` triples in `fmt`; one more is read to know if any were left out."""
    body = serialized(serialize(itertools.islice(triples, max_rows), format=fmt.rdf_format()))
    truncated = next(triples, None) is not None
    return Answer(fmt.media_type, body, truncated)


def worker_main(conn: Connection, store_path: str) -> None:
    """A worker's loop: receive a Job, send back a Reply, until the socket closes."""
    opened: str | None = None
    store: Store | None = None
    try:
        conn.send(READY)
        while True:
            job = conn.recv()
            target = os.path.realpath(store_path)
            if store is None or target != opened:
                try:
                    store = Store.read_only(target)
                    opened = target
                except (OSError, RuntimeError) as err:  # RuntimeError: a damaged store
                    conn.send(_unavailable(err))
                    continue
            try:
                reply = execute(store, job)
            except Exception:  # a bug, not the client's fault: log it, answer 500, go on
                traceback.print_exc()
                reply = Refusal(500, "Internal error while running the query.")
            conn.send(reply)
    except (EOFError, OSError):
        return  # the web process has gone


def _unavailable(err: OSError | RuntimeError) -> Refusal:
    return Refusal(503, f"The store is not available: {err}", {"Retry-After": "5"})


class _Worker:
    """One worker process and our end of the socket pair we talk to it over.

    Started as a fresh interpreter with `subprocess` rather than through
    `multiprocessing`, which would import the host's `__main__` again (a
    script, gunicorn, the Flask reloader) in every worker.
    """

    def __init__(self, store_path: str) -> None:
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WORKER_ENTRY, str(theirs.fileno()), store_path],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        self.ready = False

    def wait_ready(self, seconds: float) -> bool:
        if not self.ready and self.conn.poll(seconds):
            self.ready = self.conn.recv() == READY
        return self.ready

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.conn.close()


_WORKER_ENTRY = (
    "import sys; from minami_kg.server.query_pool import serve_worker; "
    "serve_worker(int(sys.argv[1]), sys.argv[2])"
)


def serve_worker(fd: int, store_path: str) -> None:
    """The worker process's entry point: talk over the inherited socket `fd`."""
    worker_main(Connection(fd), store_path)


class QueryPool:
    """`size` worker processes over the store at `store_path`; one query each at a time."""

    def __init__(self, store_path: Path, *, size: int, timeout: float) -> None:
        self.store_path = str(store_path)
        self.size = max(1, size)
        self.timeout = timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._started = False

    def _start(self) -> None:
        with self._lock:
            if not self._started:
                for _ in range(self.size):
                    self._add()
                self._started = True

    def _add(self) -> None:
        worker = _Worker(self.store_path)
        self._all.append(worker)
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._all.remove(worker)
            self._add()

    def run(self, job: Job) -> Reply:
        """The reply to `job`; raises QueryTimeout or PoolBusy (both answered 503)."""
        self._start()
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise PoolBusy from None
        if not worker.wait_ready(max(30.0, self.timeout)):
            self._replace(worker)
            raise PoolBusy
        try:
            worker.conn.send(job)
            if not worker.conn.poll(self.timeout):
                self._replace(worker)
                raise QueryTimeout
            reply: Reply = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)  # the worker died (e.g. out of memory)
            return Refusal(503, "The query stopped its worker; try again.", {"Retry-After": "1"})
        self._idle.put(worker)
        return reply

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and monitoring)."""
        return [w.process.pid for w in self._all]

    def close(self) -> None:
        with self._lock:
            for worker in self._all:
                with contextlib.suppress(Exception):
                    worker.stop()
            self._all.clear()
            self._idle = queue.Queue()
            self._started = False
