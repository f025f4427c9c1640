"""The web app: `create_app(settings)` builds it; nothing exists at import time.

One blueprint per face; what they share lives in modules of its own: the
store handle (`state`), the HTTP habits (`http`), the addresses (`urls`),
the security headers and the limit (`security`, `limits`), the follower of
the store's build identifier that keeps this instance's search index and
cache validators current (`follower`), the staff's sign-in,
`current_account()` and `require(role)` (`auth`). No blueprint
imports another, and nothing imports this package's `__init__` but the CLI.
"""

from __future__ import annotations

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue

from minami_kg.config import Settings
from minami_kg.server import credits, follower, http, i18n, limits, security, staff, state
from minami_kg.store import StoreError


def trust_proxies(app: Flask, hops: int) -> None:
    """Believe the X-Forwarded-For/-Proto/-Host/-Port/-Prefix of `hops` reverse proxies.

    Behind nginx the app would otherwise see the proxy's address as every
    client's (one limit for all) and its own host and scheme in the URLs it
    builds. Only the last `hops` values are taken, those the proxies in front
    of us set; a client can add its own headers but not remove theirs.
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
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    state.init_app(app, settings)
    follower.init_app(  # this instance's search index follows the store's build identifier
        app,
        state.get_store(app),
        base=settings.base,
        index_path=settings.search_index_path,
        every=settings.build_check_seconds,
    )
    http.init_app(app)
    i18n.init_app(app)
    credits.init_app(app)
    security.init_app(app)
    limits.init_app(app)
    staff.init_app(app, settings)  # sessions; sign-in and CSRF before every write

    from minami_kg.server.auth import auth
    from minami_kg.server.dataset import dataset
    from minami_kg.server.diff import diff_pages
    from minami_kg.server.docs_pages import docs_pages
    from minami_kg.server.graph import graph
    from minami_kg.server.linked_data import linked_data
    from minami_kg.server.matrix import matrix
    from minami_kg.server.ontology_page import ontology
    from minami_kg.server.open_data import open_data
    from minami_kg.server.pages import pages
    from minami_kg.server.review_api import review_api
    from minami_kg.server.review_pages import review_pages
    from minami_kg.server.search import search
    from minami_kg.server.sparql import sparql
    from minami_kg.server.ui import ui

    app.register_blueprint(auth)  # /login, /logout, /api/session
    app.register_blueprint(ui)  # /, /plans, /sections, /compare, /plans/…/reading
    app.register_blueprint(sparql)  # /sparql: the protocol, and the editor for browsers
    app.register_blueprint(pages)  # /queries: the canned queries as pages and files
    app.register_blueprint(dataset)  # /dataset, /.well-known/void, /download, /sitemap.xml
    app.register_blueprint(linked_data)  # /id, /page, /data, /source
    app.register_blueprint(graph)  # /graph, /api/graph/…
    app.register_blueprint(search)  # /search, /api/search (reads the index file, not the store)
    app.register_blueprint(matrix)  # /matrix, /matrix/cell, /matrix.csv, /matrix.xlsx
    app.register_blueprint(diff_pages)  # /diff/<ward>/<fy1>/<fy2>
    app.register_blueprint(ontology)  # /ontology (reads ontology/*.ttl when the app starts)
    app.register_blueprint(open_data)  # /plans/<ward>/<fy>/{measures,sections,links}.csv|.json
    app.register_blueprint(docs_pages)  # /docs, /docs/<name>, /help: the guides of docs/
    app.register_blueprint(review_api)  # /api/review, /api/label, /api/accounts: staff only
    app.register_blueprint(review_pages)  # /review (the queue), /admin/accounts: staff only

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        """200 when the store answers a query, 503 with the reason otherwise.

        Also what this instance follows (`follower`): the store's build identifier
        as last read, and whether its own search index is of that build.
        """
        try:
            quads = len(state.get_store())
        except StoreError as err:
            return jsonify(status="unavailable", error=str(err)), 503
        watcher = follower.get_follower(app)
        reading = watcher.reading()
        return jsonify(
            status="ok",
            quads=quads,
            build=reading.build_id if reading else None,
            search=watcher.index_state(),
        )

    if settings.proxy_hops:
        trust_proxies(app, settings.proxy_hops)
    return app
