"""Canned queries as pages, and the files the SPARQL editor needs.

Like Datasette's canned queries: each `queries/*.rq` file gets a page,
`/queries/<name>`, with a form for its parameters and the result as a table,
and the same result as JSON (`/queries/<name>.json` or `?format=json`), CSV
and Excel. A view computes one `ResultTable` and only then picks the format.

Parameter values come from the query string (an empty value means "use the
default", or, for a parameter without one such as `ward` and `fy`, "every
ward / every year") and are bound as RDF terms by `CannedQuery.bound`, never pasted
into the text. A value that does not fit answers 400, an unknown name 404:
a page for a browser, `{"error": message}` for every other format.

The editor (YASGUI, from npm) is served from `web/node_modules` under
`/assets/yasgui/`, so the page loads nothing from outside at run time.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from pyoxigraph import BlankNode, Literal, NamedNode, QueryBoolean, QuerySolutions

from minami_kg.config import PROJECT_ROOT
from minami_kg.publish.attribution import Attribution
from minami_kg.queries import CannedQuery, QueryParameterError, canned_queries, find_query
from minami_kg.rdf.namespaces import SPARQL_PREFIXES, XSD, compact_iri
from minami_kg.readmodels.open_data import (
    CSV_MEDIA_TYPE,
    LocalBody,
    header_language,
    local_bodies,
    with_bodies,
)
from minami_kg.readmodels.spreadsheets import add_attribution_sheet, spreadsheet_text
from minami_kg.readmodels.urls import Urls
from minami_kg.server.credits import current_attribution, licence_links
from minami_kg.server.http import HttpError, attachment, page, wants_json
from minami_kg.server.state import get_settings, get_store
from minami_kg.store import Term, select

pages = Blueprint("pages", __name__)

YASGUI_BUILD = PROJECT_ROOT / "web" / "node_modules" / "@zazuko" / "yasgui" / "build"
"""The built YASGUI bundle that `npm ci` in `web/` installs (see web/package-lock.json)."""

_ASSET_SUFFIXES = (".js", ".css", ".map")
_FORMATS = ("html", "json", "csv", "xlsx", "rq")
_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_INTEGER_TYPES = {
    XSD[t].value
    for t in (
        "integer int long short byte nonNegativeInteger positiveInteger "
        "nonPositiveInteger negativeInteger unsignedLong unsignedInt unsignedShort unsignedByte"
    ).split()
}
_DECIMAL_TYPES = {XSD.decimal.value, XSD.double.value, XSD.float.value}


# --- the editor's assets ------------------------------------------------------------------


@pages.get("/assets/yasgui/<path:filename>")
def yasgui_asset(filename: str) -> ResponseReturnValue:
    """A file of the YASGUI build; `send_from_directory` refuses paths that leave it."""
    if not filename.endswith(_ASSET_SUFFIXES):
        abort(404)
    return send_from_directory(YASGUI_BUILD, filename, max_age=3600)


# --- results as plain data ----------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One value as the HTML table shows it: text, and a link for an IRI."""

    text: str
    href: str | None = None
    title: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class ResultTable:
    columns: list[str]
    rows: list[list[Term | None]]


def run_query(sparql: str) -> ResultTable:
    """Run SPARQL on the app's store; solutions, a boolean or triples become a table."""
    result = get_store().query(sparql)
    if isinstance(result, QuerySolutions):
        variables = list(result.variables)
        return ResultTable(
            [v.value for v in variables], [[row[v] for v in variables] for row in result]
        )
    if isinstance(result, QueryBoolean):
        return ResultTable(
            ["boolean"], [[Literal(str(bool(result)).lower(), datatype=XSD.boolean)]]
        )
    return ResultTable(
        ["subject", "predicate", "object"], [[t.subject, t.predicate, t.object] for t in result]
    )


def term_text(term: Term | None) -> str:
    """The term as a spreadsheet shows it: IRI, lexical form, `_:id`, or empty."""
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return term.value


def term_value(term: Term | None) -> str | int | float | bool | None:
    """The term as a JSON or Excel value: numbers and booleans typed, the rest text."""
    if not isinstance(term, Literal):
        return None if term is None else term_text(term)
    datatype = term.datatype.value
    try:
        if datatype in _INTEGER_TYPES:
            return int(term.value)
        if datatype in _DECIMAL_TYPES:
            return float(term.value)
    except ValueError:
        return term.value
    if datatype == XSD.boolean.value:
        return term.value in ("true", "1")
    return term.value


def display_cell(term: Term | None, base: str) -> Cell:
    if isinstance(term, NamedNode):
        iri = term.value
        linkable = iri.startswith(("http://", "https://"))
        return Cell(compact_iri(iri, base), href=iri if linkable else None, title=iri)
    if isinstance(term, Literal) and term.language:
        return Cell(term.value, lang=term.language)
    return Cell(term_text(term))


# --- the files ----------------------------------------------------------------------------


def table_csv(
    table: ResultTable,
    name: str,
    bodies: dict[str, LocalBody],
    base: str,
    ward: str | None,
    header: str = "ja",
) -> bytes:
    """As open-data portals expect a table (`models.open_data`): UTF-8 with a byte-order
    mark (Excel on Japanese Windows), the local government code, a row ID and the local
    government's name first, then the query's columns; numbers as the JSON twin has them."""
    values = [[_csv_value(t) for t in row] for row in table.rows]
    return with_bodies(name, table.columns, table.rows, values, bodies, base, ward).csv(header)


def table_xlsx(table: ResultTable, title: str, credit: Attribution) -> bytes:
    """One sheet named after the query, then the licence and sources (出典・利用条件);
    text that looks like a formula stays text."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = _UNSAFE_IN_FILENAME.sub("_", title).replace("[", "(").replace("]", ")")[:31]
    book.properties.title = title
    book.properties.creator = "minami-kg"
    sheet.append(table.columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_excel_safe(term_value(t), ILLEGAL_CHARACTERS_RE) for t in row])
    sheet.freeze_panes = "A2"
    for letter, width in _column_widths(table).items():
        sheet.column_dimensions[letter].width = width
    add_attribution_sheet(book, credit)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_value(term: Term | None) -> str | int | float | None:
    """Numbers as numbers, booleans as written (true), the rest as text (defused on writing)."""
    value = term_value(term)
    return term_text(term) if isinstance(value, bool) else value


def _excel_safe(value: object, illegal: re.Pattern[str]) -> object:
    """Text without the characters xlsx cannot hold, and never read as a formula."""
    return spreadsheet_text(illegal.sub("", value)) if isinstance(value, str) else value


def _column_widths(table: ResultTable) -> dict[str, float]:
    from openpyxl.utils import get_column_letter

    widths = {}
    for i, column in enumerate(table.columns):
        longest = max([len(column)] + [len(term_text(row[i])) for row in table.rows[:200]])
        widths[get_column_letter(i + 1)] = min(60, max(8, longest * 1.6))
    return widths


def download_name(name: str, title: str, suffix: str) -> str:
    """The query's title as the file's name, what a file system cannot hold as `_`."""
    return (_UNSAFE_IN_FILENAME.sub("_", title).strip() or name) + suffix


# --- the views ----------------------------------------------------------------------------


def _error(status: int, message: str, fmt: str, **form: object) -> ResponseReturnValue:
    """A browser gets the list (404) or the form (400) with the message; every other
    format the app's one error answer."""
    if fmt != "html":
        raise HttpError(status, message)
    if status == 404:
        queries = canned_queries(get_settings().queries)
        return render_template("queries.html", queries=queries, error=message), status
    return render_template("query.html", error=message, **form), status


def _describe(query: CannedQuery) -> dict[str, object]:
    return {
        "name": query.name,
        "title": query.title,
        "title_en": query.title_en,
        "description": query.description,
        "parameters": [
            {"name": p.name, "type": p.type, "default": p.default, "description": p.description}
            for p in query.parameters
        ],
        "url": url_for("pages.query_page", name=query.name, _external=True),
    }


@pages.get("/queries")
@pages.get("/queries.json", endpoint="query_list_json")
def query_list() -> ResponseReturnValue:
    """Every canned query; `/queries.json` (or `?format=json`) is the JSON twin."""
    queries = canned_queries(get_settings().queries)
    if wants_json():
        return jsonify(queries=[_describe(q) for q in queries])
    return page("queries.html", twin_href=url_for("pages.query_list_json"), queries=queries)


@pages.get("/queries/<name>")
def query_page(name: str) -> ResponseReturnValue:
    """One canned query: its form and result table, or the result as JSON, CSV or xlsx."""
    name, fmt = _name_and_format(name)
    if fmt not in _FORMATS:
        return _error(400, f"unknown format {fmt!r}; use one of {', '.join(_FORMATS)}", "json")
    query = find_query(get_settings().queries, name)
    if query is None:
        return _error(404, f"no canned query called {name!r}", fmt)

    base = get_settings().base
    given = {
        k: v
        for k, v in request.args.items()
        if k not in ("format", "lang", "header") and v.strip() != ""
    }
    form = {p.name: (p.default or "").replace("{base}", base) for p in query.parameters}
    form.update({k: v for k, v in given.items() if k in form})
    links = _format_links(name, given)
    form_page = {
        "query": query,
        "form": form,
        "links": links,
        "choices": _choices(query, base) if fmt == "html" else {},
    }
    try:
        sparql = query.bound(given, base)
    except QueryParameterError as err:
        return _error(400, str(err), fmt, **form_page)

    if fmt == "rq":
        return Response(sparql, mimetype="application/sparql-query")
    table = run_query(sparql)
    if fmt == "json":
        rows = [[term_value(t) for t in row] for row in table.rows]
        return jsonify(query=name, columns=table.columns, rows=rows)
    if fmt == "csv":
        header = header_language(request.args.get("header"))
        bodies = local_bodies(get_store(), base)
        response = Response(
            table_csv(table, name, bodies, base, given.get("ward"), header),
            content_type=CSV_MEDIA_TYPE,
        )
        licence_links(response)
        response.headers["Content-Disposition"] = attachment(
            download_name(name, query.title, ".csv"), name + ".csv"
        )
        return response
    if fmt == "xlsx":
        response = Response(
            table_xlsx(table, query.title, current_attribution()),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response.headers["Content-Disposition"] = attachment(
            download_name(name, query.title, ".xlsx"), name + ".xlsx"
        )
        return response

    cells = [[display_cell(t, base) for t in row] for row in table.rows]
    return page(
        "query.html", links["json"], columns=table.columns, rows=cells, sparql=sparql, **form_page
    )


_PLANS = (
    SPARQL_PREFIXES
    + """
SELECT DISTINCT ?ward ?fy ?label ?labelEn WHERE {
  ?plan a mkg:OperatingPolicy ; dcterms:publisher ?ward ; mkg:fiscalYear ?fy .
  OPTIONAL { ?ward skos:prefLabel ?label . FILTER(lang(?label) = "ja") }
  OPTIONAL { ?ward skos:prefLabel ?labelEn . FILTER(lang(?labelEn) = "en") }
}
"""
)


@dataclass(frozen=True)
class Choice:
    """One value the form offers for a `ward` or `year` parameter."""

    value: str
    label: str
    label_en: str


def _choices(query: CannedQuery, base: str) -> dict[str, list[Choice]]:
    """The wards and years of the plans in the store, for the parameters of those types."""
    kinds = {p.name: p.type for p in query.parameters if p.type in ("ward", "year")}
    if not kinds:
        return {}
    wards: dict[str, Choice] = {}
    years: set[str] = set()
    urls = Urls(base)
    for row in select(get_store(), _PLANS):
        years.add(row["fy"].value)
        slug = urls.key(row["ward"].value)
        if slug:
            label = row["label"].value if row["label"] else slug
            label_en = row["labelEn"].value if row["labelEn"] else label
            wards[slug] = Choice(slug, f"{label} ({slug})", f"{label_en} ({slug})")
    by_kind = {
        "ward": [wards[k] for k in sorted(wards)],
        "year": [Choice(y, y, y) for y in sorted(years, reverse=True)],
    }
    return {name: by_kind[kind] for name, kind in kinds.items()}


def _name_and_format(name: str) -> tuple[str, str]:
    """`measures-by-area.csv` → (`measures-by-area`, `csv`); else `?format=`, Accept, html."""
    stem, dot, suffix = name.partition(".")
    if dot:
        return stem, suffix
    fmt = request.args.get("format")
    if fmt:
        return name, fmt
    return name, "json" if wants_json() else "html"


def _format_links(name: str, given: dict[str, str]) -> dict[str, str]:
    """The same result in each other format, with the same parameter values."""
    args = f"?{urlencode(given)}" if given else ""
    return {
        fmt: url_for("pages.query_page", name=f"{name}.{fmt}") + args
        for fmt in ("json", "csv", "xlsx", "rq")
    }
