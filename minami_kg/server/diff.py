"""/diff/<ward>/<fy1>/<fy2>: what changed in a ward's plan from one year to another.

The view computes one `PlanDiff` (`models.diff`, over `minami_kg.diff`) and
only then renders it as HTML or as its JSON twin (`.json`, `?format=json` or
`Accept: application/json`); the JSON is the same as `minami-kg diff
--format json`. A ward or year the store does not hold answers 404, the same
year twice 400, both with a message.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from minami_kg.diff import SameYear, UnknownPlan
from minami_kg.readmodels.diff import page_of, year_over_year
from minami_kg.server.http import HttpError, alternates, page, wants_json
from minami_kg.server.i18n import t
from minami_kg.server.state import get_settings, get_store

diff_pages = Blueprint("diff", __name__)


@diff_pages.get("/diff/<ward>/<fy1>/<fy2>", endpoint="year_over_year")
def year_over_year_page(ward: str, fy1: str, fy2: str) -> ResponseReturnValue:
    """The diff of `ward`'s plans for `fy1` → `fy2`, as HTML or JSON."""
    as_json = wants_json()
    fy2 = fy2.removesuffix(".json")
    base = get_settings().base
    try:
        result = year_over_year(get_store(), base, ward, fy1, fy2)
    except UnknownPlan as err:
        raise HttpError(404, t(f"この区・年度の運営方針はありません: {err}", str(err))) from err
    except SameYear as err:
        raise HttpError(400, t(f"異なる二つの年度を指定してください: {err}", str(err))) from err
    html_url = f"/diff/{ward}/{fy1}/{fy2}"
    if as_json:
        return alternates(jsonify(result.as_json()), [(html_url, "text/html")])
    return page("diff.html", twin_href=html_url + ".json", diff=result, page=page_of(base))
