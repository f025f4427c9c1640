"""The HTTP habits every face shares, each written once.

- `HttpError(status, message)`: the one error a view raises. One handler
  answers it (and a read model's refusal, werkzeug's own 404, 405 …, and a
  store that is down) in the asker's language: a page in the site's style for
  browsers, `{"error": …}` for API clients and JSON twins, plain text for
  SPARQL clients.
- `wants_json()` and `negotiate()`: content negotiation, HTML / JSON / RDF.
- `page()` and `twin()`: an HTML view and its JSON twin, named in a `Link:
  rel="alternate"` header (`alternates()` writes that header everywhere).
- CORS: any origin may read the machine faces (`OPEN_TO_SCRIPTS`).
- HTTP caching (RFC 9110 §8.8, RFC 9111): every successful GET gets an ETag
  and Last-Modified derived from the store version, which changes only on a
  rebuild or an update, so If-None-Match / If-Modified-Since answer 304 (for
  a remote store, the build identifier the app's follower last read:
  `follower.current_version`).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask, Response, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException
from werkzeug.http import http_date

from minami_kg.publish import StoreVersion
from minami_kg.readmodels.refusals import Refusal
from minami_kg.readmodels.urls import SPARQL_PATH
from minami_kg.server.follower import current_version
from minami_kg.server.i18n import t
from minami_kg.server.state import get_store
from minami_kg.store import StoreError

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "X-Result-Truncated, Retry-After",
}
OPEN_TO_SCRIPTS = (SPARQL_PATH, "/api/", "/data/", "/dataset", "/.well-known/", "/download/")
"""The machine faces any web page may read (CORS): they carry no cookies or sessions."""
STAFF_ONLY = ("/api/session", "/api/review", "/api/label", "/api/accounts")
"""Under /api/ but read with the staff's session cookie: no CORS (minami_kg.server.staff)."""
PAGE_MAX_AGE = 60  # seconds a cache may reuse a page before revalidating
NOT_CACHED = ("/healthz",)
JSON = "application/json"
_METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]


class HttpError(Exception):
    """A request a view will not answer: the status, a message for the asker, extra headers."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
        details: Mapping[str, object] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.details = dict(details or {})  # more JSON fields (e.g. the decision a 409 met)


# ---------------------------------------------------------------- negotiation


def wants_json() -> bool:
    """JSON rather than HTML: `?format=json`, a `.json` path, or an Accept that prefers it."""
    asked = request.args.get("format")
    if asked:
        return asked == "json"
    if request.path.endswith(".json"):
        return True
    return request.accept_mimetypes.best_match(["text/html", JSON]) == JSON


def negotiate(
    offers: Sequence[tuple[str, str]], aliases: Mapping[str, str] | None = None
) -> str | None:
    """The format `?format=` names (or an alias of it), else the best Accept match.

    `offers` are (media type, format name) pairs in the order that breaks ties;
    no Accept header gets the first. None when nothing fits (answer 406).
    """
    asked = request.args.get("format")
    if asked:
        asked = (aliases or {}).get(asked, asked)
        return asked if asked in {name for _, name in offers} else None
    if not request.accept_mimetypes:
        return offers[0][1]
    best = request.accept_mimetypes.best_match([media for media, _ in offers])
    return dict(offers)[best] if best else None


# ---------------------------------------------------------------- twins and links


def alternates(response: Response, links: Iterable[tuple[str, str]]) -> Response:
    """Name the other representations (URL, media type) in a `Link: rel="alternate"` header."""
    response.headers["Link"] = ", ".join(
        f'<{url}>; rel="alternate"; type="{media_type}"' for url, media_type in links
    )
    return response


def json_href(**params: str) -> str:
    """This request's URL asking for the JSON twin (the page's own parameters kept)."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("format", "lang")]
    kept += [*params.items(), ("format", "json")]
    return f"{request.path}?{urlencode(kept)}"


def page(template: str, twin_href: str | None = None, **context: Any) -> Response:
    """An HTML page whose JSON twin is named in `<head>` (`json_href`) and in `Link`."""
    twin_href = twin_href or json_href()
    response = Response(render_template(template, json_href=twin_href, **context))
    return alternates(response, [(twin_href, JSON)])


def twin(data: object, template: str, **context: Any) -> Response:
    """`data` as JSON when the asker wants JSON, else the page `template` shows it with."""
    if wants_json():
        return jsonify(data)
    return page(template, **context)


def attachment(filename: str, ascii_name: str | None = None) -> str:
    """`Content-Disposition` for a download: `filename` as the UTF-8 name (RFC 6266, 5987),
    and `ascii_name`, or `filename` with its other characters as `_`, for older clients."""
    fallback = ascii_name or "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# ---------------------------------------------------------------- errors


def _error_format(status: int) -> str:
    """Text for SPARQL clients; JSON for API clients, files, twins and formats other than
    HTML (a 406 included: nothing the asker named was HTML); else the site's page."""
    if request.path == SPARQL_PATH:
        return "text"
    if request.path.startswith("/api/") or request.path.endswith((".json", ".csv", ".xlsx")):
        return "json"
    if status == 406 or request.args.get("format", "html") != "html":
        return "json"
    return "json" if wants_json() else "html"


def error_response(
    status: int,
    message: str,
    headers: Mapping[str, str] | None = None,
    details: Mapping[str, object] | None = None,
) -> Response:
    """The one shape of an error, in the format the asker reads (`details`: JSON only)."""
    fmt = _error_format(status)
    if fmt == "text":
        response = Response(message + "\n", mimetype="text/plain")
    elif fmt == "json":
        response = jsonify({**(details or {}), "error": message})
    else:
        template = "not_found.html" if status == 404 else "bad_request.html"
        response = Response(render_template(template, message=message, status=status))
    response.status_code = status
    response.headers.update(headers or {})
    return response


def init_app(app: Flask) -> None:
    """One handler for our errors, werkzeug's, and a store that cannot answer; and caching."""

    @app.errorhandler(HttpError)
    def http_error(err: HttpError) -> ResponseReturnValue:
        return error_response(err.status, err.message, err.headers, err.details)

    @app.errorhandler(HTTPException)
    def werkzeug_error(err: HTTPException) -> ResponseReturnValue:
        status = err.code or 500
        headers = {k: v for k, v in err.get_headers() if k.lower() in ("allow", "retry-after")}
        if status == 404:
            message = f"{request.path}: there is nothing here"
        elif status == 405:
            allowed = sorted(getattr(err, "valid_methods", None) or (), key=_METHOD_ORDER.index)
            headers["Allow"] = ", ".join(allowed)
            message = f"{request.path} accepts {headers['Allow']}"
        elif status == 500:
            message = "Internal server error."
        else:
            message = err.description or err.name
        return error_response(status, message, headers)

    @app.errorhandler(Refusal)
    def refused(err: Refusal) -> ResponseReturnValue:
        """A read model's refusal (`models.refusals`), in the asker's language."""
        return error_response(err.status, t(err.ja, err.en))

    @app.errorhandler(StoreError)
    def store_unavailable(err: StoreError) -> ResponseReturnValue:
        return error_response(503, f"The store is not available: {err}", {"Retry-After": "5"})

    app.after_request(add_validators)
    app.after_request(allow_scripts)


def allow_scripts(response: Response) -> Response:
    """Any origin may read the machine faces, errors included (CORS)."""
    if request.path.startswith(OPEN_TO_SCRIPTS) and not request.path.startswith(STAFF_ONLY):
        response.headers.update(CORS)
    return response


# ---------------------------------------------------------------- caching


@functools.cache
def _code_version() -> str:
    """The installed package's version; read once (reading package metadata costs ~0.3 ms)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("minami-kg")
    except PackageNotFoundError:
        return "dev"


def cache_validators(
    version: StoreVersion | None, full_path: str, content_type: str, lang: str
) -> dict[str, str] | None:
    """ETag, Last-Modified and Cache-Control of a representation, or None without a version.

    The ETag is weak and names the store version, the code version, the URL, the
    representation's media type and, for pages, their language: a rebuild, a deploy
    or another format each give another tag.
    """
    if version is None:
        return None
    key = "\n".join((version.tag, _code_version(), full_path, content_type, lang))
    return {
        "ETag": f'W/"{hashlib.sha256(key.encode()).hexdigest()[:32]}"',
        "Last-Modified": http_date(version.modified),
        "Cache-Control": f"public, max-age={PAGE_MAX_AGE}",
    }


_STORE_VERSION = object()  # `g.cache_version` unset: the store's version applies


def use_version(version: StoreVersion | None) -> None:
    """Derive this response's validators from `version`, not the store's.

    For an answer read from something that follows the store at its own pace
    (the search index): a tag of the store's version could name an older answer.
    """
    g.cache_version = version


def add_validators(response: Response) -> Response:
    """ETag, Last-Modified and Cache-Control on every successful GET, and 304 when fresh.

    Responses that set their own validators (downloads, static files) or their
    own Cache-Control are left as they are, apart from the 304 check.
    """
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    headers = response.headers
    if request.path in NOT_CACHED or "no-store" in headers.get("Cache-Control", ""):
        return response
    if "ETag" not in headers:
        version = g.get("cache_version", _STORE_VERSION)
        validators = cache_validators(
            current_version(get_store()) if version is _STORE_VERSION else version,
            request.full_path,
            response.content_type or "",
            g.get("lang", ""),
        )
        if validators is None:
            return response
        headers["ETag"] = validators["ETag"]
        headers["Last-Modified"] = validators["Last-Modified"]
        headers.setdefault("Cache-Control", validators["Cache-Control"])
    if "If-None-Match" in request.headers or "If-Modified-Since" in request.headers:
        response.make_conditional(request)  # changes `response` itself: a 304 when fresh
    return response
