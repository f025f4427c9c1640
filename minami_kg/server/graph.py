"""The graph explorer: `/graph`, the JSON it draws from (`models.graph`), its script files.

The script files come from `web/node_modules` (installed by `npm ci` from
web/package-lock.json); only the four files the page loads are served.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response, abort, jsonify, request, send_from_directory
from flask.typing import ResponseReturnValue

from minami_kg.config import PROJECT_ROOT
from minami_kg.readmodels.graph import (
    NODE_TYPES,
    Json,
    explorer,
    node_json,
    opening_view,
    sections_json,
)
from minami_kg.readmodels.plans import pick
from minami_kg.server.http import json_href, page, wants_json
from minami_kg.server.i18n import current_language
from minami_kg.server.state import get_settings, get_store
from minami_kg.store import GraphStore

graph = Blueprint("graph", __name__)

NODE_MODULES = PROJECT_ROOT / "web" / "node_modules"
ASSETS = {
    "cytoscape.min.js": NODE_MODULES / "cytoscape" / "dist",
    "layout-base.js": NODE_MODULES / "layout-base",
    "cose-base.js": NODE_MODULES / "cose-base",
    "cytoscape-fcose.js": NODE_MODULES / "cytoscape-fcose",
}
"""The script files the page loads, in load order (fcose registers itself with cytoscape)."""

T = TypeVar("T")
API = "/api/search"  # the search the page finds start nodes with


def _read(model: Callable[[GraphStore, str, dict[str, str], str], T]) -> T:
    """What `model` reads for this request's parameters and language (its refusals are
    answered by the app's one error handler)."""
    return model(get_store(), get_settings().base, request.args.to_dict(), current_language())


def _json(data: Json) -> Response:
    """JSON whose labels are in the request's language, so it varies as the language does."""
    response = jsonify(data)
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@graph.get("/api/graph/node")
def node() -> ResponseReturnValue:
    """A node and its neighbours (`?iri=`, `?limit=`)."""
    return _json(_read(node_json))


@graph.get("/api/graph/sections")
def sections() -> ResponseReturnValue:
    """The sections of `?plan=` and the measures they share."""
    return _json(_read(sections_json))


@graph.get("/assets/graph/<name>")
def asset(name: str) -> ResponseReturnValue:
    """One of the page's script files from web/node_modules; anything else is a 404."""
    folder = ASSETS.get(name)
    if folder is None:
        abort(404)
    return send_from_directory(folder, name, max_age=3600)


@graph.get("/graph", endpoint="explorer")
def explorer_page() -> ResponseReturnValue:
    """The explorer, opening on `?focus=` or on the sections of `?plan=` (default: newest).

    Its JSON twin is the data of the view it opens with. A focus or plan the
    page cannot open is said on the page (400 or 404), which opens without it.
    """
    if wants_json():
        return _json(_read(opening_view))
    state = _read(explorer)
    lang = current_language()
    config = {
        "lang": lang,
        "view": state.view,
        "focus": state.focus,
        "plan": state.plan_key,
        "types": [
            {"key": t.key, "label": pick(lang, t.ja, t.en), "colour": t.colour, "shape": t.shape}
            for t in NODE_TYPES
        ],
        "api": {"node": "/api/graph/node", "sections": "/api/graph/sections", "search": API},
    }
    response = page(
        "graph.html",
        twin_href=json_href() if state.problem is None else "/graph?format=json",
        state=state,
        config=config,
        node_types=NODE_TYPES,
        assets=list(ASSETS),
    )
    response.status_code = state.status
    return response
