"""/sparql: the public SPARQL 1.1 endpoint (the `sparql` blueprint).

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

Limits of a public endpoint, each a setting: `sparql_timeout` (the process
running the query is ended, the answer is 503 with Retry-After: under gunicorn
the web worker itself, see `watchdog`; elsewhere a query process), `max_rows`
(more solutions are not read; the answer says `X-Result-Truncated: true`),
`max_body_bytes` and `max_query_chars` (413). SERVICE in a query and LOAD in an update are refused
with 400 before the text reaches pyoxigraph (`sparql_text`). Every answer,
errors included, allows any origin (CORS), so editors on other sites work.

Errors are `SparqlError`s carrying their status; one handler writes them as
text/plain. A broken store is 503, never a 400 blamed on the query.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from flask import (
    Blueprint,
    Flask,
    Request,
    Response,
    current_app,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from jinja2 import TemplateNotFound
from pyoxigraph import NamedNode, serialize
from werkzeug.datastructures import MultiDict

from minami_kg.config import Settings
from minami_kg.queries import canned_queries
from minami_kg.rdf.namespaces import PREFIXES
from minami_kg.server import get_store
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
from minami_kg.server.security import add_headers
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
from minami_kg.server.watchdog import Watchdog, client_socket, timeout_message
from minami_kg.store import EmbeddedStore, StoreError

POOL_KEY = "minami_kg.query_pool"
WATCHDOG_KEY = "minami_kg.sparql_watchdog"
FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
METHODS = ["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"]  # Flask adds HEAD to GET
# HEAD is answered as GET is, without the body (werkzeug leaves it out).
ALLOW = "GET, HEAD, POST, OPTIONS"
# On every answer, the watchdog's 503 included: any origin may read /sparql.
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "X-Result-Truncated, Retry-After",
}

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


@sparql.errorhandler(SparqlError)
def _refused(err: SparqlError) -> ResponseReturnValue:
    return Response(err.message + "\n", err.status, err.headers, content_type="text/plain")


@sparql.after_request
def _cors(response: Response) -> Response:
    """Any origin may read /sparql: it is public and carries no cookies or sessions."""
    add_headers(response.headers, CORS, replace=True)
    if any(name.lower() == "vary" for name, _ in response.headers):
        response.vary.add("Accept")  # beside what the view said it varies on
    else:
        response.headers.add("Vary", "Accept")
    return response


@sparql.route("/sparql", methods=METHODS)
def endpoint() -> ResponseReturnValue:
    # The request and the app as plain objects, handed to the functions below: each
    # attribute read through Flask's proxies costs about a microsecond.
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if req.method == "OPTIONS":
        return _preflight()
    if req.method not in ("GET", "HEAD", "POST"):
        raise SparqlError(
            405,
            "/sparql accepts GET and POST (SPARQL 1.1 Protocol §2)",
            {"Allow": ALLOW},
        )
    settings: Settings = app.config["MINAMI_KG"]
    try:
        operation = _read_operation(req, settings.max_body_bytes)
        if len(operation.text) > settings.max_query_chars:
            raise SparqlError(
                413, f"The {operation.kind} is longer than {settings.max_query_chars} characters."
            )
        if operation.kind == "update":
            return _update(req, operation, settings)
        if operation.kind == "query":
            return _query(req, app, operation, settings)
        return _without_query(req, app)
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
        raise SparqlError(503, f"The store is not available: {err}", {"Retry-After": "5"}) from None


def _preflight() -> ResponseReturnValue:
    return Response(
        status=204,
        headers={
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type",
            "Access-Control-Max-Age": "86400",
            "Allow": ALLOW,
        },
    )


def _read_operation(req: Request, max_body: int) -> Operation:
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


def _body(req: Request, max_body: int) -> bytes:
    length = req.content_length
    if length is not None and length > max_body:
        raise SparqlError(413, f"The request body is larger than {max_body} bytes.")
    try:
        if length is not None:  # read it at once, not through werkzeug's stream wrappers
            return req.environ["wsgi.input"].read(length)
        body = req.stream.read(max_body + 1)  # chunked: the stream undoes it
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


def _endpoint_url() -> str:
    return url_for("sparql.endpoint", _external=True)


def _query(
    req: Request, app: Flask, operation: Operation, settings: Settings
) -> ResponseReturnValue:
    refuse_remote_access(operation.text)
    params = operation.params
    ranges = parse_accept(req.headers.get("Accept"))
    format_names = tuple(params.getlist("format"))
    if req.method in ("GET", "HEAD") and not format_names and _browser(app, ranges):
        return _editor(app, operation.text)
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
    job = Job(
        query=operation.text,
        base_iri=_endpoint_url(),
        default_graphs=tuple(default_graphs) if default_graphs or named_graphs else None,
        named_graphs=tuple(named_graphs) if default_graphs or named_graphs else None,
        accept=ranges,
        format_names=format_names,
        max_rows=settings.max_rows,
    )
    reply = _run_remote(app, job) if settings.endpoint else _run_here_or_in_pool(req, app, job)
    if not isinstance(reply, Answer):
        raise SparqlError(reply.status, reply.message, reply.headers)
    response = Response(reply.body, 200, content_type=reply.media_type)
    if reply.truncated:
        response.headers["X-Result-Truncated"] = "true"
        response.headers["X-Result-Max-Rows"] = str(settings.max_rows)
    return response


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


def _run_here_or_in_pool(req: Request, app: Flask, job: Job) -> Reply:
    """Under `minami-kg serve`, in this web worker with a watchdog (see `watchdog`);
    elsewhere in a query process, which can be stopped without stopping this one."""
    client = client_socket(req.environ)
    store = get_store(app)
    if client is None or not isinstance(store, EmbeddedStore):
        return get_pool(app).run(job)
    snapshot = store.snapshot()
    watchdog: Watchdog = app.extensions[WATCHDOG_KEY]
    with watchdog.watching(client):
        return execute(snapshot, job)


def _run_remote(app: Flask, job: Job) -> Reply:
    """With a remote store, the remote server runs the query (and enforces its own
    time limit); we only serialise. Its dataset is fixed to our named graphs."""
    if job.default_graphs is not None or job.named_graphs is not None:
        raise SparqlError(
            501,
            "default-graph-uri and named-graph-uri need the embedded store; "
            "use FROM and FROM NAMED in the query instead.",
        )
    store = get_store(app)
    try:
        result = store.query(job.query)
    except SyntaxError as err:
        return Refusal(400, f"Query syntax error: {err}")
    return answer(result, job, lambda: store.query(job.query))


def _update(req: Request, operation: Operation, settings: Settings) -> ResponseReturnValue:
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
        apply_update(settings.store, text, base_iri=_endpoint_url())
    except SyntaxError as err:
        raise SparqlError(400, f"Update syntax error: {err}") from None
    return Response("Update applied.\n", 200, content_type="text/plain")


def _check_token(req: Request, token: str | None) -> None:
    """Protocol §2.2 leaves authorisation to the service: here a bearer token (RFC 6750)."""
    if not token:
        raise SparqlError(403, "Updates are disabled on this endpoint.")
    given = req.headers.get("Authorization", "")
    if not given:
        raise SparqlError(
            401,
            "Updates need Authorization: Bearer <token>.",
            {"WWW-Authenticate": 'Bearer realm="minami-kg sparql"'},
        )
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip(), token):
        raise SparqlError(403, "The update token is not valid.")


def _without_query(req: Request, app: Flask) -> ResponseReturnValue:
    ranges = parse_accept(req.headers.get("Accept"))
    if _browser(app, ranges):
        return _editor(app, None)
    fmt = negotiate(ranges, GRAPH_FORMATS)
    if fmt is None:
        raise SparqlError(
            406,
            "The service description is available as: "
            f"{describe(GRAPH_FORMATS)}. To query, send `query`.",
        )
    settings: Settings = app.config["MINAMI_KG"]
    triples = service_description(
        _endpoint_url(),
        get_store(app).named_graphs(),
        update_enabled=bool(settings.update_token) and not settings.endpoint,
    )
    body = serialize(triples, format=fmt.rdf_format(), prefixes=SD_PREFIXES)
    return Response(body, 200, content_type=fmt.media_type)


def _browser(app: Flask, ranges: tuple[MediaRange, ...]) -> bool:
    """A client that prefers HTML gets the editor, when the editor's template is installed."""
    if not prefers_html(ranges):
        return False
    try:
        app.jinja_env.get_template("sparql.html")
    except TemplateNotFound:
        return False
    return True


def _editor(app: Flask, query: str | None) -> ResponseReturnValue:
    settings: Settings = app.config["MINAMI_KG"]
    examples = canned_queries(settings.queries) if settings.queries.is_dir() else []
    return render_template(
        "sparql.html",
        query=query,
        endpoint=_endpoint_url(),
        prefixes=PREFIXES,
        examples=examples,
    )
