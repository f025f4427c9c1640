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
graph and `GRAPH ?g` include thousands of system triples.

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
`build` writes has none, since every resource has a minted IRI. When reading,
a dump is one result set, so blank nodes keep their identity across graphs.
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
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolution,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Variable,
    parse,
    parse_query_results,
    serialize,
)

from minami_kg.store.base import QueryResult, Term, serialized
from minami_kg.store.embedded import StoreError
from minami_kg.store.sparql_lexer import tokens

DEFAULT_TIMEOUT = 30.0
"""Seconds any one request to the server may take, connecting included."""

STAGING_PREFIX = "urn:minami-kg:staging:"
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

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_endpoint!r}, {self.update_endpoint!r})"

    # -- reading ---------------------------------------------------------------

    def query(
        self, sparql: str, *, substitutions: Mapping[Variable, Term] | None = None
    ) -> QueryResult:
        """Run a SPARQL query with the union of our named graphs as default graph.

        Raises `SyntaxError` when the server rejects the query (HTTP 400) and
        `StoreError` when it cannot be reached or answers with an error.
        """
        shape = query_shape(sparql)
        text = bind(sparql, substitutions, shape) if substitutions else sparql
        form = [("query", text)]
        if not shape.declares_dataset:
            graphs = self.named_graphs() or [_NO_GRAPH]
            form += [("default-graph-uri", g) for g in graphs]
            form += [("named-graph-uri", g) for g in graphs]
        if shape.form in ("CONSTRUCT", "DESCRIBE"):
            body, content_type = self._request(self.query_endpoint, form, _TRIPLES_ACCEPT)
            return self._triples(body, content_type)
        body, content_type = self._request(self.query_endpoint, form, _RESULTS_ACCEPT)
        return self._results(body, content_type)

    def named_graphs(self) -> list[str]:
        """Our named graphs, sorted (empty ones included where the server keeps them)."""
        rows = self._select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ }} {self._ours('?g')} }}")
        return sorted(row["g"].value for row in rows if isinstance(row["g"], NamedNode))

    def __len__(self) -> int:
        rows = self._select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._ours('?g')} }}"
        )
        return int(rows[0]["n"].value) if rows else 0

    def quads(self) -> list[Quad]:
        """Every quad of our graphs, read in one result set (blank nodes stay one node)."""
        rows, headers = self._select_with_headers(
            f"SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._ours('?g')} }}"
        )
        cap = headers.get("X-SPARQL-MaxRows")
        if cap and cap.isdigit() and len(rows) >= int(cap):
            raise StoreError(
                f"{self.query_endpoint}: the server cut the result at {cap} rows; "
                "raise its result limit (Virtuoso: ResultSetMaxRows) to read the whole graph"
            )
        return [Quad(row["s"], row["p"], row["o"], row["g"]) for row in rows]

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
        rows = self._select(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { } "
            f"FILTER(STRSTARTS(STR(?g), {Literal(STAGING_PREFIX)})) }}"
        )
        now = time.time()
        stale = []
        for row in rows:
            stamp = row["g"].value.removeprefix(STAGING_PREFIX).split("-", 1)[0]
            if stamp.isdigit() and now - int(stamp) > STALE_STAGING_SECONDS:
                stale.append(row["g"].value)
        self._drop_quietly(stale)

    def _drop_quietly(self, graphs: Iterable[str]) -> None:
        statements = [f"DROP SILENT GRAPH {NamedNode(g)}" for g in graphs]
        if not statements:
            return
        # Best effort: staging graphs are invisible to readers anyway.
        with contextlib.suppress(StoreError):
            self._update(" ;\n".join(statements))

    # -- HTTP ------------------------------------------------------------------

    def _ours(self, variable: str) -> str:
        """A FILTER keeping `variable` to our graphs (never the staging ones)."""
        conditions = [f"!STRSTARTS(STR({variable}), {Literal(STAGING_PREFIX)})"]
        if self.graph_prefix:
            conditions.append(f"STRSTARTS(STR({variable}), {Literal(self.graph_prefix)})")
        return f"FILTER({' && '.join(conditions)})"

    def _select(self, sparql: str) -> list[QuerySolution]:
        return self._select_with_headers(sparql)[0]

    def _select_with_headers(
        self, sparql: str
    ) -> tuple[list[QuerySolution], http.client.HTTPMessage]:
        """A query of our own, on the server's default dataset (all graphs named)."""
        body, content_type, headers = self._read(
            self.query_endpoint, [("query", sparql)], _RESULTS_ACCEPT
        )
        results = self._results(body, content_type)
        if not isinstance(results, QuerySolutions):
            raise StoreError(f"{self.query_endpoint}: answered a SELECT with a boolean")
        return list(results), headers

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

    def _results(self, body: bytes, content_type: str) -> QuerySolutions | QueryBoolean:
        """SELECT or ASK results, checked to parse to the end before they are handed out.

        Oxigraph's `--timeout-s` answers 200 and then cuts the body: a result
        that does not parse completely is the server's failure, not an empty answer.
        """
        fmt = QueryResultsFormat.from_media_type(content_type) or QueryResultsFormat.JSON
        try:
            results = parse_query_results(body, format=fmt)
            if isinstance(results, QuerySolutions):
                for _ in results:
                    pass
        except (SyntaxError, ValueError) as err:
            raise StoreError(
                f"{self.query_endpoint}: incomplete or unreadable answer ({_one_line(err)}); "
                f"it ends {_tail(body)!r}"
            ) from None
        return parse_query_results(body, format=fmt)

    def _triples(self, body: bytes, content_type: str) -> QueryResult:
        """CONSTRUCT or DESCRIBE results as pyoxigraph's own `QueryTriples`."""
        fmt = RdfFormat.from_media_type(content_type)
        if fmt is None or fmt.supports_datasets:
            fmt = RdfFormat.N_TRIPLES  # e.g. `text/plain`, N-Triples' old media type
        local = Store()
        try:
            local.load(body, format=fmt, to_graph=DefaultGraph())
        except (SyntaxError, ValueError) as err:
            raise StoreError(
                f"{self.query_endpoint}: incomplete or unreadable answer ({_one_line(err)}); "
                f"it ends {_tail(body)!r}"
            ) from None
        return local.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")


# -- query text -----------------------------------------------------------------


@dataclass(frozen=True)
class QueryShape:
    """What a quick scan of a query's top level finds (positions index the text)."""

    form: str | None  # SELECT, CONSTRUCT, DESCRIBE, ASK; None when not found
    declares_dataset: bool  # a FROM or FROM NAMED clause
    where_open: int | None  # the "{" of the WHERE group
    where_close: int | None  # its matching "}"
    sub_select: bool  # the WHERE group is a sub-SELECT


_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


def query_shape(query: str) -> QueryShape:
    """Find the query form, a dataset clause and the WHERE group, outside strings and IRIs."""
    form: str | None = None
    declares_dataset = False
    where_open = where_close = None
    sub_select = False
    template_next = False  # CONSTRUCT's template is the first group unless WHERE comes first
    braces = parens = 0
    previous_was_open = form_group_only = False
    for token in tokens(query):
        text, start = token.text, token.start
        word = text.rstrip(".").upper() if token.kind == "word" and ":" not in text else None
        if previous_was_open:
            sub_select = word == "SELECT"
            previous_was_open = False
        top = braces == 0 and parens == 0
        if top and word in _FORMS and form is None:
            form = word
            template_next = word == "CONSTRUCT"
        elif top and word == "FROM" and form:
            declares_dataset = True
        elif top and word == "WHERE":
            if template_next:  # CONSTRUCT WHERE { template }: no room for VALUES inside
                form_group_only = True
            template_next = False
        if token.kind != "punct":
            continue
        if text == "(":
            parens += 1
        elif text == ")":
            parens = max(parens - 1, 0)
        elif text == "{":
            if top and form and where_open is None:
                if template_next:
                    template_next = False
                else:
                    where_open = start
                    previous_was_open = True
            braces += 1
        elif text == "}":
            braces = max(braces - 1, 0)
            if braces == 0 and where_open is not None and where_close is None:
                where_close = start
    if form_group_only:
        where_open = where_close = None
    return QueryShape(form, declares_dataset, where_open, where_close, sub_select)


def values_block(substitutions: Mapping[Variable, Term]) -> str:
    """`VALUES (?a ?b) { (t1 t2) }` from pyoxigraph terms, whose `str()` is SPARQL syntax."""
    names, terms = [], []
    for variable, term in substitutions.items():
        if not isinstance(variable, Variable):
            raise ValueError(f"substitution keys must be Variables, not {variable!r}")
        if not isinstance(term, NamedNode | Literal):
            raise ValueError(f"{variable}: only IRIs and literals can be bound, not {term!r}")
        names.append(str(variable))
        terms.append(str(term))
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"


def bind(
    query: str, substitutions: Mapping[Variable, Term], shape: QueryShape | None = None
) -> str:
    """The query with `substitutions` pre-bound by a VALUES block first in its WHERE group.

    A WHERE group that is a sub-SELECT is wrapped in a group after the block;
    a query without a WHERE group (`DESCRIBE <x>`) or whose group is its
    template (`CONSTRUCT WHERE { … }`) gets a trailing VALUES clause.
    """
    if not substitutions:
        return query
    shape = shape or query_shape(query)
    values = values_block(substitutions)
    if shape.where_open is None or shape.where_close is None:
        return f"{query}\n{values}"
    inside = shape.where_open + 1
    if shape.sub_select:
        end = shape.where_close
        return f"{query[:inside]} {values} {{{query[inside:end]}}} {query[end:]}"
    return f"{query[:inside]} {values} {query[inside:]}"


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
        raise StoreError(f"{nquads_file}: {_one_line(err)}") from None
    return graphs


def _insert_batches(graphs: dict[str, list[Quad]], staging: dict[str, str]) -> Iterator[str]:
    """`INSERT DATA` requests of at most BATCH_TRIPLES triples and about BATCH_BYTES."""
    parts: list[str] = []
    count = size = 0
    for graph, quads in graphs.items():
        target = NamedNode(staging[graph])
        lines: list[str] = []
        for quad in quads:
            line = f"{quad.subject} {quad.predicate} {quad.object} ."
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


# -- messages -----------------------------------------------------------------------


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:300]


def _tail(body: bytes) -> str:
    """The last words of an answer: where a server that gave up says why."""
    return _one_line(body[-120:].decode("utf-8", errors="replace"))


def _first_line(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace").strip()
    line = next((part for part in text.splitlines() if part.strip()), "")
    return _one_line(line) or "(no message)"


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
    return _one_line(reason) or type(reason).__name__
