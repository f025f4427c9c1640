"""The one rule for text in CSV and xlsx cells: never a formula.

Both the matrix's files and a canned query's results are opened in Excel by
ward staff; a cell a spreadsheet would run is written as text.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Characters that make Excel (and LibreOffice) read a text cell as a formula."""


def spreadsheet_text(value: str) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ (or tab, CR) gets a `'` before it.

    A label such as "=HYPERLINK(…)" would otherwise run as a formula when the
    file is opened (CSV injection, https://owasp.org/www-community/attacks/CSV_Injection).
    """
    return "'" + value if value.startswith(FORMULA_START) else value
