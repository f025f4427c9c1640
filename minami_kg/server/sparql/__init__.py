"""/sparql: the public SPARQL 1.1 endpoint, a Flask view like every other face.

Implements SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/):

* §2.1 query operation (`protocol`): GET `?query=`, POST form, POST
  `application/sparql-query`; the dataset by `default-graph-uri` and
  `named-graph-uri` (§2.1.4). With neither, and no FROM in the query, the
  default graph is the union of all named graphs (sd:UnionDefaultGraph).
* §2.1.6 / §2.1.7 responses: a format chosen from `Accept` (q-values) or a
  `format` parameter (`minami_kg.results.formats`); 400 with the parser's message for a
  malformed query, 406 when no offered format is acceptable.
* §2.2 update operation (`update`): POST form (`update=`) or
  `application/sparql-update`, with `using-graph-uri` / `using-named-graph-uri`;
  only with the update token, on the embedded store only.
* A GET without a query is answered with the Service Description
  (`description`), or, for a browser, with the query editor.

Limits of a public endpoint, each a setting: `sparql_timeout` (the query's
process is stopped, the answer is 503 naming the limit, see `pool`),
`max_rows` (more solutions are not read; the answer says
`X-Result-Truncated: true`, as it does when a remote server cut it at its
own limit), `max_body_bytes` and `max_query_chars` (413),
and the per-client work limit shared with /api/ (`limits`). SERVICE in a
query and LOAD in an update are refused with 400 before the text reaches
pyoxigraph (`checks`). Every answer, errors included, allows any origin
(CORS), so editors on other sites work. Errors are `HttpError`s, written as
text/plain for SPARQL clients by the app's one handler; caching (ETag, 304)
is the app's too.
"""

from __future__ import annotations

import dataclasses
import functools

from flask import Blueprint, Flask, Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from jinja2 import TemplateNotFound
from pyoxigraph import serialize
from werkzeug.wsgi import get_current_url

from minami_kg.queries import canned_queries
from minami_kg.rdf.namespaces import PREFIXES
from minami_kg.readmodels.urls import SPARQL_PATH
from minami_kg.results.formats import (
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
from minami_kg.results.write import Answer, Job, Refusal, Reply, answer
from minami_kg.server.http import HttpError
from minami_kg.server.sparql.checks import DatasetError, UnsafeQuery, refuse_remote_access
from minami_kg.server.sparql.description import PREFIXES as SD_PREFIXES
from minami_kg.server.sparql.description import service_description
from minami_kg.server.sparql.pool import PoolBusy, QueryPool, QueryTimeout
from minami_kg.server.sparql.protocol import Operation, graph_iris, read_operation
from minami_kg.server.sparql.update import run_update
from minami_kg.server.state import get_settings, get_store
from minami_kg.store import EmbeddedStore, RemoteStore, StoreBusy, serialized

POOL_KEY = "minami_kg.query_pool"
PREFLIGHT = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type",
    "Access-Control-Max-Age": "86400",
}

sparql = Blueprint("sparql", __name__)


@sparql.record_once
def _attach_pool(state: object) -> None:
    """Each app gets its query pool; its processes start with the first query."""
    app: Flask = state.app  # type: ignore[attr-defined]
    settings = get_settings(app)
    app.extensions[POOL_KEY] = QueryPool(
        settings.store, size=settings.query_processes, timeout=settings.sparql_timeout
    )


def get_pool(app: Flask | None = None) -> QueryPool:
    return (app or current_app).extensions[POOL_KEY]


@sparql.after_app_request
def _vary(response: Response) -> Response:
    """Every answer of /sparql, errors included, depends on Accept (CORS: `http`)."""
    if request.path == SPARQL_PATH:
        if "Vary" in response.headers:
            response.vary.add("Accept")
        else:  # the usual case, without parsing a header set
            response.headers["Vary"] = "Accept"
    return response


@sparql.route(SPARQL_PATH, methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
def endpoint() -> ResponseReturnValue:
    if request.method == "OPTIONS":
        preflight = Response(status=204, headers={**PREFLIGHT, "Allow": "GET, HEAD, POST, OPTIONS"})
        preflight.headers.remove("Content-Type")  # no content, so nothing to describe
        return preflight
    settings = get_settings()
    operation = read_operation(
        request, max_body=settings.max_body_bytes, max_chars=settings.max_query_chars
    )
    try:
        if operation.kind == "update":
            return run_update(operation, base_iri=endpoint_url())
        if operation.kind == "query":
            return _query(operation)
        return _without_query()
    except (UnsafeQuery, DatasetError) as err:
        raise HttpError(400, str(err)) from None
    except QueryTimeout:
        raise HttpError(
            503,
            f"The query ran longer than the limit of {settings.sparql_timeout:g} s "
            "(MINAMI_KG_SPARQL_TIMEOUT) and was stopped. Narrow it (a LIMIT, fewer "
            "OPTIONALs, a more specific pattern) and try again.",
            {"Retry-After": "1"},
        ) from None
    except (PoolBusy, StoreBusy) as err:
        message = f"The endpoint is busy; try again shortly. {err}".strip()
        raise HttpError(503, message, {"Retry-After": "2"}) from None


def endpoint_url() -> str:
    """The endpoint's own URL: the base IRI of queries and the service description's subject."""
    return _endpoint_url(request.scheme, request.host, request.root_path)


@functools.lru_cache(maxsize=64)
def _endpoint_url(scheme: str, host: str, root: str) -> str:
    """werkzeug's `url_root` for these parts, kept: building it took a tenth of a lookup."""
    return get_current_url(
        {"wsgi.url_scheme": scheme, "HTTP_HOST": host, "SCRIPT_NAME": root}, root_only=True
    ) + SPARQL_PATH.lstrip("/")


def _query(operation: Operation) -> ResponseReturnValue:
    refuse_remote_access(operation.text)
    params = operation.params
    ranges = parse_accept(request.headers.get("Accept"))
    format_names = tuple(params.getlist("format"))
    if request.method == "GET" and not format_names and _browser(ranges):
        return _editor()
    if format_names and not any(known_format_name(n) for n in format_names):
        raise HttpError(
            400,
            f"Unknown format {format_names[0]!r}. Known: "
            + ", ".join(f.name for f in RESULT_FORMATS + GRAPH_FORMATS),
        )
    if not format_names and not acceptable(ranges):
        raise HttpError(
            406,
            "No result format fits the Accept header. SELECT and ASK: "
            f"{describe(RESULT_FORMATS)}. CONSTRUCT and DESCRIBE: {describe(GRAPH_FORMATS)}.",
        )
    default_graphs = graph_iris(params, "default-graph-uri")
    named_graphs = graph_iris(params, "named-graph-uri")
    given = bool(default_graphs or named_graphs)
    settings = get_settings()
    job = Job(
        query=operation.text,
        base_iri=endpoint_url(),
        default_graphs=tuple(default_graphs) if given else None,
        named_graphs=tuple(named_graphs) if given else None,
        accept=ranges,
        format_names=format_names,
        max_rows=settings.max_rows,
    )
    store = get_store()
    max_rows = settings.max_rows
    if isinstance(store, EmbeddedStore):
        reply = get_pool().run(job)
    else:
        reply, server_max_rows = _run_remote(job)
        max_rows = min(max_rows, server_max_rows or max_rows)
    if isinstance(reply, Refusal):
        raise HttpError(reply.status, reply.message, reply.headers)
    response = Response(reply.body, content_type=reply.media_type)
    if reply.truncated:
        response.headers["X-Result-Truncated"] = "true"
        response.headers["X-Result-Max-Rows"] = str(max_rows)
    return response


def _run_remote(job: Job) -> tuple[Reply, int | None]:
    """With a remote store, the remote server runs the query (and enforces its own
    time limit); we only serialise. Its dataset is fixed to our named graphs.

    A server may cut the answer at its own row limit (Virtuoso's
    `ResultSetMaxRows`, silently but for a header). The rows it sent are
    answered, marked `X-Result-Truncated` like our own `max_rows` cut, with
    the server's limit as the second item: a client of /sparql is told, as it
    is told of ours, rather than refused a result it may only be browsing.
    """
    if job.default_graphs is not None or job.named_graphs is not None:
        raise HttpError(
            501,
            "default-graph-uri and named-graph-uri need the embedded store; "
            "use FROM and FROM NAMED in the query instead.",
        )
    store = get_store()
    try:
        if isinstance(store, RemoteStore):
            result, cut = store.query_cut(job.query)
        else:
            result, cut = store.query(job.query), None
    except SyntaxError as err:
        return Refusal(400, f"Query syntax error: {err}"), None
    reply = answer(result, job)
    if cut is not None and isinstance(reply, Answer):
        reply = dataclasses.replace(reply, truncated=True)
    return reply, cut


def _without_query() -> ResponseReturnValue:
    ranges = parse_accept(request.headers.get("Accept"))
    if _browser(ranges):
        return _editor()
    fmt = negotiate(ranges, GRAPH_FORMATS)
    if fmt is None:
        raise HttpError(
            406,
            "The service description is available as: "
            f"{describe(GRAPH_FORMATS)}. To query, send `query`.",
        )
    settings = get_settings()
    triples = service_description(
        endpoint_url(),
        get_store().named_graphs(),
        update_enabled=bool(settings.update_token) and not settings.endpoint,
    )
    body = serialize(triples, format=fmt.rdf_format(), prefixes=SD_PREFIXES)
    return Response(serialized(body), content_type=fmt.media_type)


def _browser(ranges: tuple[MediaRange, ...]) -> bool:
    """A client that prefers HTML gets the editor, when its template is installed."""
    if not prefers_html(ranges):
        return False
    try:
        current_app.jinja_env.get_template("sparql.html")
    except TemplateNotFound:
        return False
    return True


def _editor() -> ResponseReturnValue:
    """The query editor (YASGUI), opened on `?query=` when given."""
    settings = get_settings()
    examples = canned_queries(settings.queries) if settings.queries.is_dir() else []
    return render_template(
        "sparql.html",
        query=request.args.get("query"),
        endpoint=endpoint_url(),
        prefixes=PREFIXES,
        examples=examples,
    )
