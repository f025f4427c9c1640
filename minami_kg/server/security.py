"""What every answer of a public site carries (see docs/security.md for the threats).

* the security headers on every response, errors and downloads included: a Content-Security-Policy
  that lets a page load scripts, styles, images, fonts and data from this site
  only (no inline script, no inline style, no `eval`, no frames, no plugins), plus
  `X-Content-Type-Options: nosniff`, a Referrer-Policy, `X-Frame-Options:
  DENY` and a Permissions-Policy that switches off what the site never uses.
  Inline `<script type="application/json">` and `application/ld+json` blocks
  are data, which CSP does not run, so they need no exception. A header a
  view set itself is kept.
"""

from __future__ import annotations

from flask import Flask, Response

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


_HEADER_PAIRS = tuple(SECURITY_HEADERS.items())


def init_app(app: Flask) -> None:
    """Every answer carries the security headers, errors and static files included."""

    @app.after_request
    def secure(response: Response) -> Response:
        headers = response.headers
        present = {name.lower() for name, _ in headers}  # one pass, not one per header
        headers.extend(pair for pair in _HEADER_PAIRS if pair[0].lower() not in present)
        return response
