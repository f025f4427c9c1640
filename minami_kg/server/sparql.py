"""/sparql: the public SPARQL 1.1 endpoint.

Implements SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/):

* §2.1 query operation: GET `?query=`, POST form (`query=`), POST
  `application/sparql-query`; the dataset by `default-graph-uri` and
  `named-graph-uri` (§2.1.4). With neither, and no FROM in the query, the
  default graph is the union of all named graphs (sd:UnionDefaultGraph).
* §2.1.6 / §2.1.7 responses: a format chosen from `Accept` (q-values) or a
  `format` parameter (see `sparql_formats`); 400 with the parser's message for
  a malformed query, 406 when no offered format is acceptable.
* §2.2 update operation: POST form (`update=`) or `application/sparql-update`,
  with `using-graph-uri` / `using-named-graph-uri`; allowed only with
  `Authorization: Bearer <MINAMI_KG_UPDATE_TOKEN>` (see `sparql_update`).
* A GET without a query is answered with the SPARQL 1.1 Service Description
  (`service_description`), or, for a browser, with the query editor.

The protocol is answered by `SparqlEndpoint`, a WSGI app that `create_app`
puts in front of Flask's dispatch: a request for /sparql needs none of Flask's
machinery (contexts, routing, hooks, response objects), which took more than
half of the time of a light query (docs/performance.md). Only the editor, an
HTML page from a template, goes on to Flask: the `sparql` blueprint's one view.

Limits of a public endpoint, each a setting: `sparql_timeout` (the process
running the query is ended, the answer is 503 with Retry-After: under gunicorn
the web worker itself, see `watchdog`; elsewhere a query process), `max_rows`
(more solutions are not read; the answer says `X-Result-Truncated: true`),
`max_body_bytes` and `max_query_chars` (413), and the per-client `rate_limit`
(429, counted together with /api/, see `rate_limit`). SERVICE in a query and
LOAD in an update are refused with 400 before the text reaches pyoxigraph
(`sparql_text`). Every answer, errors included, allows any origin (CORS), so
editors on other sites work.

Errors are `SparqlError`s carrying their status, written as text/plain. A
broken store is 503, never a 400 blamed on the query.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, Flask, Request, Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from jinja2 import TemplateNotFound
from pyoxigraph import NamedNode, serialize
from werkzeug.datastructures import MultiDict
from werkzeug.http import HTTP_STATUS_CODES, is_resource_modified, parse_options_header
from werkzeug.wsgi import get_content_length, get_current_url, get_input_stream

from minami_kg.config import Settings
from minami_kg.queries import canned_queries
from minami_kg.rdf.namespaces import PREFIXES
from minami_kg.server.http import cache_validators
from minami_kg.server.query_pool import (
    Answer,
    Job,
    PoolBusy,
    QueryPool,
    QueryTimeout,
    Refusal,
    Reply,
    answer,
    execute,
)
from minami_kg.server.rate_limit import Verdict, refusal_message
from minami_kg.server.security import add_headers, get_rate_limit
from minami_kg.server.service_description import PREFIXES as SD_PREFIXES
from minami_kg.server.service_description import service_description
from minami_kg.server.sparql_formats import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    MediaRange,
    acceptable,
    describe,
    known_format_name,
    negotiate,
    parse_accept,
    prefers_html,
)
from minami_kg.server.sparql_text import (
    DatasetError,
    UnsafeQuery,
    refuse_remote_access,
    with_protocol_dataset,
)
from minami_kg.server.sparql_update import StoreBusy, apply_update
from minami_kg.server.state import get_store
from minami_kg.server.watchdog import Watchdog, client_socket, timeout_message
from minami_kg.store import EmbeddedStore, StoreError, serialized

PATH = "/sparql"
POOL_KEY = "minami_kg.query_pool"
WATCHDOG_KEY = "minami_kg.sparql_watchdog"
FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
# HEAD is answered as GET is, without the body.
ALLOW = "GET, HEAD, POST, OPTIONS"
# On every answer, the watchdog's 503 included: any origin may read /sparql.
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "X-Result-Truncated, Retry-After",
}
PREFLIGHT = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type",
    "Access-Control-Max-Age": "86400",
    "Allow": ALLOW,
}
# Added to every answer of the endpoint: CORS, and the negotiation it does.
ALWAYS = [*CORS.items(), ("Vary", "Accept")]

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

sparql = Blueprint("sparql", __name__)


@sparql.record_once
def _start_pool(state: object) -> None:
    """Attach the query worker pool and the watchdog to the app; both start on first use."""
    app: Flask = state.app  # type: ignore[attr-defined]
    settings: Settings = app.config["MINAMI_KG"]
    app.extensions[POOL_KEY] = QueryPool(
        settings.store, size=settings.query_workers, timeout=settings.sparql_timeout
    )
    app.extensions[WATCHDOG_KEY] = Watchdog(
        settings.sparql_timeout, {"Retry-After": "1", **CORS, "Vary": "Accept"}
    )


def get_pool(app: Flask) -> QueryPool:
    return app.extensions[POOL_KEY]


class SparqlError(Exception):
    """A request /sparql will not answer, with the status and message to send instead."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


@dataclass
class Operation:
    """What the request asks for: a query, an update, or neither (a plain GET)."""

    kind: str | None  # "query" | "update" | None
    text: str = ""
    params: MultiDict[str, str] = field(default_factory=MultiDict)


@dataclass
class HttpAnswer:
    """An answer of the endpoint before it is written: status, body and own headers."""

    body: bytes
    content_type: str
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)


class ProtocolRequest:
    """What the protocol reads of a request, parsed once, straight from the WSGI environ.

    werkzeug's `Request` gives the same through cached properties and header
    wrappers, at about a fifth of the endpoint's own time on a point lookup.
    """

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ
        self.method: str = environ.get("REQUEST_METHOD", "GET").upper()
        query: str = environ.get("QUERY_STRING", "")
        # as werkzeug reads it: the raw bytes of the URL (latin-1 in WSGI) are UTF-8
        self.args: MultiDict[str, str] = MultiDict(
            parse_qsl(query.encode("latin-1").decode("utf-8", "replace"), keep_blank_values=True)
            if query
            else ()
        )
        mimetype, self.mimetype_params = parse_options_header(environ.get("CONTENT_TYPE", ""))
        self.mimetype = mimetype.lower()
        self.accept: str | None = environ.get("HTTP_ACCEPT")

    @property
    def full_path(self) -> str:
        return f"{PATH}?{self.environ.get('QUERY_STRING', '')}"


EDITOR = None
"""What `SparqlEndpoint._answer` returns for a browser's GET: the editor, which Flask renders."""


class SparqlEndpoint:
    """WSGI: answers every request for /sparql but a browser's, which goes on to `pages`.

    `pages` is the Flask app's own dispatch; `app` gives the settings, the store,
    the query pool, the watchdog and the rate limit, all built by `create_app`.
    """

    def __init__(self, app: Flask, pages: WSGIApp) -> None:
        self.app = app
        self.pages = pages
        self.settings: Settings = app.config["MINAMI_KG"]
        self.rate_limit = get_rate_limit(app)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH:
            return self.pages(environ, start_response)
        req = ProtocolRequest(environ)
        verdict = self._count(req)
        try:
            if verdict is not None and not verdict.allowed:
                raise SparqlError(429, refusal_message(verdict))
            reply = self._answer(req)
        except SparqlError as err:
            reply = HttpAnswer(
                (err.message + "\n").encode(), "text/plain", err.status, list(err.headers.items())
            )
        except Exception:  # a bug: logged as Flask logs one, answered without a traceback
            propagate = self.app.config["PROPAGATE_EXCEPTIONS"]
            if propagate or (propagate is None and (self.app.testing or self.app.debug)):
                raise
            self.app.logger.error("Exception on %s [%s]", PATH, req.method, exc_info=True)
            reply = HttpAnswer(b"Internal server error.\n", "text/plain", 500)
        rate_headers = verdict.answer_headers() if verdict is not None else []
        if reply is EDITOR:
            return self.pages(environ, _with_headers(start_response, rate_headers))
        headers = [*ALWAYS, *reply.headers, *rate_headers]
        if reply.status not in (204, 304):  # no content, so nothing to describe (RFC 9110 §8.6)
            headers[:0] = [
                ("Content-Type", reply.content_type),
                ("Content-Length", str(len(reply.body))),
            ]
        start_response(f"{reply.status} {HTTP_STATUS_CODES[reply.status].upper()}", headers)
        return [] if req.method == "HEAD" else [reply.body]

    def _count(self, req: ProtocolRequest) -> Verdict | None:
        if self.rate_limit is None or req.method == "OPTIONS":
            return None
        return self.rate_limit.hit(req.environ.get("REMOTE_ADDR") or "")

    def _answer(self, req: ProtocolRequest) -> HttpAnswer | None:
        if req.method == "OPTIONS":
            return HttpAnswer(b"", "text/plain", 204, list(PREFLIGHT.items()))
        if req.method not in ("GET", "HEAD", "POST"):
            raise SparqlError(
                405, "/sparql accepts GET and POST (SPARQL 1.1 Protocol §2)", {"Allow": ALLOW}
            )
        settings = self.settings
        try:
            operation = _read_operation(req, settings.max_body_bytes)
            if len(operation.text) > settings.max_query_chars:
                raise SparqlError(
                    413,
                    f"The {operation.kind} is longer than {settings.max_query_chars} characters.",
                )
            if operation.kind == "update":
                return _update(req, operation, settings)
            if operation.kind == "query":
                return self._query(req, operation)
            return self._without_query(req)
        except (UnsafeQuery, DatasetError) as err:
            raise SparqlError(400, str(err)) from None
        except QueryTimeout:
            raise SparqlError(
                503, timeout_message(settings.sparql_timeout), {"Retry-After": "1"}
            ) from None
        except (PoolBusy, StoreBusy) as err:
            raise SparqlError(
                503, f"The endpoint is busy; try again shortly. {err}".strip(), {"Retry-After": "2"}
            ) from None
        except StoreError as err:
            raise SparqlError(
                503, f"The store is not available: {err}", {"Retry-After": "5"}
            ) from None

    def _query(self, req: ProtocolRequest, operation: Operation) -> HttpAnswer | None:
        refuse_remote_access(operation.text)
        params = operation.params
        ranges = parse_accept(req.accept)
        format_names = tuple(params.getlist("format"))
        if req.method in ("GET", "HEAD") and not format_names and self._browser(ranges):
            return EDITOR
        if format_names and not any(known_format_name(n) for n in format_names):
            raise SparqlError(
                400,
                f"Unknown format {format_names[0]!r}. Known: "
                + ", ".join(f.name for f in RESULT_FORMATS + GRAPH_FORMATS),
            )
        if not format_names and not acceptable(ranges):
            raise SparqlError(
                406,
                "No result format fits the Accept header. SELECT and ASK: "
                f"{describe(RESULT_FORMATS)}. CONSTRUCT and DESCRIBE: {describe(GRAPH_FORMATS)}.",
            )
        default_graphs = _graph_iris(params, "default-graph-uri")
        named_graphs = _graph_iris(params, "named-graph-uri")
        given = bool(default_graphs or named_graphs)
        job = Job(
            query=operation.text,
            base_iri=_endpoint_url(req),
            default_graphs=tuple(default_graphs) if given else None,
            named_graphs=tuple(named_graphs) if given else None,
            accept=ranges,
            format_names=format_names,
            max_rows=self.settings.max_rows,
        )
        reply = (
            self._run_remote(job) if self.settings.endpoint else self._run_here_or_in_pool(req, job)
        )
        if not isinstance(reply, Answer):
            raise SparqlError(reply.status, reply.message, reply.headers)
        answered = HttpAnswer(reply.body, reply.media_type)
        if reply.truncated:
            answered.headers += [
                ("X-Result-Truncated", "true"),
                ("X-Result-Max-Rows", str(self.settings.max_rows)),
            ]
        if req.method in ("GET", "HEAD"):
            return self._cacheable(req, answered)
        return answered

    def _cacheable(self, req: ProtocolRequest, reply: HttpAnswer) -> HttpAnswer:
        """A GET's answer with its validators, or 304 when the client's copy is fresh."""
        validators = cache_validators(get_store(self.app), req.full_path, reply.content_type, "")
        if validators is None:
            return reply
        if is_resource_modified(
            req.environ, etag=validators["ETag"], last_modified=validators["Last-Modified"]
        ):
            reply.headers += validators.items()
            return reply
        del validators["Last-Modified"]  # the ETag says more (RFC 9110 §15.4.5)
        return HttpAnswer(b"", reply.content_type, 304, [*reply.headers, *validators.items()])

    def _run_here_or_in_pool(self, req: ProtocolRequest, job: Job) -> Reply:
        """Under `minami-kg serve`, in this web worker with a watchdog (see `watchdog`);
        elsewhere in a query process, which can be stopped without stopping this one."""
        client = client_socket(req.environ)
        store = get_store(self.app)
        if client is None or not isinstance(store, EmbeddedStore):
            return get_pool(self.app).run(job)
        snapshot = store.snapshot()
        watchdog: Watchdog = self.app.extensions[WATCHDOG_KEY]
        with watchdog.watching(client):
            return execute(snapshot, job)

    def _run_remote(self, job: Job) -> Reply:
        """With a remote store, the remote server runs the query (and enforces its own
        time limit); we only serialise. Its dataset is fixed to our named graphs."""
        if job.default_graphs is not None or job.named_graphs is not None:
            raise SparqlError(
                501,
                "default-graph-uri and named-graph-uri need the embedded store; "
                "use FROM and FROM NAMED in the query instead.",
            )
        store = get_store(self.app)
        try:
            result = store.query(job.query)
        except SyntaxError as err:
            return Refusal(400, f"Query syntax error: {err}")
        return answer(result, job, lambda: store.query(job.query))

    def _without_query(self, req: ProtocolRequest) -> HttpAnswer | None:
        ranges = parse_accept(req.accept)
        if self._browser(ranges):
            return EDITOR
        fmt = negotiate(ranges, GRAPH_FORMATS)
        if fmt is None:
            raise SparqlError(
                406,
                "The service description is available as: "
                f"{describe(GRAPH_FORMATS)}. To query, send `query`.",
            )
        settings = self.settings
        triples = service_description(
            _endpoint_url(req),
            get_store(self.app).named_graphs(),
            update_enabled=bool(settings.update_token) and not settings.endpoint,
        )
        body = serialize(triples, format=fmt.rdf_format(), prefixes=SD_PREFIXES)
        return HttpAnswer(serialized(body), fmt.media_type)

    def _browser(self, ranges: tuple[MediaRange, ...]) -> bool:
        """A client that prefers HTML gets the editor, when its template is installed."""
        if not prefers_html(ranges):
            return False
        try:
            self.app.jinja_env.get_template("sparql.html")
        except TemplateNotFound:
            return False
        return True


def _with_headers(start_response: StartResponse, extra: list[tuple[str, str]]) -> StartResponse:
    if not extra:
        return start_response

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        return start_response(status, [*headers, *extra], exc_info)

    return start


@sparql.after_request
def _cors(response: Response) -> Response:
    """Any origin may read /sparql, the editor included: it carries no cookies or sessions."""
    add_headers(response.headers, CORS, replace=True)
    if any(name.lower() == "vary" for name, _ in response.headers):
        response.vary.add("Accept")  # beside what the view said it varies on
    else:
        response.headers.add("Vary", "Accept")
    return response


@sparql.get(PATH)
def editor() -> ResponseReturnValue:
    """The query editor (YASGUI): `SparqlEndpoint` sends a browser's GET here."""
    settings: Settings = current_app.config["MINAMI_KG"]
    examples = canned_queries(settings.queries) if settings.queries.is_dir() else []
    return render_template(
        "sparql.html",
        query=request.args.get("query"),
        endpoint=_endpoint_url(request),
        prefixes=PREFIXES,
        examples=examples,
    )


def _read_operation(req: ProtocolRequest, max_body: int) -> Operation:
    """The query or update of the request, by the rules of Protocol §2.1.1–§2.2.2."""
    if req.method in ("GET", "HEAD"):
        if "update" in req.args:
            raise SparqlError(400, "An update must be sent with POST (SPARQL 1.1 Protocol §2.2).")
        return _from_params(req.args)

    content_type = req.mimetype
    body = _body(req, max_body)
    if content_type == FORM:
        text = _utf8(body)
        params = MultiDict(req.args)
        params.update(MultiDict(parse_qsl(text, keep_blank_values=True)))
        operation = _from_params(params)
        if operation.kind is None:
            raise SparqlError(400, "The form has neither a `query` nor an `update` field.")
        return operation
    if content_type in (QUERY_TYPE, UPDATE_TYPE):
        charset = req.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise SparqlError(400, f"The body must be UTF-8, not {charset}.")
        kind = "query" if content_type == QUERY_TYPE else "update"
        if "query" in req.args or "update" in req.args:
            raise SparqlError(400, f"Send the {kind} once: in the body, not also in the URL.")
        return Operation(kind, _utf8(body), req.args)
    raise SparqlError(
        415,
        f"POST needs Content-Type {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}"
        + (f", not {content_type}." if content_type else "."),
    )


def _from_params(params: MultiDict[str, str]) -> Operation:
    queries, updates = params.getlist("query"), params.getlist("update")
    if len(queries) + len(updates) > 1:
        raise SparqlError(400, "Give exactly one `query` or one `update`, not several.")
    if queries:
        return Operation("query", queries[0], params)
    if updates:
        return Operation("update", updates[0], params)
    return Operation(None, "", params)


def _body(req: ProtocolRequest, max_body: int) -> bytes:
    length = get_content_length(req.environ)
    if length is not None and length > max_body:
        raise SparqlError(413, f"The request body is larger than {max_body} bytes.")
    try:
        if length is not None:  # read it at once, not through werkzeug's stream wrappers
            return req.environ["wsgi.input"].read(length)
        body = get_input_stream(req.environ).read(max_body + 1)  # chunked: the stream undoes it
    except (BlockingIOError, TimeoutError):  # the client stalled (worker.limit_waits)
        raise SparqlError(408, "The request body stopped arriving; send it again.") from None
    if len(body) > max_body:
        raise SparqlError(413, f"The request body is larger than {max_body} bytes.")
    return body


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SparqlError(400, f"The body is not valid UTF-8: {err}") from None


def _graph_iris(params: MultiDict[str, str], name: str) -> list[str]:
    """The values of a dataset parameter, each an absolute IRI (Protocol §2.1.4), or 400."""
    values = params.getlist(name)
    for value in values:
        try:
            NamedNode(value)
        except ValueError as err:
            raise SparqlError(
                400, f"{name}={value[:200]!r} is not an absolute IRI: {err}"
            ) from None
    return values


def _endpoint_url(req: ProtocolRequest | Request) -> str:
    """The endpoint's own URL: the base IRI of queries and the service description's subject."""
    environ = req.environ
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    return _url(environ["wsgi.url_scheme"], host, environ.get("SCRIPT_NAME", ""))


@functools.lru_cache(maxsize=64)
def _url(scheme: str, host: str, root: str) -> str:
    """What werkzeug's `root_url` gives, kept: it took a fifth of a light query's time."""
    return get_current_url(
        {"wsgi.url_scheme": scheme, "HTTP_HOST": host, "SCRIPT_NAME": root}, root_only=True
    ) + PATH.lstrip("/")


def _update(req: ProtocolRequest, operation: Operation, settings: Settings) -> HttpAnswer:
    _check_token(req, settings.update_token)
    if settings.endpoint:
        raise SparqlError(501, "Updates through /sparql need the embedded store.")
    refuse_remote_access(operation.text, update=True)
    text = with_protocol_dataset(
        operation.text,
        operation.params.getlist("using-graph-uri"),
        operation.params.getlist("using-named-graph-uri"),
    )
    try:
        apply_update(settings.store, text, base_iri=_endpoint_url(req))
    except SyntaxError as err:
        raise SparqlError(400, f"Update syntax error: {err}") from None
    return HttpAnswer(b"Update applied.\n", "text/plain")


def _check_token(req: ProtocolRequest, token: str | None) -> None:
    """Protocol §2.2 leaves authorisation to the service: here a bearer token (RFC 6750)."""
    if not token:
        raise SparqlError(403, "Updates are disabled on this endpoint.")
    given = req.environ.get("HTTP_AUTHORIZATION", "")
    if not given:
        raise SparqlError(
            401,
            "Updates need Authorization: Bearer <token>.",
            {"WWW-Authenticate": 'Bearer realm="minami-kg sparql"'},
        )
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip(), token):
        raise SparqlError(403, "The update token is not valid.")
