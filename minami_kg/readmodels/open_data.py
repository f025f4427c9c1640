"""Tables as Japanese open-data portals expect them: the local government first, one header row.

The 自治体標準オープンデータセット (Digital Agency) lays every table out the same way:
UTF-8 (with a byte-order mark, so that Excel on Japanese Windows reads it), one
header row in Japanese, and as first columns the six-digit 全国地方公共団体コード,
an ID and the name of the local government, so that tables from many bodies can
be stacked and joined. Our plan tables (measures, sections, links) and the CSV of
every canned query follow it; `?header=en` gives an English header row instead.

Which local government a row belongs to: the plan's ward for the plan tables. For
a canned query's row, the ward of the first thing in the row under `{base}id/`
whose key starts with a ward's slug (`minami/section/somu`); else the ward the
query was asked about (its `ward` parameter); else, when the store holds one
ward only, that ward; else the code columns stay empty.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Variable

from minami_kg.rdf.namespaces import SPARQL_PREFIXES
from minami_kg.readmodels.plans import choose_plan, list_plans
from minami_kg.readmodels.refusals import Malformed, Unknown
from minami_kg.readmodels.spreadsheets import spreadsheet_text
from minami_kg.readmodels.urls import Urls
from minami_kg.store import GraphStore, Term, select

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
HEADERS = ("ja", "en")
BODY_COLUMNS = (("全国地方公共団体コード", "ID", "地方公共団体名"), ("code", "id", "name"))
"""The first three columns of every table (the standard's names; English with ?header=en)."""

Value = str | int | float | None


@dataclass(frozen=True)
class LocalBody:
    """A ward as open data names it: its six-digit code and its full name (横浜市南区)."""

    code: str
    name: str


@dataclass(frozen=True)
class OpenTable:
    """Rows with the local government first; the header in Japanese and in English."""

    name: str  # measures, sections, links, or a canned query's name
    columns_ja: tuple[str, ...]
    columns_en: tuple[str, ...]
    rows: list[list[Value]]

    def columns(self, header: str) -> tuple[str, ...]:
        return self.columns_en if header == "en" else self.columns_ja

    def csv(self, header: str = "ja") -> bytes:
        """UTF-8 with a BOM, CRLF, one header row; text a spreadsheet would run is defused."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(self.columns(header))
        writer.writerows([_cell(v) for v in row] for row in self.rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")

    def json(self) -> dict[str, object]:
        return {
            "table": self.name,
            "columns": list(self.columns_ja),
            "columnsEn": list(self.columns_en),
            "rows": self.rows,
        }


def _cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return spreadsheet_text(value)
    return str(value)  # as the JSON twin writes the number


def header_language(asked: str | None) -> str:
    """`?header=`: ja (the default) or en; anything else is refused."""
    if asked in (None, ""):
        return "ja"
    if asked not in HEADERS:
        raise Malformed(
            f"header={asked!r}: ja(既定)か en を指定してください", f"header={asked!r}: use ja or en"
        )
    return asked


# ---------------------------------------------------------------- which ward a row belongs to

_BODIES = (
    SPARQL_PREFIXES
    + """
SELECT ?ward ?code ?label ?city WHERE {
  ?ward a mkg:Ward ; dcterms:identifier ?code ; skos:prefLabel ?label .
  FILTER(LANG(?label) = "ja" && REGEX(STR(?code), "^[0-9]{6}$"))
  OPTIONAL { ?ward org:unitOf/skos:prefLabel ?city FILTER(LANG(?city) = "ja") }
} ORDER BY ?ward
"""
)


def local_bodies(store: GraphStore, base: str) -> dict[str, LocalBody]:
    """Every ward with a six-digit code, by its slug (the first step of its keys)."""
    urls = Urls(base)
    found: dict[str, LocalBody] = {}
    for row in select(store, _BODIES):
        slug = urls.key(row["ward"].value)
        if slug and slug not in found:
            city = row["city"].value if row["city"] is not None else ""
            found[slug] = LocalBody(row["code"].value, city + row["label"].value)
    return found


def body_of_row(
    row: Sequence[Term | None], bodies: dict[str, LocalBody], base: str, fallback: str | None
) -> LocalBody | None:
    """The ward a canned query's row is about (see the module docstring for the order)."""
    urls = Urls(base)
    for term in row:
        key = urls.key(term.value) if isinstance(term, NamedNode) else None
        if key and key.split("/")[0] in bodies:
            return bodies[key.split("/")[0]]
    if fallback in bodies:
        return bodies[fallback]
    return next(iter(bodies.values())) if len(bodies) == 1 else None


def with_bodies(
    name: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Term | None]],
    values: Sequence[Sequence[Value]],
    bodies: dict[str, LocalBody],
    base: str,
    ward: str | None,
) -> OpenTable:
    """A canned query's result with the code, ID (row number) and name columns first."""
    out: list[list[Value]] = []
    for number, (terms, cells) in enumerate(zip(rows, values, strict=True), start=1):
        body = body_of_row(terms, bodies, base, ward)
        out.append([body.code if body else None, number, body.name if body else None, *cells])
    return OpenTable(name, BODY_COLUMNS[0] + tuple(columns), BODY_COLUMNS[1] + tuple(columns), out)


# ---------------------------------------------------------------- one plan's tables

PLAN_TABLES = ("measures", "sections", "links")

_MEASURES = (
    SPARQL_PREFIXES
    + """
SELECT $plan ?m ?fy ?area ?order ?title ?titleEn ?section
WHERE {
  $plan mkg:fiscalYear ?fy .
  ?m a mkg:Measure ; mkg:inPlan $plan ; mkg:order ?order ; mkg:inFocusArea ?a ;
     skos:prefLabel ?title .
  FILTER(LANG(?title) = "ja")
  ?a mkg:order ?areaOrder ; skos:prefLabel ?area .
  FILTER(LANG(?area) = "ja")
  OPTIONAL { ?m skos:prefLabel ?titleEn FILTER(LANG(?titleEn) = "en") }
  OPTIONAL { ?s mkg:contributesTo ?m ; skos:prefLabel ?section FILTER(LANG(?section) = "ja") }
}
ORDER BY ?areaOrder ?order ?section
"""
)
"""A row per measure and section: the sections are joined here, in name order, because
GROUP_CONCAT's order is left open by SPARQL and Virtuoso 7 turns a non-ASCII separator
into "?"."""

_SECTIONS = (
    SPARQL_PREFIXES
    + """
SELECT $plan ?s ?fy ?name ?nameEn ?goal (COUNT(DISTINCT ?m) AS ?measures)
WHERE {
  $plan mkg:fiscalYear ?fy .
  ?g a mkg:SectionGoal ; mkg:inPlan $plan ; mkg:goalOf ?s ; mkg:order ?order .
  OPTIONAL { ?g mkg:goalStatement ?goal }
  ?s skos:prefLabel ?name .
  FILTER(LANG(?name) = "ja")
  OPTIONAL { ?s skos:prefLabel ?nameEn FILTER(LANG(?nameEn) = "en") }
  OPTIONAL { ?s mkg:contributesTo ?m . ?m mkg:inPlan $plan }
}
GROUP BY $plan ?s ?fy ?name ?nameEn ?goal ?order
ORDER BY ?order
"""
)

_LINKS = (
    SPARQL_PREFIXES
    + """
SELECT $plan ?c ?fy ?s ?section ?area ?m ?measure ?accepted ?score ?method
WHERE {
  $plan mkg:fiscalYear ?fy .
  ?c a mkg:Contribution ; mkg:section ?s ; mkg:measure ?m .
  ?m mkg:inPlan $plan ; skos:prefLabel ?measure ; mkg:order ?order ; mkg:inFocusArea ?a .
  FILTER(LANG(?measure) = "ja")
  ?a mkg:order ?areaOrder ; skos:prefLabel ?area .
  FILTER(LANG(?area) = "ja")
  ?s skos:prefLabel ?section .
  FILTER(LANG(?section) = "ja")
  OPTIONAL { ?c mkg:accepted ?accepted }
  OPTIONAL { ?c mkg:score ?score }
  OPTIONAL { ?c mkg:method ?method }
}
ORDER BY ?section ?areaOrder ?order ?c
"""
)

_TABLE_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "measures": (
        ("年度", "施策", "取組番号", "取組", "取組(英語)", "担う課", "URI"),
        ("fiscalYear", "focusArea", "number", "measure", "measureEn", "sections", "uri"),
    ),
    "sections": (
        ("年度", "課", "課(英語)", "取組目標", "担う取組の数", "URI"),
        ("fiscalYear", "section", "sectionEn", "goal", "measures", "uri"),
    ),
    "links": (
        ("年度", "課", "施策", "取組", "状態", "スコア", "判定方法", "課URI", "取組URI"),
        ("fiscalYear", "section", "focusArea", "measure", "status", "score", "method",
         "sectionUri", "measureUri"),
    ),
}  # fmt: skip


def _text(term: Term | None) -> str | None:
    return None if term is None else term.value


def _number(term: Term | None) -> int | float | None:
    if term is None:
        return None
    try:
        return int(term.value)
    except ValueError:
        return float(term.value)


def plan_table(store: GraphStore, base: str, ward: str, fy: str, name: str) -> OpenTable:
    """One of a plan's tables (`PLAN_TABLES`), its rows keyed by the plan's ward."""
    if name not in PLAN_TABLES:
        raise Unknown(f"{name}: 表がありません", f"{name}: no such table")
    plan_ref = choose_plan(list_plans(store, base), f"{ward}/{fy}")  # Malformed / Unknown
    plan = NamedNode(plan_ref.iri)
    body = local_bodies(store, base).get(ward)
    code, body_name = (body.code, body.name) if body else (None, None)
    urls = Urls(base)
    rows: list[list[Value]] = []
    query = {"measures": _MEASURES, "sections": _SECTIONS, "links": _LINKS}[name]
    measure_rows: dict[str, list[Value]] = {}
    for row in select(store, query, substitutions={Variable("plan"): plan}):
        if name == "measures":
            section = _text(row["section"])
            known = measure_rows.get(row["m"].value)
            if known is not None:  # one more section of the measure before
                known[-2] = f"{known[-2]}、{section}" if known[-2] else section
                continue
            key = urls.key(row["m"].value)
            cells: list[Value] = [
                _number(row["fy"]),
                _text(row["area"]),
                _number(row["order"]),
                _text(row["title"]),
                _text(row["titleEn"]),
                section or None,
                row["m"].value,
            ]
        elif name == "sections":
            key = urls.key(row["s"].value)
            cells = [
                _number(row["fy"]),
                _text(row["name"]),
                _text(row["nameEn"]),
                _text(row["goal"]),
                _number(row["measures"]),
                row["s"].value,
            ]
        else:
            key = urls.key(row["c"].value)
            accepted = isinstance(row["accepted"], Literal) and row["accepted"].value == "true"
            cells = [
                _number(row["fy"]),
                _text(row["section"]),
                _text(row["area"]),
                _text(row["measure"]),
                "採用" if accepted else "候補",
                _number(row["score"]),
                _text(row["method"]),
                row["s"].value,
                row["m"].value,
            ]
        rows.append([code, key, body_name, *cells])
        if name == "measures":
            measure_rows[row["m"].value] = rows[-1]
    ja, en = _TABLE_COLUMNS[name]
    return OpenTable(name, BODY_COLUMNS[0] + ja, BODY_COLUMNS[1] + en, rows)
