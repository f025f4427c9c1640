"""The matrix as files: CSV (the table) and an Excel workbook (the table and its links).

Downloads take the same parameters as the page. Each name is written in the
page's language and in the other one, side by side. Every text cell that a
spreadsheet would read as a formula is defused (`spreadsheet_text`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from minami_kg.publish.attribution import Attribution
from minami_kg.readmodels.matrix import Evidence, Matrix, Quote, pick, read_evidence, read_matrix
from minami_kg.readmodels.matrix_json import status_label
from minami_kg.readmodels.open_data import BODY_COLUMNS, local_bodies
from minami_kg.readmodels.spreadsheets import add_attribution_sheet, spreadsheet_text
from minami_kg.store import GraphStore

Cell = str | float | None

HEADER_ROWS = 4
"""Rows above the first section in `matrix_rows` (the frozen panes of the sheet)."""

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Download:
    """A file to hand over: its name, media type and bytes."""

    filename: str
    media_type: str
    data: bytes


def _both(lang: str, ja: str, en: str | None) -> list[str]:
    """A label in the page's language, then in the other one (empty when there is none)."""
    if lang == "ja":
        return [ja, en or ""]
    return [en or ja, ja]


def matrix_rows(table: Matrix) -> list[list[Cell]]:
    """The matrix as a grid of values: four header rows, one row per section, two total rows.

    Columns: the section's name in the page's language and in the other, one
    column per measure, then the accepted and candidate totals. The header
    rows hold the focus areas and the measures, each in both languages. An
    accepted link is "●", a candidate its score (a number).
    """
    lang, measures = table.lang, table.measures
    areas = [table.outline.area_of(m) for m in measures]
    area_names = [_both(lang, a.label_ja, a.label_en) for a in areas]
    measure_names = [_both(lang, m.label_ja, m.label_en) for m in measures]
    totals = [_both(lang, "採用", "Accepted"), _both(lang, "候補", "Candidates")]
    head: list[list[Cell]] = [
        [*_both(lang, "施策", "Focus area"), *(n[0] for n in area_names), "", ""],
        ["", "", *(n[1] for n in area_names), "", ""],
        [*_both(lang, "取組", "Measure"), *(n[0] for n in measure_names), *(n[0] for n in totals)],
        [*_both(lang, "課", "Section"), *(n[1] for n in measure_names), *(n[1] for n in totals)],
    ]
    body: list[list[Cell]] = []
    for s in table.sections:
        cells: list[Cell] = []
        for m in measures:
            link = table.cell(s, m)
            cells.append(None if link is None else "●" if link.accepted else link.score)
        row = table.row_totals[s.iri]
        body.append([*_both(lang, s.label_ja, s.label_en), *cells, row.accepted, row.candidates])
    columns = [table.column_totals[m.iri] for m in measures]
    foot: list[list[Cell]] = [
        [*_both(lang, "採用 計", "Accepted, total"), *(c.accepted for c in columns)],
        [*_both(lang, "候補 計", "Candidates, total"), *(c.candidates for c in columns)],
    ]
    foot[0] += [table.total.accepted, None]
    foot[1] += [None, table.total.candidates]
    return [*head, *body, *foot]


def link_rows(table: Matrix, evidence: dict[str, list[Evidence]]) -> list[list[Cell]]:
    """Every link the matrix shows, one row each, with its evidence quotes."""
    lang = table.lang
    rows: list[list[Cell]] = [
        [
            *_both(lang, "課", "Section"),
            pick(lang, "施策", "Focus area"),
            *_both(lang, "取組", "Measure"),
            pick(lang, "状態", "Status"),
            pick(lang, "スコア", "Score"),
            pick(lang, "方法", "Method"),
            pick(lang, "根拠", "Basis"),
            pick(lang, "課側の引用", "Section's words"),
            pick(lang, "取組側の引用", "Measure's words"),
        ]
    ]
    for s in table.sections:
        for m in table.measures:
            link = table.cell(s, m)
            if link is None:
                continue
            items = evidence.get(link.iri, [])
            area = table.outline.area_of(m)
            rows.append(
                [
                    *_both(lang, s.label_ja, s.label_en),
                    pick(lang, area.label_ja, area.label_en),
                    *_both(lang, m.label_ja, m.label_en),
                    status_label(link, lang),
                    link.score,
                    link.method,
                    "\n".join(b for e in items for b in e.basis),
                    "\n".join(_quoted(q) for e in items for q in e.section),
                    "\n".join(_quoted(q) for e in items for q in e.measure),
                ]
            )
    return rows


def _quoted(q: Quote) -> str:
    """The quote in its context, the quoted words in 【】, and its line: …前【語】後… (L12)."""
    words = f"…{q.prefix}【{q.text}】{q.suffix}…"
    return f"{words} (L{q.line})" if q.line else words


def csv_value(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return spreadsheet_text(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def filename(table: Matrix, ext: str) -> str:
    ward, fy = table.outline.plan.key.split("/")
    return f"{pick(table.lang, '課×取組', 'matrix')}-{ward}-{fy}.{ext}"


def matrix_csv(store: GraphStore, base: str, args: Mapping[str, str], lang: str) -> Download:
    """The matrix as CSV, UTF-8 with a BOM so that Excel on Japanese Windows reads it right."""
    table = read_matrix(store, base, args, lang)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([csv_value(v) for v in row] for row in _with_local_body(table, store, base))
    return Download(filename(table, "csv"), CSV, ("\ufeff" + out.getvalue()).encode("utf-8"))


def _with_local_body(table: Matrix, store: GraphStore, base: str) -> list[list[Cell]]:
    """The matrix's rows behind the local government's code and name, as the open-data
    CSVs start (自治体標準オープンデータセット): named in the first row, given on each
    section's row; the other header and total rows leave them empty."""
    body = local_bodies(store, base).get(table.outline.plan.ward)
    labels = BODY_COLUMNS[0] if table.lang == "ja" else BODY_COLUMNS[1]
    head, *rest = matrix_rows(table)
    sections = len(table.sections)
    header_rows, section_rows, total_rows = rest[:3], rest[3 : 3 + sections], rest[3 + sections :]
    given: list[Cell] = [body.code, body.name] if body else [None, None]
    return [
        [labels[0], labels[2], *head],
        *([None, None, *row] for row in header_rows),
        *([*given, *row] for row in section_rows),
        *([None, None, *row] for row in total_rows),
    ]


def matrix_xlsx(
    store: GraphStore, base: str, args: Mapping[str, str], lang: str, credit: Attribution
) -> Download:
    """The matrix and the list of its links (with their evidence) as an Excel workbook."""
    table = read_matrix(store, base, args, lang)
    out = io.BytesIO()
    workbook(table, read_evidence(store, table.outline.plan), credit).save(out)
    return Download(filename(table, "xlsx"), XLSX, out.getvalue())


_HEAD_FILL = PatternFill("solid", fgColor="E5E7EB")
_ACCEPTED_FILL = PatternFill("solid", fgColor="BFDBFE")


def workbook(table: Matrix, evidence: dict[str, list[Evidence]], credit: Attribution) -> Workbook:
    """Sheet 1 the matrix (panes frozen below the headers, beside the names); sheet 2 the links;
    sheet 3 the licence and sources (出典・利用条件)."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = pick(table.lang, "課×取組", "Matrix")
    _fill(sheet, matrix_rows(table))
    sheet.freeze_panes = sheet.cell(row=HEADER_ROWS + 1, column=3).coordinate
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 24
    for row in sheet.iter_rows(min_row=1, max_row=HEADER_ROWS):
        for c in row:
            c.font = Font(bold=True)
            c.fill = _HEAD_FILL
            c.alignment = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=HEADER_ROWS + 1, min_col=3):
        for c in row:
            if c.value == "●":
                c.fill = _ACCEPTED_FILL
            elif isinstance(c.value, float):
                c.number_format = "0.00"
    for index in range(3, len(table.measures) + 3):
        sheet.column_dimensions[get_column_letter(index)].width = 12
    links = book.create_sheet(pick(table.lang, "リンク一覧", "Links"))
    _fill(links, link_rows(table, evidence))
    links.freeze_panes = "A2"
    for c in links[1]:
        c.font = Font(bold=True)
        c.fill = _HEAD_FILL
    widths = (20, 24, 14, 36, 40, 8, 8, 14, 24, 60, 60)
    for letter, width in zip("ABCDEFGHIJK", widths, strict=True):
        links.column_dimensions[letter].width = width
    add_attribution_sheet(book, credit)
    return book


def _fill(sheet: Worksheet, rows: Iterable[list[Cell]]) -> None:
    for row in rows:
        sheet.append([spreadsheet_text(v) if isinstance(v, str) else v for v in row])
