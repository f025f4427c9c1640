"""A page of a city's web CMS (Yokohama's www.city.yokohama.lg.jp and the like).

Wards publish their 区運営方針 as an ordinary page of the city's CMS: the plan
sits in the page's main content between a site header, a global menu,
breadcrumbs, a side menu, the CMS's own contact box (このページへのお問合せ),
a notice about Adobe Reader and a footer. This reader finds the main content
(`<main>`, `#tmp_contents` …) and drops that furniture (both in `cms`), then
gives one block per element:

- `h1`–`h6`: a heading (h5 and h6 count as level 4); a `<br>` in it is a space;
- `p`, `dt`, `dd` and text standing directly in a `div`: paragraph lines, one
  per `<br>`-separated line (only the first of an element has `blank_before`,
  so the common pass `lines.join_wrapped` can join a sentence broken by `<br>`);
- `li`: a list item whose text starts with its marker: its own (●, ▶ …) when
  it has one, otherwise 「・」 in a `ul` (「▷」 in a `ul` nested in another: a
  measure's actions) and 「N.」 in an `ol`; its `level` is how deep it is
  nested; nested lists follow in document order;
- `tr`: a table row, one cell per `td`/`th`;
- `img`: its `alt` text, where it stands (a slogan set as a picture).

The Document's lines are the blocks' texts (cells joined by TAB); each line's
origin is the line of the HTML file where the block's text starts.
"""

from __future__ import annotations

import codecs
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import lxml.html
from lxml import etree

from ..blocks import Block, BlockKind, Document, Origin
from ..decode import decode
from ..errors import PlanError
from ..lines import marker
from ..normalize import ends_sentence, fold_width, is_japanese, normalize_text
from .cms import (
    HEADINGS,
    JUNK,
    drop_furniture,
    drop_junk,
    element_tag,
    is_boilerplate,
    main_candidates,
)

__all__ = ["MEDIA_TYPE", "html_document", "read_html"]

MEDIA_TYPE = "text/html"

_NO_TEXT = "no text in the page's main content"

# ---------------------------------------------------------------- decoding

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_XML_ENCODING = re.compile(rb"^\s*<\?xml\b[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)", re.I)
_PRESCAN = 16384  # bytes searched for a declared charset
# Labels as pages write them → what Python should decode with. Shift_JIS pages
# are written by Windows tools and hold its extensions (①, ～), so cp932; a
# page that says UTF-16 in a <meta> is read as UTF-8, as browsers do.
_ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "windows-31j": "cp932",
    "ms932": "cp932",
    "x-euc-jp": "euc_jp",
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
}


def _declared_charset(data: bytes) -> str | None:
    """The charset a `<meta>` (or an XML declaration) of the page names."""
    head = data[:_PRESCAN]
    m = _META_CHARSET.search(head) or _XML_ENCODING.match(head)
    if m is None:
        return None
    label = m.group(1).decode("ascii").lower()
    return _ALIASES.get(label, label)


def _decode_page(data: bytes, filename: str, encoding: str | None) -> str:
    """Text of the page: `encoding`, else its declared charset, else UTF-8, else cp932."""
    if encoding:
        return decode(data, encoding=encoding, filename=filename)
    declared = None if data.startswith(_BOMS) else _declared_charset(data)
    if declared is not None:
        try:
            return decode(data, encoding=declared, filename=filename)
        except PlanError:
            pass  # an unknown label or a wrong one: guess as for any file
    return decode(data, filename=filename)


# ---------------------------------------------------------------- parsing

_LOOKS_HTML = re.compile(
    r"<\s*(?:!doctype\s+html|html|head|body|meta|title|main|article|section|div|p|"
    r"h[1-6]|ul|ol|dl|table|br)[\s/>]",
    re.I,
)


def _parse(text: str, filename: str) -> etree._Element:
    if not _LOOKS_HTML.search(text):
        raise PlanError(f"not an HTML page: {_NO_TEXT}", filename=filename)
    # bytes with a fixed encoding, so that an XML declaration or a <meta>
    # naming another charset does not make lxml decode the text again
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        raise PlanError(f"not an HTML page: {_NO_TEXT}", filename=filename) from None


# ---------------------------------------------------------------- source lines

_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_LINE_CAP = 65535  # libxml2 reports every line past this one as 65535


def _known(line: int | None) -> Callable[[], int | None]:
    """An `at` (see `_Walker.add`) for a text whose line is already known."""
    return lambda: line


def _start(el: etree._Element) -> int | None:
    """The line of the HTML file where the element starts (None when unknown)."""
    node: etree._Element | None = el
    while node is not None and node.sourceline is None:
        node = node.getparent()
    line = None if node is None else node.sourceline
    return None if line is None or line >= _LINE_CAP else line


def _after(el: etree._Element) -> int | None:
    """The line where the element's tail starts (exact for <br>, close otherwise)."""
    start = _start(el)
    if start is None or element_tag(el) in _VOID:
        return start
    return start + "".join(el.itertext()).count("\n")


# ---------------------------------------------------------------- text of elements

_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_OWN_NUMBER = re.compile(r"^(?:\d{1,3}\s*[.．、)）]|[(（]\s*\d{1,3}\s*[)）]|[①-⑳])")


def _collapse(text: str) -> str:
    """HTML white space to one space; a source line break between Japanese characters to none."""

    def space(m: re.Match[str]) -> str:
        start, end = m.start(), m.end()
        if (
            "\n" in m.group()
            and start > 0
            and end < len(text)
            and is_japanese(text[start - 1])
            and is_japanese(text[end])
        ):
            return ""
        return " "

    return _HTML_SPACE.sub(space, text)


def _cell(parts: list[str]) -> str:
    """The text of a cell, a line or a heading: folded as the text reader folds it."""
    return fold_width(_collapse("".join(parts))).strip()


_BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center details dd dialog dir div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li "
    "main menu nav ol p pre section summary table tbody td tfoot th thead tr ul".split()
)


def _flat(el: etree._Element) -> tuple[list[str], int | None]:
    """The lines of a table cell (split at `<br>` and inner blocks), and the line it starts on."""
    pieces: list[list[str]] = [[]]
    line: int | None = None

    def add(text: str | None, at: Callable[[], int | None]) -> None:
        nonlocal line
        if not text:
            return
        if line is None and text.strip(" \t\n\r\f"):
            start = at()
            lead = text[: len(text) - len(text.lstrip(" \t\n\r\f"))]
            line = None if start is None else start + lead.count("\n")
        pieces[-1].append(text)

    def visit(node: etree._Element) -> None:
        tag = element_tag(node)
        if tag is not None:
            add(node.text, lambda: _start(node))
            for child in node:
                if element_tag(child) == "br" or element_tag(child) in _BLOCK_TAGS:
                    pieces.append([])
                visit(child)
                if element_tag(child) in _BLOCK_TAGS:
                    pieces.append([])
                add(child.tail, functools.partial(_after, child))

    visit(el)
    return [text for text in (_cell(p) for p in pieces) if text], line


def _list_cell(lines: list[str]) -> str:
    """A cell of several lines, as a list: each line after its marker (・ where it has none).

    In a measure table each line of an action cell is one action (「訓練の支援<br>
    備蓄の点検」); the marker keeps them apart once the cell is one line of text.
    Lines that are all sentences are a paragraph (a section's goal), kept as they are.
    """
    if len(lines) < 2 or all(ends_sentence(line) for line in lines):
        return " ".join(lines)  # one line, or sentences of a paragraph
    return " ".join(line if marker(normalize_text(line)) else f"・{line}" for line in lines)


# ---------------------------------------------------------------- the walk


@dataclass
class _Line:
    kind: BlockKind
    cells: list[str]
    line: int | None
    level: int
    blank_before: bool


@dataclass
class _Context:
    """The element whose lines are being read."""

    kind: BlockKind
    line: int | None
    level: int = 0
    prefix: str | None = None  # a list item's marker, until its first line is out
    boundary: bool = True  # the next line starts after an element boundary
    leaf: bool = False  # a heading or a list item: block children only break lines
    pre: bool = False


@dataclass
class _List:
    ordered: bool
    next: int  # the number of its next item


class _Walker:
    """Reads the main content in document order into lines of blocks."""

    def __init__(self, root: etree._Element):
        self.out: list[_Line] = []
        self.parts: list[str] = []
        self.line: int | None = None
        self.ctx = _Context(BlockKind.PARAGRAPH, _start(root))
        self.lists: list[_List] = []  # the lists we are in, innermost last
        self.spans: dict[int, tuple[str, int]] = {}  # column: (text, rows left) of a rowspan cell
        self.root = root

    def run(self) -> list[_Line]:
        self.add(self.root.text, lambda: _start(self.root))
        for child in self.root:
            self.node(child)
        self.end_line()
        return self.out

    # text

    def add(self, text: str | None, at: Callable[[], int | None]) -> None:
        if not text:
            return
        if self.ctx.pre and "\n" in text:
            pieces = text.split("\n")
            start = at()
            for index, piece in enumerate(pieces):
                if index:
                    self.end_line()
                line = None if start is None else start + index
                self.add(piece, _known(line))
            return
        if self.line is None and text.strip(" \t\n\r\f"):
            start = at()
            lead = text[: len(text) - len(text.lstrip(" \t\n\r\f"))]
            self.line = None if start is None else start + lead.count("\n")
        self.parts.append(text)

    def end_line(self) -> None:
        """The text gathered so far is a line (a block) of the current element."""
        text = _cell(self.parts)
        self.parts = []
        line, self.line = self.line, None
        if not normalize_text(text):
            return
        ctx = self.ctx
        kind = ctx.kind
        if kind is BlockKind.ITEM:
            if ctx.prefix is not None:
                text = _with_marker(text, ctx.prefix)
                ctx.prefix = None
            elif marker(normalize_text(text)) is None:
                kind = BlockKind.PARAGRAPH  # a further line of the item's text
        self.out.append(_Line(kind, [text], line or ctx.line, ctx.level, ctx.boundary))
        ctx.boundary = False

    def boundary(self) -> None:
        self.end_line()
        self.ctx.boundary = True

    # elements

    def node(self, el: etree._Element) -> None:
        tag = element_tag(el)
        if tag is None or tag in JUNK:
            pass
        elif tag == "br":
            if self.ctx.kind is BlockKind.HEADING:
                self.parts.append(" ")
            else:
                self.end_line()
        elif tag == "hr":
            self.boundary()
        elif tag == "img":  # a slogan set as a picture: its alt text, as a screen reader reads it
            self.add(el.get("alt"), lambda: _start(el))
        elif tag in HEADINGS and not self.ctx.leaf:
            self.open(el, BlockKind.HEADING, level=HEADINGS[tag])
        elif tag == "li":
            self.open(el, BlockKind.ITEM, prefix=self.item_marker(el), level=len(self.lists))
        elif tag in ("ul", "ol", "menu", "dir"):
            self.lists.append(_List(tag == "ol", _int(el.get("start"), 1)))
            self.open(el, BlockKind.PARAGRAPH)
            self.lists.pop()
        elif tag == "tr":
            self.row(el)
        elif tag == "table":
            outer_spans, self.spans = self.spans, {}
            self.open(el, BlockKind.PARAGRAPH)
            self.spans = outer_spans
        elif tag == "dl" or (tag in _BLOCK_TAGS and not self.ctx.leaf):
            self.open(el, BlockKind.PARAGRAPH, pre=tag == "pre")
        elif tag in _BLOCK_TAGS:  # a paragraph inside a list item or a heading
            self.boundary()
            self.inline(el)
            self.boundary()
        else:
            self.inline(el)
        self.add(el.tail, lambda: _after(el))

    def inline(self, el: etree._Element) -> None:
        self.add(el.text, lambda: _start(el))
        for child in el:
            self.node(child)

    def open(
        self,
        el: etree._Element,
        kind: BlockKind,
        *,
        level: int = 0,
        prefix: str | None = None,
        pre: bool = False,
    ) -> None:
        self.end_line()
        outer = self.ctx
        leaf = kind in (BlockKind.HEADING, BlockKind.ITEM)
        self.ctx = _Context(kind, _start(el), level, prefix, leaf=leaf, pre=pre or outer.pre)
        self.inline(el)
        self.end_line()
        self.ctx = outer
        outer.boundary = True

    def item_marker(self, li: etree._Element) -> str:
        """・ in a list, ▷ in a list nested in another (a measure's actions), or its number."""
        if not self.lists or not self.lists[-1].ordered:
            return "・" if len(self.lists) <= 1 else "▷"
        state = self.lists[-1]
        number = _int(li.get("value"), state.next)
        state.next = number + 1
        return f"{number}."

    def row(self, tr: etree._Element) -> None:
        """A table row, its cells in their columns: a cell spanning rows (`rowspan`, a
        pillar over its measures) stands again in each row it spans."""
        self.end_line()
        cells: list[str] = []
        line: int | None = None
        column = 0

        def spanned() -> None:
            nonlocal column
            while column in self.spans:
                text, left = self.spans.pop(column)
                cells.append(text)
                if left > 1:
                    self.spans[column] = (text, left - 1)
                column += 1

        for cell in tr:
            if element_tag(cell) not in ("td", "th"):
                continue
            spanned()
            lines, at = _flat(cell)
            text = _list_cell(lines) if cells else " ".join(lines)  # the first cell names the row
            if _int(cell.get("rowspan"), 1) > 1 and normalize_text(text):
                self.spans[column] = (text, _int(cell.get("rowspan"), 1) - 1)
            column += max(1, _int(cell.get("colspan"), 1))
            if normalize_text(text):
                cells.append(text)
                line = line or at
        spanned()
        if cells:
            self.out.append(_Line(BlockKind.ROW, cells, line or _start(tr), 0, True))
        self.ctx.boundary = True


def _int(value: str | None, default: int) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        return default


def _with_marker(text: str, prefix: str) -> str:
    """A list item's text with its marker: its own when it has one."""
    norm = normalize_text(text)
    if marker(norm) is not None or norm.startswith("※"):
        return text
    if prefix != "・" and _OWN_NUMBER.match(norm):
        return text
    return prefix + text


# ---------------------------------------------------------------- what is not content


def _content(lines: list[_Line]) -> list[_Line]:
    """The lines that are not page furniture; a dropped line is a boundary."""
    out: list[_Line] = []
    dropped = False
    for x in lines:
        if is_boilerplate(normalize_text(" ".join(x.cells))):
            dropped = True
            continue
        x.blank_before = x.blank_before or dropped
        dropped = False
        out.append(x)
    return out


# ---------------------------------------------------------------- the reader


def html_document(text: str, filename: str) -> Document:
    """A decoded page as a Document of the blocks of its main content."""
    root = _parse(text, filename)
    drop_junk(root)
    found: list[_Line] = []
    for main in main_candidates(root):
        drop_furniture(main)
        found = _content(_Walker(main).run())
        if found:
            break
    if not found:
        raise PlanError(_NO_TEXT, filename=filename)
    lines: list[str] = []
    origins: list[Origin] = []
    blocks: list[Block] = []
    for index, x in enumerate(found):
        line = "\t".join(x.cells)
        lines.append(line)
        origins.append(Origin(filename, x.line))
        blocks.append(
            Block(x.kind, x.cells, [index + 1], [line], level=x.level, blank_before=x.blank_before)
        )
    return Document(
        lines=lines,
        origins=origins,
        blocks=blocks,
        files=(filename,),
        media_types=(MEDIA_TYPE,),
    )


def read_html(data: bytes, filename: str, *, encoding: str | None = None) -> Document:
    """Decode a page of a city's CMS and read its main content into a Document."""
    return html_document(_decode_page(data, filename, encoding), filename)
