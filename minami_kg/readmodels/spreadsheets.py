"""What every spreadsheet we hand out shares: text is never a formula, and the
licence and sources travel with the data.

Both the matrix's files and a canned query's results are opened in Excel by
ward staff; a cell a spreadsheet would run is written as text. Every xlsx
file carries a sheet 「出典・利用条件」 with the attribution lines
(`minami_kg.publish.attribution`), so a file passed on still says where its
content came from and under which terms.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from minami_kg.publish.attribution import SHEET_TITLE, Attribution

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Characters that make Excel (and LibreOffice) read a text cell as a formula."""


def spreadsheet_text(value: str) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ (or tab, CR) gets a `'` before it.

    A label such as "=HYPERLINK(…)" would otherwise run as a formula when the
    file is opened (CSV injection, https://owasp.org/www-community/attacks/CSV_Injection).
    """
    return "'" + value if value.startswith(FORMULA_START) else value


def add_attribution_sheet(book: Workbook, credit: Attribution) -> None:
    """A last sheet with the licence, the 出典 and 加工 lines and the disclaimer, in Japanese
    then English, one line a row (column A says what the line is)."""
    sheet = book.create_sheet(SHEET_TITLE)
    sheet.append(["項目 / Item", "内容 / Text"])
    for c in sheet[1]:
        c.font = Font(bold=True)
    for lang, names in (
        ("ja", ("ライセンス", "出典", "加工", "注記")),
        ("en", ("Licence", "Source", "Edited", "Note")),
    ):
        edited = credit.edited_line(lang)
        rows = [(names[0], credit.licence_line(lang))]
        rows += [(names[1], line) for line in credit.source_lines(lang)]
        rows += [(names[2], edited)] if edited else []
        rows += [(names[3], credit.disclaimer(lang))]
        for item, text in rows:
            sheet.append([item, spreadsheet_text(text)])
    sheet.append(["URL", credit.licence])
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 110
    for row in sheet.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
