"""A page of a city's web CMS (Yokohama's www.city.yokohama.lg.jp and the like).

Wards publish their 区運営方針 as an ordinary page of the city's CMS: the plan
sits in the page's main content between a site header, a global menu,
breadcrumbs, a side menu, the CMS's own contact box (このページへのお問合せ),
a notice about Adobe Reader and a footer. This reader finds the main content
(`<main>`, `#tmp_contents` …), drops that furniture, and gives one block per
element:

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import lxml.html
from lxml import etree

from ..blocks import Block, BlockKind, Document, Origin
from ..decode import decode
from ..errors import PlanError
from ..lines import marker
from ..normalize import ends_sentence, fold_width, is_japanese, normalize_text

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


def _tag(el: etree._Element) -> str | None:
    return el.tag.lower() if isinstance(el.tag, str) else None


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
    if start is None or _tag(el) in _VOID:
        return start
    return start + "".join(el.itertext()).count("\n")


# ---------------------------------------------------------------- the main content

# in this order, as the brief of the reader has it: the first that holds
# enough text is the main content
_MAIN = (
    "//main",
    "//*[@role='main']",
    "//*[@id='main']",
    "//*[@id='contents']",
    "//*[@id='content']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' main ')]",
    "//*[@id='tmp_contents']",
    "//article",
)
_SMALL = 0.2  # a candidate with less than this share of the largest one's text is passed over

_JUNK = frozenset(
    "script style noscript template iframe object embed svg math canvas audio video "
    "map rt rp button select textarea input head title".split()
)
_FURNITURE_TAGS = frozenset("nav aside header footer form".split())
_FURNITURE_ROLES = frozenset("navigation banner contentinfo search complementary".split())
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

# ids of Yokohama's CMS (tmp_header, tmp_gnavi, tmp_pankuzu, tmp_lnavi_ttl …)
_TMP_NAME = re.compile(
    r"tmp-(?:header|footer|gnavi|hlogo|pankuzu|side|lnavi|snavi|rnavi|contact|update|plugin|"
    r"sns|social|search|pagetop|ptop|pnavi|pageid|skip|evaluation|enquete|feedback|related|"
    r"kanren|banner|tools?|font|color|lang)"
)
# the same furniture under the names other CMSs give it
_FURNITURE_NAME = re.compile(
    r"(?:site|common|global|g|l|local|sub|side|main)?-?"
    r"(?:header|footer|nav|navi|gnav|gnavi|navigation|menu|menus|sidebar|side|"
    r"breadcrumbs?|breadcrumb-?list|pankuzu|topic-?path|"
    r"skip|skip-?links?|skip-?nav|page-?top|to-?top|ptop|pnavi|"
    r"sns|share|social|plugin|adobe|acrobat|"
    r"last-?update|update|update-?date|modified|page-?id|"
    r"banner|search|evaluation|enquete|feedback|page-?contact|page-?inquiry)"
    r"(?:-(?:area|wrap|wrapper|inner|outer|container|box|block|list|links?|btn|btns|"
    r"buttons?|menu|nav|navi|ttl|title|in))*"
)
_SECTION_FRAME = re.compile(r"header|footer")
_CONTACT_NAME = re.compile(r"(?:^|-)(?:contact|inquiry|toiawase|otoiawase)(?:-|$)")
# the heading of the CMS's contact box, never the plan's own お問合せ先
_PAGE_CONTACT = re.compile(r"^このページ(?:へ|に関する|について)?の?お?問い?合わ?せ(?:先)?$")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 4, "h6": 4}


def _names(el: etree._Element) -> list[str]:
    """Its id and classes, lower case, "_" read as "-"."""
    raw = [el.get("id") or "", *(el.get("class") or "").split()]
    return [n.lower().replace("_", "-") for n in raw if n]


def _text_len(el: etree._Element) -> int:
    return len("".join("".join(el.itertext()).split()))


def _is_hidden(el: etree._Element) -> bool:
    return (
        el.get("hidden") is not None
        or (el.get("aria-hidden") or "").lower() == "true"
        or bool(_HIDDEN_STYLE.search(el.get("style") or ""))
    )


def _is_furniture(el: etree._Element) -> bool:
    """Site header, menus, breadcrumbs, skip links, share buttons, update date …"""
    tag = _tag(el)
    if tag == "header" and _holds_subheading(el):
        return False  # a section's own <header> around its heading
    if tag in _FURNITURE_TAGS or (el.get("role") or "").lower() in _FURNITURE_ROLES:
        return True
    label = (el.get("aria-label") or "").lower()
    if "パンくず" in label or "breadcrumb" in label or "breadcrumb" in (el.get("itemtype") or ""):
        return True
    names = _names(el)
    if any(_TMP_NAME.match(n) for n in names):
        return True
    ident = (el.get("id") or "").lower().replace("_", "-")
    for name in names:
        if not _FURNITURE_NAME.fullmatch(name):
            continue
        # class="header" may be the frame of a section's own heading
        if name == ident or not _SECTION_FRAME.search(name) or not _holds_subheading(el):
            return True
    # a contact box of the CMS, unless it is the plan's own (運営方針全体に関するお問合せ先)
    return any(_CONTACT_NAME.search(n) for n in names) and "運営方針" not in "".join(el.itertext())


def _holds_subheading(el: etree._Element) -> bool:
    return any(el.find(f".//{h}") is not None for h in ("h2", "h3", "h4", "h5", "h6"))


def _drop(el: etree._Element) -> None:
    """Remove an element, keeping the text that follows it."""
    if el.getparent() is not None:
        assert isinstance(el, lxml.html.HtmlElement)  # `_parse` keeps no comments, no PIs
        el.drop_tree()


def _drop_junk(root: etree._Element) -> None:
    """Scripts, styles, form controls and hidden elements: never content."""
    doomed = [el for el in root.iter() if _tag(el) in _JUNK or _is_hidden(el)]
    for el in doomed:
        _drop(el)


def _drop_furniture(main: etree._Element) -> None:
    """Drop the page's furniture inside the main content.

    An element that holds half of the content's text (or, inside a `<main>`
    or the like, its h1) is never furniture, whatever its name: a wrapper
    called `column_lnavi` or an ASP.NET `<form>` around the whole page.
    """
    total = _text_len(main)
    guard_h1 = _tag(main) != "body"

    def protected(el: etree._Element) -> bool:
        if guard_h1 and el.find(".//h1") is not None:
            return True
        return total > 0 and _text_len(el) * 2 >= total

    doomed = [el for el in main.iterdescendants() if _is_furniture(el) and not protected(el)]
    for el in doomed:
        _drop(el)
    _drop_contact_boxes(main, protected)


def _drop_contact_boxes(main: etree._Element, protected: Callable[[etree._Element], bool]) -> None:
    """The box under a heading 「このページへのお問合せ」, whatever its id."""
    for el in list(main.iterdescendants()):
        if _tag(el) not in {*_HEADINGS, "p", "div", "dt", "strong"}:
            continue
        title = _short_text(el)
        if title is None or not _PAGE_CONTACT.match(title) or not _within(el, main):
            continue
        box = el
        while True:
            parent = box.getparent()
            if parent is None or parent is main or protected(parent):
                break
            if not _compact(parent, len(title) + 1).startswith(title):
                break
            box = parent
        if box is not el:
            _drop(box)
            continue
        # the heading stands among the content's own elements: drop it and
        # what follows it, up to the next heading of its level or higher
        level = _HEADINGS.get(_tag(el) or "", 6)
        following = []
        for sibling in el.itersiblings():
            tag = _tag(sibling) or ""
            inner = [_HEADINGS[h] for h in _HEADINGS if sibling.find(f".//{h}") is not None]
            if (tag in _HEADINGS and _HEADINGS[tag] <= level) or any(n <= level for n in inner):
                break
            following.append(sibling)
        for sibling in [el, *following]:
            _drop(sibling)


def _compact(el: etree._Element, limit: int) -> str:
    """The first `limit` or so characters of its text, normalised, without spaces."""
    parts: list[str] = []
    size = 0
    for piece in el.itertext():
        parts.append(piece)
        size += len(piece.strip())
        if size > limit:
            break
    return normalize_text("".join(parts)).replace(" ", "")


def _short_text(el: etree._Element, limit: int = 40) -> str | None:
    """Its text, normalised, without spaces; None when longer than `limit`."""
    text = _compact(el, limit)
    return None if len(text) > limit else text


def _within(el: etree._Element, main: etree._Element) -> bool:
    """Still inside the main content (not in a subtree already dropped)."""
    return any(a is main for a in el.iterancestors())


def _candidates(root: etree._Element) -> Iterator[etree._Element]:
    """Elements that may be the main content, in order of preference; then `<body>`."""
    seen: list[etree._Element] = []
    for path in _MAIN:
        for el in root.xpath(path):
            if all(el is not s for s in seen) and _text_len(el) > 0:
                seen.append(el)
    largest = max((_text_len(el) for el in seen), default=0)
    for el in seen:
        if _text_len(el) >= largest * _SMALL:
            yield el
    body = root.find("body")
    yield root if body is None else body


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
        tag = _tag(node)
        if tag is not None:
            add(node.text, lambda: _start(node))
            for child in node:
                if _tag(child) == "br" or _tag(child) in _BLOCK_TAGS:
                    pieces.append([])
                visit(child)
                if _tag(child) in _BLOCK_TAGS:
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
        tag = _tag(el)
        if tag is None or tag in _JUNK:
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
        elif tag in _HEADINGS and not self.ctx.leaf:
            self.open(el, BlockKind.HEADING, level=_HEADINGS[tag])
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
            if _tag(cell) not in ("td", "th"):
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

_BOILERPLATE = re.compile(
    r"(?:このページの先頭です|(?:この)?ページの(?:先頭|トップ|上)(?:へ|に)(?:戻る|移動)?|"
    r"(?:ページ)?トップ(?:へ|に)戻る|先頭(?:へ|に)戻る|page ?top|"
    r"(?:本文|メインコンテンツ|コンテンツ|メニュー|ナビゲーション)(?:へ|に)"
    r"(?:移動|スキップ|進む|ジャンプ)?(?:します)?|"
    r"ここから本文です|ここまで本文です|ここまでが本文です|本文ここから|本文ここまで|"
    r"(?:サイト)?(?:メニュー|ナビゲーション)(?:ここから|ここまで)|"
    r"(?:最終)?更新日(?:時)?\s*[:：]?.{0,30}|掲載日\s*[:：].{0,30}|公開日\s*[:：].{0,30}|"
    r"ページ(?:ID|番号)\s*[:：].{0,30}|"
    r"前のページ(?:へ|に)戻る|このページを印刷する|印刷(?:する)?|"
    r"(?:次|前)のページ(?:「[^」]{1,40}」)?(?:へ|に)?(?:進む|戻る)?|"
    r"ツイート|ポスト|シェア|いいね|LINEで送る|Xでポスト|Facebookでシェア)[。.!！]?",
    re.I,
)
_ADOBE = re.compile(r"Adobe|Acrobat|アドビ", re.I)
_PDF_NOTICE = re.compile(r"^PDF(?:ファイル|形式|版)?(?:の|を)?.{0,20}(?:閲覧|ご覧|表示|見る)")


def _content(lines: list[_Line]) -> list[_Line]:
    """The lines that are not page furniture; a dropped line is a boundary."""
    out: list[_Line] = []
    dropped = False
    for x in lines:
        if _is_boilerplate(normalize_text(" ".join(x.cells))):
            dropped = True
            continue
        x.blank_before = x.blank_before or dropped
        dropped = False
        out.append(x)
    return out


# a link to a file, as the CMS writes it: 「…各職場の取組目標(PDF:159KB)」
_FILE_LINK = re.compile(
    r".{1,80}[(（]\s*(?:PDF|Word|Excel|ワード|エクセル)\s*[:：]\s*[\d.,]+\s*[KMG]?B\s*[)）]", re.I
)


def _is_boilerplate(text: str) -> bool:
    if _BOILERPLATE.fullmatch(text) or _FILE_LINK.fullmatch(text):
        return True
    if len(text) <= 200 and (_ADOBE.search(text) and re.search(r"Reader|リーダー", text, re.I)):
        return True
    return len(text) <= 200 and bool(_PDF_NOTICE.match(text)) and "必要" in text


# ---------------------------------------------------------------- the reader


def html_document(text: str, filename: str) -> Document:
    """A decoded page as a Document of the blocks of its main content."""
    root = _parse(text, filename)
    _drop_junk(root)
    found: list[_Line] = []
    for main in _candidates(root):
        _drop_furniture(main)
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
