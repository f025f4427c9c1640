"""A text PDF, as an office suite (Word, LibreOffice) exports a ward's plan.

The reader works from the characters and their positions (pdfplumber), never
from a flat text dump, which runs the columns of a table into each other:

- characters are grouped into visual lines by their height on the page; in a
  line, a gap of two character widths or more, or a vertical rule, separates
  cells, so a borderless 「● measure ▶ action」 line is a table row;
- a table drawn with rules (`find_tables`) gives one ROW block per table row,
  its cells taken from the cell boxes: text that wraps inside a cell stays
  one cell. A borderless table gives the same: a line with nothing in the
  first column (or, under a ● row, no marker there) carries on the cells of
  the row above, column by column;
- page numbers and a running header or footer (the same text at the same
  place on most pages) are dropped; the first block of a page has
  `page_break`, and a blank gap, a rule or a table row sets `blank_before`.

Every other line is a block of its own (a paragraph, or an item when it starts
with a marker), as in a text file; `lines.join_wrapped` joins the sentences
wrapped over lines and pages afterwards.
"""

from __future__ import annotations

import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from ..blocks import Block, Document, Origin
from ..errors import PlanError
from ..lines import is_structural, line_kind
from ..normalize import fold_width, is_page_marker, normalize_text, smart_join, strip_page_marker

__all__ = ["MEDIA_TYPE", "read_pdf"]

MEDIA_TYPE = "application/pdf"

_CELL_GAP = 2.0  # a gap this many character widths (font sizes) wide separates cells
_SPACE_GAP = 0.2  # a gap this wide, in font sizes, is a space between words
_CUT_GAP = 0.5  # at a column of the table above, a gap this wide separates cells
_SAME_LINE = 0.4  # characters whose middles are this close, in font sizes, share a line
_BLANK = 1.2  # a line further below the one before than this many line pitches: a blank
_EDGE = 0.12  # page numbers stand in the top or bottom 12% of the page
_BAND = 0.15  # running headers and footers in the top or bottom 15%
_SAME_PLACE = 4.0  # points: a running header stands at the same height on every page
_COLUMN_SLACK = 3.0  # points: how far text may start left of a known column

_PAGE_NUMBER = re.compile(r"^(?:[-–—―ー]?\s*[Pp]?\.?\s*\d{1,4}\s*[-–—―ー]?|[Pp]\s*\.?\s*\d{1,4})$")


@dataclass
class _Line:
    """One visual line (or one row of a ruled table) of a page."""

    page: int
    top: float
    bottom: float
    size: float
    cells: list[str]  # the text of each cell, "" for an empty cell of a ruled table
    x0s: list[float]  # where each cell starts
    x1s: list[float]  # where each cell ends
    ruled: bool = False  # a row of a table drawn with rules
    rule_before: bool = False  # a horizontal rule between this line and the one above
    furniture: bool = False
    chars: list[dict] = field(default_factory=list, repr=False)  # of a text line, left to right
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return normalize_text(" ".join(c for c in self.cells if c))


# ---------------------------------------------------------------- characters to lines


def _mid(char: dict) -> float:
    return (char["top"] + char["bottom"]) / 2


def _group_lines(chars: list[dict]) -> list[list[dict]]:
    """Characters grouped into visual lines, top to bottom, each line left to right."""
    lines: list[list[dict]] = []
    ref = 0.0
    for char in sorted(chars, key=lambda c: (_mid(c), c["x0"])):
        mid = _mid(char)
        if lines and mid - ref <= _SAME_LINE * max(char["size"], lines[-1][0]["size"], 1.0):
            lines[-1].append(char)
        else:
            lines.append([char])
            ref = mid
    for line in lines:
        line.sort(key=lambda c: c["x0"])
    return lines


def _segments(
    line: list[dict],
    rules: list[tuple[float, float, float]] | None = None,
    cuts: list[float] | None = None,
) -> list[tuple[str, float, float]]:
    """The cells of a visual line: (text, x0, x1), split at wide gaps and vertical rules.

    Space characters only say where a word ends; a space between two Japanese
    characters (which PDF extraction puts there) never splits a cell. `cuts`
    are where the columns of the table above start: a narrower gap there
    (half a character) splits too.
    """
    segments: list[tuple[str, float, float]] = []
    text: list[str] = []
    x0 = x1 = 0.0
    space = False
    prev: dict | None = None
    for char in line:
        if char["text"].isspace():
            space = True
            continue
        if prev is not None:
            gap = char["x0"] - prev["x1"]
            em = max(char["size"], prev["size"], 1.0)
            mid = _mid(char)
            ruled = gap > 1 and any(
                prev["x1"] - 1 <= x <= char["x0"] + 1 and top <= mid <= bottom
                for x, top, bottom in rules or ()
            )
            cut = gap >= _CUT_GAP * em and any(
                prev["x1"] <= x + 1 and char["x0"] >= x - _COLUMN_SLACK for x in cuts or ()
            )
            if gap >= _CELL_GAP * em or ruled or cut:
                segments.append(("".join(text).strip(), x0, x1))
                text, x0 = [], char["x0"]
            elif space or gap > _SPACE_GAP * em:
                text.append(" ")
        else:
            x0 = char["x0"]
        text.append(char["text"])
        x1 = char["x1"]
        prev, space = char, False
    if text:
        segments.append(("".join(text).strip(), x0, x1))
    return [s for s in segments if s[0]]


def _join_cell(left: str, right: str) -> str:
    """A cell's text and its next visual line: a new ▶ action keeps a space before it."""
    left, right = left.strip(), right.strip()
    if left and right and is_structural(fold_width(right)):
        return f"{left} {right}"
    return smart_join(left, right)


def _line_of(page: int, glyphs: list[dict], cells: list[str], x0s, x1s, **kw) -> _Line:
    sizes = Counter(round(c["size"], 1) for c in glyphs if not c["text"].isspace())
    return _Line(
        page=page,
        top=min(c["top"] for c in glyphs),
        bottom=max(c["bottom"] for c in glyphs),
        size=sizes.most_common(1)[0][0] if sizes else 10.0,
        cells=cells,
        x0s=list(x0s),
        x1s=list(x1s),
        **kw,
    )


def _inside(char: dict, box: tuple[float, float, float, float]) -> bool:
    x = (char["x0"] + char["x1"]) / 2
    y = _mid(char)
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _table_rows(page_no: int, table, chars: list[dict], taken: set[int]) -> list[_Line]:
    """One line per row of a ruled table; each cell's wrapped lines joined into one cell."""
    out: list[_Line] = []
    for row in table.rows:
        texts: list[str] = []
        x0s: list[float] = []
        x1s: list[float] = []
        used: list[dict] = []
        for box in row.cells:
            if box is None:  # covered by a merged cell
                continue
            inside = [c for c in chars if id(c) not in taken and _inside(c, box)]
            taken.update(id(c) for c in inside)
            used.extend(inside)
            text = ""
            for visual in _group_lines(inside):
                for segment, _, _ in _segments(visual):
                    text = _join_cell(text, segment)
            texts.append(text)
            x0s.append(box[0])
            x1s.append(box[2])
        if any(texts) and used:
            out.append(_line_of(page_no, used, texts, x0s, x1s, ruled=True, rule_before=True))
    return out


def _page_lines(page, page_no: int) -> list[_Line]:
    """The lines of one page, top to bottom: text lines and rows of ruled tables."""
    page = page.dedupe_chars()
    chars = [c for c in page.chars if not c["text"].startswith("(cid:")]
    if not any(not c["text"].isspace() for c in chars):
        return []
    taken: set[int] = set()
    lines: list[_Line] = []
    for table in page.find_tables():
        if max((len(r.cells) for r in table.rows), default=0) >= 2:
            lines.extend(_table_rows(page_no, table, chars, taken))
    edges = page.edges
    rules = [(e["x0"], e["top"], e["bottom"]) for e in edges if e["orientation"] == "v"]
    free = [c for c in chars if id(c) not in taken]
    for visual in _group_lines(free):
        segments = _segments(visual, rules)
        if segments:
            texts, x0s, x1s = zip(*segments, strict=True)
            lines.append(_line_of(page_no, visual, list(texts), x0s, x1s, chars=visual))
    lines.sort(key=lambda ln: ln.top)
    horizontal = [
        (e["top"], e["x0"], e["x1"])
        for e in edges
        if e["orientation"] == "h" and e["x1"] - e["x0"] > 20
    ]
    for above, line in itertools.pairwise(lines):
        if not line.rule_before:
            line.rule_before = any(
                above.bottom <= y <= line.top and x0 < max(line.x1s) and x1 > min(line.x0s)
                for y, x0, x1 in horizontal
            )
    return lines


# ---------------------------------------------------------------- page furniture


def _drop_furniture(pages: list[list[_Line]], heights: list[float]) -> None:
    """Mark page numbers and running headers and footers as furniture.

    A running header is the same text (digits aside) at about the same height
    in the top or bottom band of more than half of the pages, two at least. A
    heading continued over pages (「各課の取組目標（1/2）」) is not one.
    When the text of a running header appears nowhere else in the document
    (a plan titled only in its header), its occurrence on page 1 stays.
    """
    _drop_page_numbers(pages, heights)
    places: dict[str, list[_Line]] = {}
    for lines, height in zip(pages, heights, strict=True):
        content = [ln for ln in lines if not ln.furniture]
        ends = {id(ln) for ln in content[:2] + content[-2:]}
        for line in content:
            band = line.top < _BAND * height or line.bottom > (1 - _BAND) * height
            text = line.text.replace(" ", "")
            if band and id(line) in ends and strip_page_marker(text) == text:
                key = re.sub(r"\d+", "", text)
                if key:
                    places.setdefault(key, []).append(line)
    need = max(2, len(pages) // 2 + 1)
    for key, lines in places.items():
        for group in _same_place(lines):
            if len({ln.page for ln in group}) < need:
                continue
            for line in group:
                line.furniture = True
            first = min(group, key=lambda ln: (ln.page, ln.top))
            header = first.page == 1 and first.top < _BAND * heights[0]
            if header and not _found_elsewhere(key, pages):
                first.furniture = False


def _drop_page_numbers(pages: list[list[_Line]], heights: list[float]) -> None:
    """Mark the lines near the top or bottom edge that only give the page's number.

    A bare number (「3」) counts only when its difference from the page's
    place in the file is the one most page numbers of the file show, so that
    a lone heading number near the top of a page is kept.
    """
    found: list[tuple[_Line, int | None, bool]] = []
    for lines, height in zip(pages, heights, strict=True):
        for line in lines:
            edge = line.top < _EDGE * height or line.bottom > (1 - _EDGE) * height
            text = line.text
            if edge and (is_page_marker(text) or _PAGE_NUMBER.match(text)):
                digits = re.search(r"\d+", text)
                offset = None if digits is None else int(digits.group()) - line.page
                found.append((line, offset, text.isdigit()))
    offsets = Counter(offset for _, offset, _ in found if offset is not None)
    usual = offsets.most_common(1)[0][0] if offsets else None
    for line, offset, bare in found:
        if not bare or offset == usual:
            line.furniture = True


def _same_place(lines: list[_Line]) -> list[list[_Line]]:
    groups: list[list[_Line]] = []
    for line in sorted(lines, key=lambda ln: ln.top):
        if groups and line.top - groups[-1][0].top <= _SAME_PLACE:
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def _found_elsewhere(key: str, pages: list[list[_Line]]) -> bool:
    return any(
        not ln.furniture and key in re.sub(r"\d+", "", ln.text.replace(" ", ""))
        for lines in pages
        for ln in lines
    )


# ---------------------------------------------------------------- lines to blocks


def _pitch_ratio(pages: list[list[_Line]]) -> float:
    """The usual distance from one line to the next, in font sizes."""
    ratios: Counter[float] = Counter()
    for lines in pages:
        body = [ln for ln in lines if not ln.furniture and not ln.ruled]
        for above, line in itertools.pairwise(body):
            if abs(above.size - line.size) < 0.5 and line.top > above.top:
                ratios[round((line.top - above.top) / max(line.size, 1.0), 1)] += 1
    return ratios.most_common(1)[0][0] if ratios else 1.5


def _column(x0s: list[float], x1s: list[float], start: float, end: float) -> int | None:
    """The column of the row above that a piece of text from start to end fits in."""
    index = None
    for i, x in enumerate(x0s):
        if start >= x - _COLUMN_SLACK:
            index = i
    if index is None:
        return None
    limit = x0s[index + 1] if index + 1 < len(x0s) else max(x1s[-1], end)
    return index if end <= limit + _COLUMN_SLACK else None


def _has_mark(text: str) -> bool:
    return bool(text) and is_structural(fold_width(text))


def _continues(row: _Line, line: _Line) -> list[int] | None:
    """The columns of `row` that a borderless line carries on, or None for a new line.

    A line continues the row above when each of its pieces lies in one column
    of that row, and it has nothing in the first column, or the first column
    of the row starts with a marker (●) and this piece does not.
    """
    if line.ruled or row.ruled or len(row.cells) < 2:
        return None
    columns: list[int] = []
    for start, end in zip(line.x0s, line.x1s, strict=True):
        col = _column(row.x0s, row.x1s, start, end)
        if col is None or col in columns:
            return None
        columns.append(col)
    if 0 in columns:
        first = line.cells[columns.index(0)]
        if not _has_mark(row.cells[0]) or _has_mark(first):
            return None
    return columns


def _recut(line: _Line, row: _Line) -> _Line | None:
    """The line split at the columns of the row above, when that gives it more cells."""
    if not line.chars:
        return None
    segments = _segments(line.chars, cuts=row.x0s[1:])
    if len(segments) <= len(line.cells):
        return None
    texts, x0s, x1s = zip(*segments, strict=True)
    return _line_of(line.page, line.chars, list(texts), x0s, x1s, chars=line.chars)


def _against_row(row: _Line, line: _Line, blank: bool) -> tuple[_Line, list[int] | None]:
    """The line read against the borderless table row above it.

    Returns the line (split at the row's columns where it ran two cells
    together across a narrow gap) and the columns of the row it carries on,
    or None when it is a line of its own.
    """
    if line.ruled or row.ruled or len(row.cells) < 2:
        return line, None
    cut = _recut(line, row)
    for option in (line, cut):
        if option is not None and not blank and (columns := _continues(row, option)):
            return option, columns
    if (
        cut is not None
        and _has_mark(row.cells[0])
        and _has_mark(cut.cells[0])
        and _column(row.x0s, row.x1s, cut.x0s[0], cut.x1s[0]) == 0
    ):
        return cut, None  # the next ● row, its first cell wrapped close to the second
    return line, None


def _carries_row(row: _Line, line: _Line, header: list[str] | None) -> bool:
    """A ruled row at the top of a page that carries on the last row of the page before."""
    if not (row.ruled and line.ruled) or len(row.cells) != len(line.cells):
        return False
    if any(abs(a - b) > _COLUMN_SLACK for a, b in zip(row.x0s, line.x0s, strict=True)):
        return False
    if header is not None and line.cells == header:
        return False  # the header row, repeated on the new page
    first = line.cells[0]
    return not first or (_has_mark(row.cells[0]) and not _has_mark(first))


def _merge(row: _Line, cells: list[str], columns: list[int]) -> None:
    for text, col in zip(cells, columns, strict=True):
        if text:
            row.cells[col] = _join_cell(row.cells[col], text)


def _logical_lines(pages: list[list[_Line]]) -> list[_Line]:
    """The lines of the document, wrapped table cells folded into their rows."""
    ratio = _pitch_ratio(pages)
    out: list[_Line] = []
    header: list[str] | None = None
    for lines in pages:
        new_page = True
        above: _Line | None = None
        for line in lines:
            if line.furniture:
                continue
            blank = line.rule_before
            if above is not None:
                expected = ratio * max(above.size, line.size)
                blank = blank or line.top - above.top > _BLANK * expected
            prev = out[-1] if out else None
            if prev is not None and new_page and _carries_row(prev, line, header):
                _merge(prev, line.cells, list(range(len(line.cells))))
                new_page, above = False, line
                continue
            columns = None
            if prev is not None and not new_page:
                line, columns = _against_row(prev, line, blank)
            if prev is not None and columns is not None:
                _merge(prev, line.cells, columns)
                prev.x1s = _spread(prev, line, columns)
                above = line
                continue
            if (
                line.ruled
                and not any(_has_mark(c) for c in line.cells)
                and (prev is None or not prev.ruled)
            ):
                header = list(line.cells)  # the first row of a table, without markers
            line.extra["blank"] = blank or (new_page and bool(out))
            line.extra["page_break"] = new_page and bool(out)
            out.append(line)
            new_page, above = False, line
    return out


def _spread(row: _Line, line: _Line, columns: list[int]) -> list[float]:
    ends = list(row.x1s)
    for end, col in zip(line.x1s, columns, strict=True):
        ends[col] = max(ends[col], end)
    return ends


def _block(line: _Line, number: int, raw: str) -> Block:
    cells = [fold_width(c).strip() for c in line.cells]
    cells = [c for c in cells if c] or [""]
    return Block(
        line_kind(cells),
        cells,
        [number],
        [raw],
        blank_before=bool(line.extra.get("blank")),
        page_break=bool(line.extra.get("page_break")),
    )


# ---------------------------------------------------------------- the file


def _open(data: bytes, filename: str):
    if not data:
        raise PlanError("empty file", filename=filename)
    if b"%PDF-" not in data[:1024]:
        raise PlanError("not a PDF file", filename=filename)
    try:
        return pdfplumber.open(io.BytesIO(data))
    except PdfminerException as err:
        cause = err.args[0] if err.args else err
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise PlanError(
                "the PDF is encrypted (it asks for a password); "
                "give an unprotected copy or the text",
                filename=filename,
            ) from None
        raise PlanError(f"not a readable PDF ({cause})", filename=filename) from None
    except Exception as err:  # pdfminer's own errors on a broken file
        raise PlanError(f"not a readable PDF ({type(err).__name__})", filename=filename) from None


def read_pdf(data: bytes, filename: str) -> Document:
    """Read a text PDF into a Document: one block per visual line or table row."""
    pdf = _open(data, filename)
    pages: list[list[_Line]] = []
    heights: list[float] = []
    undecoded = 0
    try:
        with pdf:
            for number, page in enumerate(pdf.pages, start=1):
                undecoded += sum(1 for c in page.chars if c["text"].startswith("(cid:"))
                pages.append(_page_lines(page, number))
                heights.append(float(page.height))
                page.close()  # let go of the page's parsed objects
    except Exception as err:  # a page pdfminer cannot interpret
        raise PlanError(
            f"cannot read the PDF's pages ({type(err).__name__})", filename=filename
        ) from None
    if not any(pages):
        if undecoded:
            raise PlanError(
                "the PDF's fonts do not map their characters to text; give the text instead",
                filename=filename,
            )
        raise PlanError("no text layer (a scanned PDF?); give the text instead", filename=filename)
    _drop_furniture(pages, heights)
    lines: list[str] = []
    origins: list[Origin] = []
    blocks: list[Block] = []
    carried = {"blank": False, "page_break": False}  # from a line with no text left
    for line in _logical_lines(pages):
        for flag in carried:
            line.extra[flag] = bool(line.extra.get(flag)) or carried[flag]
        raw = "\t".join(c.strip() for c in line.cells if c.strip())
        block = _block(line, len(lines) + 1, raw)
        if not block.text:
            carried = {flag: bool(line.extra.get(flag)) for flag in carried}
            continue
        carried = dict.fromkeys(carried, False)
        lines.append(raw)
        origins.append(Origin(filename, page=line.page, top=round(line.top, 1)))
        blocks.append(block)
    return Document(
        lines=lines,
        origins=origins,
        blocks=blocks,
        files=(filename,),
        media_types=(MEDIA_TYPE,),
    )
