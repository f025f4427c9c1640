"""The graph on any SPARQL 1.1 server, read and written over HTTP.

`RemoteStore` keeps to the `GraphStore` interface, so `cli`, `server` and
`analysis` cannot tell it from the embedded store: query results come back as
pyoxigraph's own types (`QuerySolutions`, `QueryBoolean`, `QueryTriples`),
parsed from SPARQL JSON results and N-Triples. The servers it was designed
against (Oxigraph, Virtuoso, Fuseki) and the ways they bend the standard are
described in `shared/REMOTE-STORES.md`; the choices below follow from it.

Protocol (https://www.w3.org/TR/sparql11-protocol/). Queries and updates are
sent as form POSTs (`query=` / `update=`): Virtuoso never answers a query
POSTed as `application/sparql-query` and cuts GET URLs over about 10 KB, and
all three accept the form. Every request names an explicit `Accept` and has
a timeout. Each request opens its own connection (the standard library's
`urllib`, no pooling), so a server that goes away and comes back needs
nothing reset here: while it is away every call raises `StoreError` with one
line saying so. A read that loses its connection is sent once more (`_read`).
SPARQLWrapper is not used: it guesses the query form with a
regular expression and picks formats for us, where two form POSTs suffice.

Our graphs. The store owns the named graphs whose IRI starts with
`graph_prefix` (`{base}graph/` from `open_store`); everything else on the
server is neither read nor written. That matters on Virtuoso, whose default
graph and `GRAPH ?g` include thousands of system triples. They are listed
before every query, and never cached, so a build by another process is seen
at once: by `GRAPH ?g { }` where the server lists graphs that way (Oxigraph,
Fuseki), else by `GROUP BY ?g` over the quads (Virtuoso and RDF4J/GraphDB
answer the empty pattern with one unbound row); see `_graphs`.

Answers are read by `remote_answers`, which absorbs what servers bend
(Virtuoso's 0/1 booleans) and says when an answer was cut at a server's row
limit (Virtuoso's `ResultSetMaxRows`, 10,000 by default, signalled only by
an `X-SPARQL-MaxRows` header). A cut answer is never handed out as whole:
`query` raises `StoreError` naming the limit, `query_cut` returns it with the
limit (for /sparql, which marks it truncated), and reading everything
(`quads`, `dump`, `sorted_nquads`) goes graph by graph, in keyed pages where
a graph is bigger than the limit (see `_graph_quads`).

The default graph is the union of our named graphs, on every server: each
query is sent with the protocol's `default-graph-uri` *and* `named-graph-uri`
set to every one of our graphs (listed by a small query just before). Both
are needed: a protocol dataset that names only default graphs leaves no
named graphs, and `GRAPH ?g` would match nothing. The servers' own union
switches are not relied on: Oxigraph's `--union-default-graph` is a start-up
flag we cannot see, Virtuoso's union includes its system graphs, and Fuseki
needs `tdb2:unionDefaultGraph` in its configuration. A query that names its
own dataset (`FROM` / `FROM NAMED`) is sent as it is.

Substitutions are bound, never spliced: the terms' `str()` (valid SPARQL)
go into a `VALUES` block placed first in the query's WHERE group, which
pre-binds the variables for the whole group as pyoxigraph's substitutions do.

Replace, as atomically as the server allows. The quads are first written to
staging graphs (`urn:minami-kg:staging:…`, outside our prefix and so invisible
to readers) in `INSERT DATA` batches of at most 1,000 triples (Virtuoso fails
above about 1,400), then one final update request drops our graphs that are
no longer built and `MOVE`s each staging graph onto its real name. On
Oxigraph and Fuseki one update request is one transaction, so readers see
the old graphs or the new ones, never a mixture, and a build that fails while
staging leaves the store as it was. Virtuoso runs the statements of a
request one after another, so its readers can see the switch half done for
the moment it lasts. Only `SILENT` forms are used: `DROP GRAPH` of an unknown
graph fails on Virtuoso and Fuseki alike.

Blank nodes are refused by `replace` (Virtuoso rejects them in `INSERT DATA`,
and a blank node split across two batches would become two); the graph
`build` writes has none, since every resource has a minted IRI. Integral
`xsd:decimal`s are written with a fraction (`_written`): Virtuoso would
store `"1"^^xsd:decimal` as an integer.
"""

from __future__ import annotations

import contextlib
import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QuerySolution,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    Variable,
    parse,
    serialize,
)

from minami_kg.store.base import QueryResult, Term, serialized
from minami_kg.store.embedded import StoreError
from minami_kg.store.query_text import bind, query_shape
from minami_kg.store.remote_answers import (
    VIRTUOSO_DEFAULT_MAX_ROWS,
    is_virtuoso,
    one_line,
    read_results,
    read_triples,
    row_cap,
)

DEFAULT_TIMEOUT = 30.0
"""Seconds any one request to the server may take, connecting included."""

STAGING_PREFIX = "urn:minami-kg:staging:"
XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
BATCH_TRIPLES = 1_000
BATCH_BYTES = 256_000
STALE_STAGING_SECONDS = 3_600

_RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.5"
_TRIPLES_ACCEPT = "application/n-triples, text/turtle;q=0.5, application/rdf+xml;q=0.3"
# A graph IRI that no store holds: the dataset of a query over an empty store.
_NO_GRAPH = "urn:minami-kg:no-graph"


class RemoteStore:
    """A `GraphStore` on a SPARQL 1.1 Query/Update server (see the module docstring)."""

    def __init__(
        self,
        query_endpoint: str,
        update_endpoint: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        graph_prefix: str | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.query_endpoint = query_endpoint
        self.update_endpoint = update_endpoint or query_endpoint
        self.timeout = timeout
        self.graph_prefix = graph_prefix
        # What this server was seen to do (its behaviour, never its data):
        # whether `GRAPH ?g { }` lists graphs, and the row limit it reported.
        self._lists_empty_graphs: bool | None = None
        self._max_rows: int | None = None

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_endpoint!r}, {self.update_endpoint!r})"

    # -- reading ---------------------------------------------------------------

    def query(
        self, sparql: str, *, substitutions: Mapping[Variable, Term] | None = None
    ) -> QueryResult:
        """Run a SPARQL query with the union of our named graphs as default graph.

        Raises `SyntaxError` when the server rejects the query (HTTP 400) and
        `StoreError` when it cannot be reached, answers with an error, or cut
        the answer at its row limit (Virtuoso's `ResultSetMaxRows`): a cut
        answer is never handed out as if it were whole.
        """
        result, cap = self.query_cut(sparql, substitutions=substitutions)
        if cap is not None:
            raise StoreError(
                f"{self.query_endpoint}: the server cut the answer at its limit of {cap} rows; "
                "raise its result limit (Virtuoso: [SPARQL] ResultSetMaxRows) or ask for less"
            )
        return result

    def query_cut(
        self, sparql: str, *, substitutions: Mapping[Variable, Term] | None = None
    ) -> tuple[QueryResult, int | None]:
        """Like `query`, but a cut answer is returned too, with the row limit that cut it.

        For callers that can say so to their own client (/sparql answers with
        `X-Result-Truncated`); the second item is None when the answer is whole.
        """
        shape = query_shape(sparql)
        text = bind(sparql, substitutions, shape) if substitutions else sparql
        form = [("query", text)]
        if not shape.declares_dataset:
            graphs = self.named_graphs() or [_NO_GRAPH]
            form += [("default-graph-uri", g) for g in graphs]
            form += [("named-graph-uri", g) for g in graphs]
        if shape.form in ("CONSTRUCT", "DESCRIBE"):
            body, content_type, headers = self._read(self.query_endpoint, form, _TRIPLES_ACCEPT)
            triples = read_triples(body, content_type, self.query_endpoint)
            return _as_query_triples(triples), self._cut_triples(len(triples), headers)
        body, content_type, headers = self._read(self.query_endpoint, form, _RESULTS_ACCEPT)
        results, rows = read_results(body, content_type, self.query_endpoint)
        return results, self._cut_rows(rows, headers)

    def named_graphs(self) -> list[str]:
        """Our named graphs, sorted (empty ones included where the server keeps them)."""
        return sorted(g for g in self._graphs(self.graph_prefix) if self._is_ours(g))

    def __len__(self) -> int:
        """The number of quads in our graphs: one grouped count, summed here.

        Counting per graph and filtering the rows here is cheap on both engines
        (Virtuoso answers it from its graph index in about a millisecond, where
        a FILTER on `STR(?g)` makes it read every quad).
        """
        rows = self._select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        return sum(
            int(row["n"].value)
            for row in rows
            if isinstance(row["g"], NamedNode) and self._is_ours(row["g"].value)
        )

    def quads(self) -> list[Quad]:
        """Every quad of our graphs, read graph by graph and paged where a graph is bigger
        than the server's row limit (see `_graph_quads`)."""
        return [quad for graph in self.named_graphs() for quad in self._graph_quads(graph)]

    def dump(self, fmt: RdfFormat, *, prefixes: dict[str, str] | None = None) -> bytes:
        """Everything: quads for a dataset format, the union for a triple format."""
        local = Store()
        local.extend(self.quads())
        if fmt.supports_datasets:
            return serialized(local.dump(format=fmt, prefixes=prefixes))
        triples = local.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert isinstance(triples, QueryTriples)
        return serialized(serialize(triples, format=fmt, prefixes=prefixes))

    def sorted_nquads(self) -> bytes:
        """Every quad as N-Quads, lines sorted: byte for byte what the embedded store gives."""
        data = serialize(self.quads(), format=RdfFormat.N_QUADS) or b""
        return b"".join(sorted(data.splitlines(keepends=True)))

    # -- writing ---------------------------------------------------------------

    def replace(self, nquads_file: Path) -> None:
        """Make our graphs hold exactly the quads of an N-Quads file.

        Staged, then switched in one update request (see the module docstring).
        Raises `StoreError`; when it does so before the switch, the graphs
        readers see are as they were.
        """
        graphs = _read_graphs(nquads_file)
        self._drop_stale_staging()
        token = f"{int(time.time())}-{uuid.uuid4().hex}"
        staging = {
            graph: f"{STAGING_PREFIX}{token}:{number}" for number, graph in enumerate(graphs)
        }
        try:
            for batch in _insert_batches(graphs, staging):
                self._update(batch)
            old = [g for g in self.named_graphs() if g not in graphs]
            switch = [f"DROP SILENT GRAPH {NamedNode(g)}" for g in old]
            switch += [
                f"MOVE SILENT GRAPH {NamedNode(staging[g])} TO {NamedNode(g)}" for g in graphs
            ]
            if switch:
                self._update(" ;\n".join(switch))
        except StoreError:
            self._drop_quietly(staging.values())
            raise

    def _drop_stale_staging(self) -> None:
        """Remove staging graphs left by builds that died more than an hour ago."""
        now = time.time()
        stale = []
        for graph in self._graphs(STAGING_PREFIX):
            stamp = graph.removeprefix(STAGING_PREFIX).split("-", 1)[0]
            if stamp.isdigit() and now - int(stamp) > STALE_STAGING_SECONDS:
                stale.append(graph)
        self._drop_quietly(stale)

    def _drop_quietly(self, graphs: Iterable[str]) -> None:
        statements = [f"DROP SILENT GRAPH {NamedNode(g)}" for g in graphs]
        if not statements:
            return
        # Best effort: staging graphs are invisible to readers anyway.
        with contextlib.suppress(StoreError):
            self._update(" ;\n".join(statements))

    # -- listing graphs and reading them whole ------------------------------------

    def _is_ours(self, graph: str) -> bool:
        """Under our prefix, and not a staging graph."""
        if graph.startswith(STAGING_PREFIX):
            return False
        return self.graph_prefix is None or graph.startswith(self.graph_prefix)

    def _graphs(self, prefix: str | None) -> list[str]:
        """The server's named graphs whose IRI starts with `prefix` (all of them for None).

        It runs before every query, so it must be cheap. `GRAPH ?g { }` lists
        the named graphs on Oxigraph and Fuseki without reading a quad; on
        Virtuoso it matches one row with `?g` unbound, whatever the store holds.
        That row is how Virtuoso is recognised (remembered: it is the
        server's behaviour, not its data, so no rebuild can make it stale),
        and from then on the graphs are listed by `GROUP BY ?g` over the
        quads, which Virtuoso answers from its graph index in about a
        millisecond; the rows are filtered here, because a FILTER on `STR(?g)`
        makes Virtuoso read every quad (about 25 ms for the seed). An empty
        answer from a server not yet seen listing graphs is checked the same
        way, for servers that answer the empty pattern with nothing at all.
        """
        if self._lists_empty_graphs is not False:
            keep = f"FILTER(!BOUND(?g) || STRSTARTS(STR(?g), {Literal(prefix)}))" if prefix else ""
            rows = self._select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ }} {keep} }}")
            names = [row["g"].value for row in rows if isinstance(row["g"], NamedNode)]
            if names or (self._lists_empty_graphs and not rows):
                self._lists_empty_graphs = True
                return names
            if rows:
                self._lists_empty_graphs = False
        rows = self._select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return [
            row["g"].value
            for row in rows
            if isinstance(row["g"], NamedNode) and row["g"].value.startswith(prefix or "")
        ]

    def _graph_quads(self, graph: str) -> list[Quad]:
        """One graph's quads: one query, or pages when the server cut it at its row limit.

        Virtuoso answers 500 to ORDER BY with an OFFSET past its limit, so the
        pages are keyed, not numbered: the graph's subjects in `STR` order with
        their number of triples, as many as the limit allows after the last
        one read; then the triples of as many of those subjects as fit in one
        answer, by a VALUES block, so a page never splits a subject and each
        batch is checked against its counts. A subject with more triples than
        the limit fails loudly, and so does a batch that comes back short (a
        blank-node subject cannot be keyed on `STR`; `replace` writes none).
        """
        name = NamedNode(graph)
        rows, cap = self._select_cut(f"SELECT ?s ?p ?o WHERE {{ GRAPH {name} {{ ?s ?p ?o }} }}")
        if cap is None:
            return [Quad(row["s"], row["p"], row["o"], name) for row in rows]
        quads: list[Quad] = []
        after = ""
        while True:
            subjects, _ = self._select_cut(
                f"SELECT ?s (COUNT(*) AS ?n) WHERE {{ GRAPH {name} {{ ?s ?p ?o }} {after} }} "
                f"GROUP BY ?s ORDER BY STR(?s) LIMIT {cap}"
            )
            batch: list[QuerySolution] = []
            size = 0
            for row in [*subjects, None]:
                count = int(row["n"].value) if row is not None else 0
                if batch and (row is None or size + count >= cap):
                    quads += self._subject_quads(name, batch, size, cap)
                    batch, size = [], 0
                if row is not None and count >= cap:
                    raise StoreError(
                        f"{self.query_endpoint}: {row['s']} has {count} triples in {graph}, "
                        f"more than the server's ResultSetMaxRows ({cap}) lets one answer hold"
                    )
                if row is not None:
                    batch.append(row)
                    size += count
            if len(subjects) < cap:
                return quads
            after = f"FILTER(STR(?s) > {Literal(subjects[-1]['s'].value)})"

    def _subject_quads(
        self, graph: NamedNode, subjects: list[QuerySolution], expected: int, cap: int
    ) -> list[Quad]:
        """The triples of some subjects of a graph, fewer than the row limit all told."""
        values = " ".join(str(row["s"]) for row in subjects)
        rows = self._select(
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} GRAPH {graph} {{ ?s ?p ?o }} }}"
        )
        if len(rows) != expected:
            raise StoreError(
                f"{self.query_endpoint}: {graph.value} was read in pages of fewer than {cap} "
                f"rows (the server's ResultSetMaxRows) and {len(rows)} of {expected} came back"
            )
        return [Quad(row["s"], row["p"], row["o"], graph) for row in rows]

    # -- HTTP ------------------------------------------------------------------

    def _select(self, sparql: str) -> list[QuerySolution]:
        """A query of our own, on the server's default dataset; a cut answer is an error."""
        rows, cap = self._select_cut(sparql)
        if cap is not None:
            raise StoreError(
                f"{self.query_endpoint}: the server cut the answer at its limit of {cap} rows; "
                "raise its result limit (Virtuoso: [SPARQL] ResultSetMaxRows)"
            )
        return rows

    def _select_cut(self, sparql: str) -> tuple[list[QuerySolution], int | None]:
        """A query of our own and the row limit that cut it (None when it is whole)."""
        body, content_type, headers = self._read(
            self.query_endpoint, [("query", sparql)], _RESULTS_ACCEPT
        )
        results, rows = read_results(body, content_type, self.query_endpoint)
        if not isinstance(results, QuerySolutions):
            raise StoreError(f"{self.query_endpoint}: answered a SELECT with a boolean")
        return list(results), self._cut_rows(rows, headers)

    def _cut_rows(self, rows: int, headers: http.client.HTTPMessage) -> int | None:
        """The limit that cut a SELECT answer: Virtuoso sends `X-SPARQL-MaxRows` with it."""
        cap = row_cap(headers)
        if cap is not None:
            self._max_rows = cap
        return cap if cap is not None and rows >= cap else None

    def _cut_triples(self, triples: int, headers: http.client.HTTPMessage) -> int | None:
        """The limit that cut a CONSTRUCT answer. Virtuoso cuts those without any header,
        so an answer from it of as many triples as its limit (the last one a SELECT
        reported, else its default) is taken as cut."""
        cap = row_cap(headers)
        if cap is None and is_virtuoso(headers):
            cap = self._max_rows or VIRTUOSO_DEFAULT_MAX_ROWS
        return cap if cap is not None and triples >= cap else None

    def _update(self, sparql: str) -> None:
        self._request(self.update_endpoint, [("update", sparql)], "*/*", is_update=True)

    def _request(
        self, url: str, form: list[tuple[str, str]], accept: str, *, is_update: bool = False
    ) -> tuple[bytes, str]:
        if is_update:
            body, content_type, _ = self._exchange(url, form, accept, is_update=True)
        else:
            body, content_type, _ = self._read(url, form, accept)
        return body, content_type

    def _read(
        self, url: str, form: list[tuple[str, str]], accept: str
    ) -> tuple[bytes, str, http.client.HTTPMessage]:
        """`_exchange` for a query, sent a second time if the first lost its connection.

        Behind a load balancer, a replica that dies takes the requests it was
        answering with it: refused, reset, or closed before or during the answer.
        The next connection goes to a live replica, so the reader need not see
        the failure. Only reads: a query changes nothing, so sending it twice is
        harmless, while an update whose connection broke may have been applied
        and must not be repeated blindly. Only connection failures: an HTTP error
        is the server's considered answer and a timeout is a query that would be
        as slow again (retrying it doubles the load of exactly the queries that
        hurt). Only once: a second failure in a row means the service, not one
        connection, is down, and the caller should hear so without further delay.
        """
        try:
            return self._exchange(url, form, accept)
        except StoreError as err:
            if not _lost_connection(err):
                raise
        return self._exchange(url, form, accept)

    def _exchange(
        self, url: str, form: list[tuple[str, str]], accept: str, *, is_update: bool = False
    ) -> tuple[bytes, str, http.client.HTTPMessage]:
        """POST a form; the whole answer, its media type and headers, or a one-line error."""
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(form).encode("ascii"),
            headers={
                "Accept": accept,
                "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                "User-Agent": "minami-kg",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
                headers = response.headers
        except urllib.error.HTTPError as err:
            message = _first_line(err.read())
            if err.code == 400 and not is_update:
                raise SyntaxError(f"the SPARQL server rejected the query: {message}") from None
            what = "update" if is_update else "query"
            hint = ""
            if is_update and err.code < 500 and self.update_endpoint == self.query_endpoint:
                hint = " (if the server has a separate update endpoint, give --update-endpoint)"
            raise StoreError(
                f"{url}: the SPARQL server answered HTTP {err.code} to the {what}: {message}{hint}"
            ) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            raise StoreError(
                f"{url}: SPARQL server unavailable ({_reason(err, self.timeout)})"
            ) from None
        content_type = headers.get_content_type() if headers.get("Content-Type") else ""
        return body, content_type, headers


def _as_query_triples(triples: list[Triple]) -> QueryTriples:
    """Triples as pyoxigraph's own `QueryTriples`, the type the embedded store answers with."""
    local = Store()
    local.extend(Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples)
    result = local.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(result, QueryTriples)
    return result


# -- N-Quads file to update requests ---------------------------------------------


def _read_graphs(nquads_file: Path) -> dict[str, list[Quad]]:
    """The file's quads by graph IRI; blank nodes and default-graph quads are refused."""
    graphs: dict[str, list[Quad]] = {}
    try:
        for quad in parse(path=str(nquads_file), format=RdfFormat.N_QUADS):
            if not isinstance(quad.graph_name, NamedNode):
                raise StoreError(
                    f"{nquads_file}: a quad outside a named graph; a remote store holds named "
                    "graphs only"
                )
            if isinstance(quad.subject, BlankNode) or isinstance(quad.object, BlankNode):
                raise StoreError(
                    f"{nquads_file}: a blank node ({quad.subject} {quad.predicate} …); "
                    "a remote store needs IRIs"
                )
            graphs.setdefault(quad.graph_name.value, []).append(quad)
    except SyntaxError as err:
        raise StoreError(f"{nquads_file}: {one_line(err)}") from None
    return graphs


def _insert_batches(graphs: dict[str, list[Quad]], staging: dict[str, str]) -> Iterator[str]:
    """`INSERT DATA` requests of at most BATCH_TRIPLES triples and about BATCH_BYTES."""
    parts: list[str] = []
    count = size = 0
    for graph, quads in graphs.items():
        target = NamedNode(staging[graph])
        lines: list[str] = []
        for quad in quads:
            line = f"{quad.subject} {quad.predicate} {_written(quad.object)} ."
            lines.append(line)
            count += 1
            size += len(line.encode("utf-8"))
            if count >= BATCH_TRIPLES or size >= BATCH_BYTES:
                parts.append(f"GRAPH {target} {{\n" + "\n".join(lines) + "\n}")
                yield "INSERT DATA {\n" + "\n".join(parts) + "\n}"
                parts, lines, count, size = [], [], 0, 0
        if lines:
            parts.append(f"GRAPH {target} {{\n" + "\n".join(lines) + "\n}")
    if parts:
        yield "INSERT DATA {\n" + "\n".join(parts) + "\n}"


def _written(term: object) -> str:
    """A term in SPARQL syntax for INSERT DATA.

    An xsd:decimal without a fraction gets one ("1" is written "1.0", the
    same value): Virtuoso stores `"1"^^xsd:decimal` as the integer 1 and gives
    it back as `"1"^^xsd:integer`, while `"1.0"` stays a decimal and comes back
    `"1"^^xsd:decimal`, as the embedded store keeps it. An export of the
    embedded store has `"1"`, so a reload from one would otherwise change types.
    """
    if (
        isinstance(term, Literal)
        and term.datatype.value == XSD_DECIMAL
        and term.value.lstrip("+-").isdigit()
    ):
        return str(Literal(term.value + ".0", datatype=term.datatype))
    return str(term)


# -- messages -----------------------------------------------------------------------


def _first_line(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace").strip()
    line = next((part for part in text.splitlines() if part.strip()), "")
    return one_line(line) or "(no message)"


def _lost_connection(err: StoreError) -> bool:
    """Whether `_exchange` failed because the connection was refused, reset or closed
    early (its one-line StoreError keeps the cause as `__context__`): not a timeout,
    not an HTTP error, not an answer that does not parse."""
    cause = err.__context__
    if isinstance(cause, urllib.error.HTTPError):
        return False
    if isinstance(cause, urllib.error.URLError):
        cause = cause.reason if isinstance(cause.reason, BaseException) else None
    return isinstance(cause, ConnectionError | http.client.IncompleteRead)


def _reason(err: BaseException, timeout: float) -> str:
    reason = err.reason if isinstance(err, urllib.error.URLError) else err
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return one_line(reason) or type(reason).__name__
