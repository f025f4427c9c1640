"""The furniture of a page of a city's CMS, and where its main content is.

Wards publish their plans as ordinary pages of the city's CMS (Yokohama's
www.city.yokohama.lg.jp and the like). Around the plan stand a site header, a
global menu, breadcrumbs, a side menu, the page's own contact box
(このページへのお問合せ), notices about Adobe Reader, links to the page as a
file and a footer. This module finds the main content and drops all that, so
the reader of pages (`html`) walks only the plan.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import lxml.html
from lxml import etree

from ..normalize import normalize_text

__all__ = [
    "HEADINGS",
    "JUNK",
    "drop_furniture",
    "drop_junk",
    "element_tag",
    "is_boilerplate",
    "main_candidates",
]


def element_tag(el: etree._Element) -> str | None:
    """An element's tag in lower case; None for comments and processing instructions."""
    return el.tag.lower() if isinstance(el.tag, str) else None


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

JUNK = frozenset(
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
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 4, "h6": 4}


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
    tag = element_tag(el)
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


def drop_junk(root: etree._Element) -> None:
    """Scripts, styles, form controls and hidden elements: never content."""
    doomed = [el for el in root.iter() if element_tag(el) in JUNK or _is_hidden(el)]
    for el in doomed:
        _drop(el)


def drop_furniture(main: etree._Element) -> None:
    """Drop the page's furniture inside the main content.

    An element that holds half of the content's text (or, inside a `<main>`
    or the like, its h1) is never furniture, whatever its name: a wrapper
    called `column_lnavi` or an ASP.NET `<form>` around the whole page.
    """
    total = _text_len(main)
    guard_h1 = element_tag(main) != "body"

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
        if element_tag(el) not in {*HEADINGS, "p", "div", "dt", "strong"}:
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
        level = HEADINGS.get(element_tag(el) or "", 6)
        following = []
        for sibling in el.itersiblings():
            tag = element_tag(sibling) or ""
            inner = [HEADINGS[h] for h in HEADINGS if sibling.find(f".//{h}") is not None]
            if (tag in HEADINGS and HEADINGS[tag] <= level) or any(n <= level for n in inner):
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


def main_candidates(root: etree._Element) -> Iterator[etree._Element]:
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


# ---------------------------------------------------------------- text that is no content

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


# a link to a file, as the CMS writes it: 「…各職場の取組目標(PDF:159KB)」
_FILE_LINK = re.compile(
    r".{1,80}[(（]\s*(?:PDF|Word|Excel|ワード|エクセル)\s*[:：]\s*[\d.,]+\s*[KMG]?B\s*[)）]", re.I
)


def is_boilerplate(text: str) -> bool:
    if _BOILERPLATE.fullmatch(text) or _FILE_LINK.fullmatch(text):
        return True
    if len(text) <= 200 and (_ADOBE.search(text) and re.search(r"Reader|リーダー", text, re.I)):
        return True
    return len(text) <= 200 and bool(_PDF_NOTICE.match(text)) and "必要" in text
