"""The web app: `create_app(settings)` builds it; nothing exists at import time.

One blueprint per face. The store handle lives in `app.extensions`, so one
process can hold two apps over two stores (the tests do).
"""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

from minami_kg.config import Settings
from minami_kg.store import GraphStore, StoreError, open_store

STORE_KEY = "minami_kg.store"


def get_store(app: Flask) -> GraphStore:
    return app.extensions[STORE_KEY]


def trust_proxies(app: Flask, hops: int) -> None:
    """Believe the X-Forwarded-For/-Proto/-Host/-Port/-Prefix of `hops` reverse proxies.

    Behind nginx the app would otherwise see the proxy's address as every
    client's (one rate-limit bucket for all) and its own host and scheme in the
    URLs it builds. Only the last `hops` values are taken, those the proxies in
    front of us set; a client can add its own headers but not remove theirs.
    """
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
    )


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    web = settings.templates.parent  # web/: templates/ and static/ side by side
    app = Flask(
        __name__, template_folder=str(settings.templates), static_folder=str(web / "static")
    )
    app.config["MINAMI_KG"] = settings
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions[STORE_KEY] = open_store(settings)

    from minami_kg.server import i18n, security

    i18n.init_app(app)
    security.init_app(app)  # the rate limit of /sparql and /api/

    from minami_kg.server.ui import ui

    app.register_blueprint(ui)
    from minami_kg.server.sparql import sparql

    app.register_blueprint(sparql)  # the editor; also the query pool and the watchdog

    from minami_kg.server.pages import pages

    app.register_blueprint(pages)
    from minami_kg.server.dataset import dataset

    app.register_blueprint(dataset)  # also the app-wide caching hook (ETag, 304)
    from minami_kg.server.linked_data import linked_data

    app.register_blueprint(linked_data)  # /id, /page, /data, /source
    from minami_kg.server.graph import graph

    app.register_blueprint(graph)  # /graph, /api/graph/…
    from minami_kg.server.search import search

    app.register_blueprint(search)  # /search, /api/search (reads the index file, not the store)
    from minami_kg.server.matrix import matrix

    app.register_blueprint(matrix)  # /matrix, /matrix/cell, /matrix.csv, /matrix.xlsx
    from minami_kg.server.diff import diff_pages

    app.register_blueprint(diff_pages)  # /diff/<ward>/<fy1>/<fy2>
    from minami_kg.server.ontology_page import ontology

    app.register_blueprint(ontology)  # /ontology (reads ontology/*.ttl when the app starts)
    from minami_kg.server.docs_pages import docs_pages

    app.register_blueprint(docs_pages)  # /docs, /docs/<name>, /help: the guides of docs/

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        """200 when the store answers a query, 503 with the reason otherwise."""
        try:
            quads = len(get_store(app))
        except StoreError as err:
            return jsonify(status="unavailable", error=str(err)), 503
        return jsonify(status="ok", quads=quads)

    @app.errorhandler(StoreError)
    def store_unavailable(err: StoreError) -> ResponseReturnValue:
        return jsonify(error=str(err)), 503

    @app.errorhandler(404)
    def no_route(err: Exception) -> ResponseReturnValue:
        """A path no route matches: the site's own 404 page, or JSON for machines."""
        from minami_kg.server.linked_data import not_found

        return not_found(f"{request.path}: there is nothing here")

    # In front of Flask's dispatch, innermost first: the SPARQL protocol at /sparql,
    # the proxies' headers (which the endpoint's URL and the rate limit read), and
    # the security headers on every answer.
    from minami_kg.server.sparql import SparqlEndpoint

    app.wsgi_app = SparqlEndpoint(app, app.wsgi_app)  # type: ignore[method-assign]
    if settings.proxy_hops:
        trust_proxies(app, settings.proxy_hops)
    app.wsgi_app = security.SecurityHeaders(  # type: ignore[method-assign]
        app.wsgi_app, security.SECURITY_HEADERS
    )
    return app
