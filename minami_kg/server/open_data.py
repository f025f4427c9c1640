"""A plan's tables as open data: `/plans/<ward>/<fy>/{measures,sections,links}.csv` and `.json`.

The CSV follows the conventions of the 自治体標準オープンデータセット
(`models.open_data`): UTF-8 with a BOM, the 全国地方公共団体コード, an ID and the
local government's name first, one header row in Japanese (`?header=en` for
English). The JSON twin holds the same rows with both header rows. A CSV has no
room for the licence and sources: its `Link` header points at them (`credits`).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from minami_kg.readmodels.open_data import CSV_MEDIA_TYPE, header_language, plan_table
from minami_kg.readmodels.urls import plan_table_url
from minami_kg.server.credits import licence_links
from minami_kg.server.http import HttpError, alternates, attachment
from minami_kg.server.state import get_settings, get_store

open_data = Blueprint("open_data", __name__)

EXTENSIONS = ("csv", "json")


@open_data.get("/plans/<ward>/<fy>/<name>.<ext>")
def plan_table_file(ward: str, fy: str, name: str, ext: str) -> ResponseReturnValue:
    """One table of one plan, as CSV or JSON; an unknown table or plan is 404."""
    if ext not in EXTENSIONS:
        raise HttpError(404, f"{name}.{ext}: the tables are .csv and .json")
    header = header_language(request.args.get("header"))
    table = plan_table(get_store(), get_settings().base, ward, fy, name)
    if ext == "json":
        response = jsonify(table.json())
        return alternates(response, [(plan_table_url(ward, fy, name, "csv"), "text/csv")])
    response = Response(table.csv(header), content_type=CSV_MEDIA_TYPE)
    response.headers["Content-Disposition"] = attachment(f"{ward}-{fy}-{name}.csv")
    return licence_links(response)
