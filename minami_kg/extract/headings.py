"""Recognising the headings of a 区運営方針: parts, numbered areas, boundaries."""

from __future__ import annotations

import re

from .blocks import Block
from .lines import is_sentence, marker
from .normalize import normalize_text

# PDF extraction turns Ⅰ Ⅱ Ⅲ into T U V; NFKC-style folding turns them into I II III.
_ROMAN = {"I": 1, "II": 2, "III": 3, "T": 1, "U": 2, "V": 3}
_PART_NUMERAL = re.compile(r"^(III|II|I|T|U|V)(?![A-Za-z])[\s.．、:]*(.*)$")
_PART_ARABIC = re.compile(r"^(?:第\s*(\d)\s*(?:部|章)?|(\d)\s*[.．、:]?)\s*(.+)$")
_PART_TITLES = (
    (3, re.compile(r"^(目標達成に向けた|区の)?組織運営(の方針|方針)?$")),
    (1, re.compile(r"^(区の)?基本目標$")),
    (
        2,
        re.compile(
            r"^(?:(目標達成に向けた|主な|重点)?施策|目標達成に向けた取組)(の展開|の方向性|の柱|の体系)?$"
        ),
    ),
)
_PAGE_NOTE = re.compile(r"\s*[(（]\s*\d+\s*/\s*\d+\s*[)）]\s*$")  # （1/2）
_SECTIONS = re.compile(r"(各職場|各課|各係|各部署|職場)(の|毎の|ごとの)?(取組)?目標")
_CONTACT = re.compile(r"問合せ|問い合わせ|問合わせ|問い合せ|連絡先")
_SKIP = re.compile(
    r"^[【\[(〈<]?(主な取組|主な事業|取組内容|具体的な取組|主な取組内容|取組)(の一覧|一覧)?[】\])〉>]?$"
)


def _keyword_part(title: str, *, loose: bool = True) -> int | None:
    compact = normalize_text(title).replace(" ", "")
    for part, pattern in _PART_TITLES:
        if pattern.match(compact):
            return part
    if not loose:  # a bare line must be exactly a part title
        return None
    if "組織運営" in compact and len(compact) <= 20:
        return 3
    if "基本目標" in compact and len(compact) <= 12:
        return 1
    if "目標達成に向けた施策" in compact and len(compact) <= 20:
        return 2
    return None


def part_of(fold: str) -> int | None:
    """1, 2 or 3 when the line is the heading of part I, II or III."""
    s = fold.strip()
    if not s or len(s) > 40 or is_sentence(s) or marker(s):
        return None
    m = _PART_NUMERAL.match(s)
    if m:
        numeral, title = m.group(1), m.group(2).strip()
        by_keyword = _keyword_part(title) if title else None
        if numeral in "TUV" and by_keyword is None:
            return None
        if title and by_keyword is None and len(title) > 30:
            return None
        return by_keyword or _ROMAN[numeral]
    m = _PART_ARABIC.match(s)
    if m:
        return _keyword_part(m.group(3))
    return _keyword_part(s, loose=False)


_BARE_NUMERAL = re.compile(r"^(III|II|I|T|U|V)[\s.．、:]*$")


def part_lines(blocks: list[Block]) -> dict[int, int]:
    """{1-based first line: part} for every block that is a part heading.

    A numeral alone (I, Ⅱ, Ｉ, or T/U/V from PDF extraction) counts when the
    next block is a part title; the title block counts too.
    """
    parts: dict[int, int] = {}
    by_numeral_only: set[int] = set()  # Ⅲ + a title that is no part's name
    for idx, block in enumerate(blocks):
        fold = block.fold
        part = part_of(fold)
        bare = _BARE_NUMERAL.match(fold.strip())
        if bare is None:
            if part is not None:
                parts[block.first] = part
                if _PART_NUMERAL.match(fold.strip()) and _titled_part(fold) is None:
                    by_numeral_only.add(block.first)
            continue
        nxt = blocks[idx + 1].fold if idx + 1 < len(blocks) else None
        titled = None if nxt is None else _keyword_part(nxt)
        if titled is not None and len(normalize_text(nxt or "")) <= 30:
            parts[block.first] = titled
        elif part is not None and bare.group(1) in ("I", "II", "III") and not _numbered(nxt):
            parts[block.first] = part  # a lone numeral before a numbered pillar is decoration
    named = [line for line in parts if line not in by_numeral_only]
    if named and not any(_PART_NUMERAL.match(_fold_at(blocks, line)) for line in named):
        # the parts are numbered １/２/３ (or not at all): Ⅰ Ⅱ Ⅲ number the pillars
        parts = {line: part for line, part in parts.items() if line not in by_numeral_only}
    return parts


def _titled_part(fold: str) -> int | None:
    """The part a numbered heading's title names (Ⅱ 目標達成に向けた施策 → 2), if any."""
    m = _PART_NUMERAL.match(fold.strip())
    return None if m is None or not m.group(2).strip() else _keyword_part(m.group(2).strip())


def _fold_at(blocks: list[Block], line: int) -> str:
    return next(b.fold.strip() for b in blocks if b.first == line)


def _numbered(fold: str | None) -> bool:
    return fold is not None and parse_heading(fold)[0] is not None


def is_sections_heading(text: str) -> bool:
    """各職場の取組目標 / 各課の取組目標 as a heading: numbered or not, with a page marker or not.

    Not a line that only mentions them (「各柱の主な取組・各職場の取組目標」).
    """
    if len(text) > 40 or is_sentence(text):
        return False
    name = strip_number(_PAGE_NOTE.sub("", text)).replace(" ", "")
    return bool(_SECTIONS.fullmatch(name.strip("【】[]〈〉<>")))


_NUMBER_PREFIX = re.compile(
    r"^(?:\d{1,2}|[IVX]{1,4}|[TUV]|第\s*\d{1,2}\s*[章部]?|[(（]\s*\d{1,2}\s*[)）]|[①-⑳])"
    r"(?![A-Za-z])[\s.．、:]*"
)


def strip_number(text: str) -> str:
    """A heading without its number: 「IV 各職場の取組目標」, 「(1) 総務課」 → the rest."""
    return _NUMBER_PREFIX.sub("", text.strip(), count=1)


def is_contact_heading(text: str) -> bool:
    """〈運営方針全体に関するお問合せ先〉 and the like."""
    return len(text) <= 40 and not is_sentence(text) and bool(_CONTACT.search(text))


def is_skip_heading(text: str) -> bool:
    """Generic sub-headings ("主な取組") that name no area."""
    return bool(_SKIP.match(text.replace(" ", "")))


_PRIORITY_TAG = re.compile(r"[【(\[〈<]\s*重点\s*[】)\]〉>]")
# How a heading is numbered, and the pattern of each way; a plan numbers its
# pillars one way and, under them, its measures another (① or (1)).
_NUMBERED = (
    ("word", re.compile(r"^(?:施策|重点施策|重点|基本施策|柱)\s*(\d{1,2})[\s.．、:]*(.+)$")),
    ("dai", re.compile(r"^第\s*(\d{1,2})\s*(?:の柱|の施策|の重点)?[\s.．、:]*(.+)$")),
    ("bracket", re.compile(r"^【\s*(?:柱|施策|重点)?\s*(\d{1,2})\s*】\s*(.+)$")),
    ("paren", re.compile(r"^\(\s*(\d{1,2})\s*\)\s*(.+)$")),
    ("circled", re.compile(r"^([①-⑳])\s*(.+)$")),
    ("roman", re.compile(r"^(VIII|VII|VI|IV|IX|III|II|I|V|X)(?![A-Za-z])[\s.．、:]+(.+)$")),
    ("arabic", re.compile(r"^(\d{1,2})(?:[.．、:)]\s*|\s+)(.+)$")),
)


_ROMAN_NUMBERS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def numbering(fold: str) -> str | None:
    """The way a heading is numbered ("arabic", "paren", "circled" …), or None."""
    s = _PRIORITY_TAG.sub(" ", fold.strip()).strip()
    return next((way for way, pattern in _NUMBERED if pattern.match(s)), None)


def parse_heading(fold: str) -> tuple[int | None, str, bool]:
    """(number, name, says-priority) of an area or principle heading."""
    s = fold.strip()
    priority = bool(_PRIORITY_TAG.search(s)) or bool(re.match(r"^重点(施策)?\s*\d", s))
    s = _PRIORITY_TAG.sub(" ", s).strip()
    number: int | None = None
    for way, pattern in _NUMBERED:
        m = pattern.match(s)
        if m:
            g = m.group(1)
            if way == "circled":
                number = ord(g) - 0x245F
            elif way == "roman":
                number = _ROMAN_NUMBERS.index(g) + 1
            else:
                number = int(g)
            s = m.group(2)
            break
    name = normalize_text(s)
    if len(name) > 2 and name[0] in "【[「『" and name[-1] in "】]」』":
        name = name[1:-1].strip()
    return number, name, priority


def is_heading(fold: str, text: str) -> bool:
    """A short line that names something: not a sentence, not a bullet."""
    if not text or is_sentence(text) or marker(text) or text.startswith("※"):
        return False
    number, name, _ = parse_heading(fold)
    limit = 40 if number is not None else 30
    return bool(name) and len(text) <= limit


def key(name: str) -> str:
    """The comparison form of an area name: no spaces, brackets or 重点 tag."""
    s = normalize_text(_PRIORITY_TAG.sub("", name))
    return re.sub(r"[\s【】\[\]「」『』()]", "", s).lower()
