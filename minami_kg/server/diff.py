"""/diff/<ward>/<fy1>/<fy2>: what changed in a ward's plan from one year to another.

The view computes one `PlanDiff` (`minami_kg.diff`) and only then renders it
as HTML or as its JSON twin (`.json`, `?format=json` or `Accept:
application/json`); the JSON is the same as `minami-kg diff --format json`.
A ward or year the store does not hold answers 404, the same year twice 400,
both with a message.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from minami_kg.diff import SameYear, UnknownPlan, diff, parse_year
from minami_kg.server.i18n import t
from minami_kg.server.linked_data import not_found
from minami_kg.server.state import get_store

diff_pages = Blueprint("diff", __name__)


def _wants_json(fy2: str) -> bool:
    if fy2.endswith(".json"):
        return True
    if "format" in request.args:
        return request.args["format"] == "json"
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )


def _page_url(base: str, iri: str) -> str:
    """The resource page of an IRI the graph minted (`/page/<path after id/>`)."""
    prefix = f"{base}id/"
    return f"/page/{iri.removeprefix(prefix)}" if iri.startswith(prefix) else iri


@diff_pages.get("/diff/<ward>/<fy1>/<fy2>")
def year_over_year(ward: str, fy1: str, fy2: str) -> ResponseReturnValue:
    """The diff of `ward`'s plans for `fy1` → `fy2`, as HTML or JSON."""
    as_json = _wants_json(fy2)
    fy2 = fy2.removesuffix(".json")
    base = current_app.config["MINAMI_KG"].base
    try:
        result = diff(get_store(current_app), base, ward, parse_year(fy1), parse_year(fy2))
    except UnknownPlan as err:
        return not_found(t(f"この区・年度の運営方針はありません: {err}", str(err)))
    except SameYear as err:
        message = t(f"異なる二つの年度を指定してください: {err}", str(err))
        if as_json:
            response = jsonify(error=message)
        else:
            response = Response(render_template("diff.html", error=message, diff=None))
        response.status_code = 400
        return response
    json_url = f"/diff/{ward}/{fy1}/{fy2}.json"
    if as_json:
        response = jsonify(result.as_json())
        response.headers["Link"] = f'</diff/{ward}/{fy1}/{fy2}>; rel="alternate"; type="text/html"'
        return response
    response = Response(
        render_template(
            "diff.html",
            diff=result,
            error=None,
            json_url=json_url,
            page=lambda iri: _page_url(base, iri),
        )
    )
    response.headers["Link"] = f'<{json_url}>; rel="alternate"; type="application/json"'
    return response
