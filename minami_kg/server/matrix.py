"""The section × measure matrix: `/matrix`, one cell's evidence, the table as CSV and xlsx.

Each view is one call to a read model (`models.matrix*`) and a choice of template,
JSON or file; the models' errors answer 400 and 404, as does an unknown `?format=`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from minami_kg.readmodels.matrix import Matrix, read_matrix
from minami_kg.readmodels.matrix_files import Download, matrix_csv, matrix_xlsx
from minami_kg.readmodels.matrix_json import cell_href, matrix_json, read_cell
from minami_kg.readmodels.urls import page_url
from minami_kg.server.credits import current_attribution, licence_links
from minami_kg.server.http import HttpError, attachment, page, twin, wants_json
from minami_kg.server.i18n import current_language
from minami_kg.server.state import get_settings, get_store
from minami_kg.store import GraphStore

matrix = Blueprint("matrix", __name__)

FORMATS = ("", "html", "json")

T = TypeVar("T")


def _read(model: Callable[[GraphStore, str, dict[str, str], str], T]) -> T:
    """What `model` reads for this request's parameters and language (its refusals are
    answered by the app's one error handler)."""
    return model(get_store(), get_settings().base, request.args.to_dict(), current_language())


def _check_format() -> None:
    asked = request.args.get("format", "").strip()
    if asked not in FORMATS:
        message = f"format={asked!r}: expected html or json (or /matrix.csv, /matrix.xlsx)"
        raise HttpError(400, message)


def _url(endpoint: str, table: Matrix, **extra: str) -> str:
    params = {"plan": table.outline.plan.key, **table.view.params(), **extra}
    return f"{endpoint}?{urlencode(params)}"


@matrix.get("/matrix", endpoint="page")
def table_page() -> ResponseReturnValue:
    """The matrix, or its JSON twin (`?format=json`, Accept: application/json)."""
    _check_format()
    table = _read(read_matrix)
    if wants_json():
        return jsonify(matrix_json(table))
    twin_href = _url("/matrix", table, format="json")
    return page(
        "matrix.html",
        twin_href=twin_href,
        m=table,
        cell_href=cell_href,
        page_url=page_url,
        downloads={
            "csv": _url("/matrix.csv", table),
            "xlsx": _url("/matrix.xlsx", table),
            "json": twin_href,
        },
    )


@matrix.get("/matrix/cell")
def cell() -> ResponseReturnValue:
    """The evidence behind one cell: each contribution with its quotes and source lines."""
    _check_format()
    body = _read(read_cell)
    return twin(body, "matrix_cell.html", cell=body, back=f"/matrix?plan={body['plan']['key']}")


def _download(file: Download) -> Response:
    response = Response(file.data, content_type=file.media_type)
    response.headers["Content-Disposition"] = attachment(file.filename)
    return response


@matrix.get("/matrix.csv")
def download_csv() -> ResponseReturnValue:
    """The matrix as CSV (UTF-8 with a BOM); the licence and sources are linked from it."""
    return licence_links(_download(_read(matrix_csv)))


@matrix.get("/matrix.xlsx")
def download_xlsx() -> ResponseReturnValue:
    """The matrix, the list of its links and the licence and sources as an Excel workbook."""
    args, lang = request.args.to_dict(), current_language()
    credit = current_attribution()
    return _download(matrix_xlsx(get_store(), get_settings().base, args, lang, credit))
