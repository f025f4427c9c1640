"""What every answer of a public site carries, and what it refuses to do.

Two guards of the public site (see docs/security.md for the threats they answer):

* a WSGI middleware (`SecurityHeaders`) that adds the security headers to
  every response, errors and downloads included: a Content-Security-Policy
  that lets a page load scripts, styles, images, fonts and data from this site
  only (no inline script, no inline style, no `eval`, no frames, no plugins), plus
  `X-Content-Type-Options: nosniff`, a Referrer-Policy, `X-Frame-Options:
  DENY` and a Permissions-Policy that switches off what the site never uses.
  Inline `<script type="application/json">` and `application/ld+json` blocks
  are data, which CSP does not run, so they need no exception. A header a
  view set itself is kept.
* the per-client rate limit (`rate_limit.RateLimit`) for `/api/…`, answered 429
  with JSON once spent; `/sparql` counts against the same limit in its own
  endpoint (`sparql.SparqlEndpoint`).

`spreadsheet_text` is the one rule for CSV and xlsx cells: text that a
spreadsheet would run as a formula gets a leading `'`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Flask, Response, g, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import Headers

from minami_kg.config import Settings
from minami_kg.server.rate_limit import RateLimit, Verdict, refusal_message

RATE_KEY = "minami_kg.rate_limit"

YASGUI_TABLE_STYLE = "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='"
"""The one `<style>` element YASGUI (4.6.2) adds to the page, when its result table
first draws (its column resizer's rules). The text is fixed in the library, so its
hash is allowed and nothing else inline is. An upgrade that changes it shows as a
CSP violation in tests/browser/test_hostile_browser.py, which runs a query."""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' {YASGUI_TABLE_STYLE}",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
"""Everything from this site, nothing inline that could run, never inside a frame.

No inline style either (templates link static CSS; cytoscape's one rule is in
graph.css, see graph.html), but the hash of YASGUI's table rules.

`data:` images and fonts: YASGUI's and CodeMirror's style sheets embed their
icons as data URLs; a data URL cannot carry script into a page.
"""

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
        "interest-cohort=(), browsing-topics=()"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
}

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Characters that make Excel (and LibreOffice) read a text cell as a formula."""


def spreadsheet_text(value: str) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ (or tab, CR) gets a `'` before it.

    A label such as "=HYPERLINK(…)" would otherwise run as a formula when the
    file is opened (CSV injection, https://owasp.org/www-community/attacks/CSV_Injection).
    """
    return "'" + value if value.startswith(FORMULA_START) else value


def init_app(app: Flask) -> None:
    """Build the app's rate limit (None when off) and count /api/ requests against it."""
    settings: Settings = app.config["MINAMI_KG"]
    limit = RateLimit.from_setting(settings.rate_limit)
    app.extensions[RATE_KEY] = limit
    if limit is None:
        return

    @app.before_request
    def count_api_request() -> ResponseReturnValue | None:
        if not request.path.startswith("/api/") or request.method == "OPTIONS":
            return None
        verdict = g.rate = limit.hit(request.remote_addr or "")
        if verdict.allowed:
            return None
        response = jsonify(error=refusal_message(verdict))
        response.status_code = 429
        return response

    @app.after_request
    def tell_the_rate(response: Response) -> Response:
        verdict: Verdict | None = g.pop("rate", None)
        if verdict is not None:
            response.headers.extend(verdict.answer_headers())
        return response


def get_rate_limit(app: Flask) -> RateLimit | None:
    return app.extensions[RATE_KEY]


class SecurityHeaders:
    """WSGI middleware: each of `headers` on every answer that does not set its own.

    Added as the answer leaves the app, so error pages and static files carry
    them too. They are constant, so they go in as plain pairs: werkzeug checks
    a header each time it is added and again when the response is sent, and for
    these six that was about 5% of the app's time on a light /sparql request.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], headers: Mapping[str, str]) -> None:
        self.app = app
        self.headers = [(name.lower(), (name, value)) for name, value in headers.items()]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers.extend(pair for lower, pair in self.headers if lower not in present)
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def add_headers(headers: Headers, values: Mapping[str, str], *, replace: bool = False) -> None:
    """Add each of `values` the response lacks (and, with `replace`, overwrite those it has).

    The same as `setdefault` (or `update`) name by name, in one pass over the
    response's headers: werkzeug finds a name by scanning its list and answers
    an absent one by raising a KeyError, and six of those cost more than an
    ASK query on /sparql.
    """
    present = {name.lower() for name, _ in headers}
    for name, value in values.items():
        if name.lower() not in present:
            headers.add(name, value)
        elif replace:
            headers.set(name, value)
