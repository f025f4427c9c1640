"""The title line: which ward, which fiscal year.

Titles come as 「令和4年度 南区運営方針」, 「令和4年度 横浜市南区運営方針」, without
the ward (「令和2年度 運営方針」, the ward then comes from elsewhere), without
the year on a page that only names the ward, or with the name of the part a page
holds (「平成28年度 ○○区運営方針 目標達成に向けた取組」).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .blocks import Block
from .headings import is_sections_heading
from .lines import is_sentence
from .normalize import fold_width

__all__ = [
    "TitleInfo",
    "era_year",
    "find_title",
    "is_furniture",
    "parse_title",
    "parse_title_info",
    "title_part_line",
    "ward_in_contact",
]

_ERAS = {"令和": 2018, "平成": 1988}

_TITLE = re.compile(
    r"^(?:(?:(?P<era>令和|平成)(?P<n>元|\d{1,2})|(?P<western>(?:19|20)\d{2}))年度)?"
    r"(?P<city>[^\s年度区]{1,5}?[市都])?(?P<ward>[^\s年度]{1,8}?区)?(?:役所)?運営方針"
    r"(?P<tail>.{0,24})$"
)
# what may follow 運営方針 in a title: a bracketed note or the name of a part,
# not the rest of a sentence (「…運営方針を策定しました」)
_TAIL = re.compile(r"^(?:[(（【\[〈<].*|[^をはがにでともへやのより、。].*)?$")


_BARE_TITLES = ("運営方針", "区運営方針")  # a title that leaves the ward and year to others


@dataclass(frozen=True)
class TitleInfo:
    """What a title line says; ward and year are None where it does not say them."""

    ward: str | None
    fiscal_year: int | None
    city: str | None
    written_year: str | None  # the year as written: 令和4, 平成元, 2022
    part: str | None  # the part's name after 運営方針, or a note in brackets

    def title(self, ward: str | None = None, fiscal_year: int | None = None) -> str:
        """The plan's title, normalised, with the ward and year filled in where missing."""
        year = self.written_year or (era_year(fiscal_year) if fiscal_year else "")
        name = f"{self.city or ''}{self.ward or ward or ''}"
        return f"{year}年度 {name}運営方針" if year else f"{name}運営方針"

    @property
    def bare(self) -> bool:
        """A title that names neither the ward nor the year."""
        return self.ward is None and self.fiscal_year is None


def era_year(fiscal_year: int) -> str:
    """2022 → 令和4, 2019 → 令和元, 2016 → 平成28."""
    if fiscal_year >= 2019:
        n = fiscal_year - 2018
        return f"令和{'元' if n == 1 else n}"
    if fiscal_year >= 1989:
        n = fiscal_year - 1988
        return f"平成{'元' if n == 1 else n}"
    return str(fiscal_year)


def parse_title_info(line: str) -> TitleInfo | None:
    """Parse a title line; None when the line is not a plan title."""
    compact = re.sub(r"\s+", "", fold_width(line))
    if len(compact) > 48:
        return None
    m = _TITLE.match(compact)
    if not m or not _TAIL.match(m["tail"]):
        return None
    year: int | None = None
    written: str | None = None
    if m["western"]:
        year = int(m["western"])
        written = m["western"]
    elif m["era"]:
        number = 1 if m["n"] == "元" else int(m["n"])
        if number < 1:
            return None
        year = _ERAS[m["era"]] + number
        written = f"{m['era']}{m['n']}"
    ward, city = m["ward"], m["city"]
    if ward and city is None and "市" in ward[:-1]:  # 横浜市南区 without a city match
        city, ward = ward[: ward.index("市") + 1], ward[ward.index("市") + 1 :]
    if ward == "区":
        ward = None
    if ward is None and year is None and (m["tail"] or compact not in _BARE_TITLES):
        return None  # 「運営方針」 within other words is not a title
    part = m["tail"].strip("()（）【】[]〈〉<>") or None
    return TitleInfo(ward, year, city, written, part)


def parse_title(line: str) -> tuple[str, int] | None:
    """(ward name, fiscal year) from "令和4年度 南区運営方針", or None."""
    info = parse_title_info(line)
    if info is None or info.ward is None or info.fiscal_year is None:
        return None
    return info.ward, info.fiscal_year


def find_title(blocks: list[Block]) -> int | None:
    """The first title that names a ward or a year, else a bare 「運営方針」 at the top."""
    bare = None
    for idx, block in enumerate(blocks):
        info = parse_title_info(block.fold)
        if info is not None and not info.bare:
            return idx
        if info is not None and bare is None and idx < 3:
            bare = idx
    return bare


# 「川辺区総務部区政推進課」, 「みずほ台区役所」: the ward a contact block names
_WARD_OFFICE = re.compile(r"([^\s、。,:：()（）「」0-9]{1,8}?区)(?:役所|総務部|区政推進課)")


def ward_in_contact(blocks: list[Block]) -> str | None:
    """The ward named by the document's own contact block (or its last lines)."""
    for block in reversed(blocks):
        m = _WARD_OFFICE.search(block.text)
        if m and m.group(1) != "区":
            return m.group(1)
    return None


_BARE_NUMERAL = re.compile(r"^(?:\d{1,2}|[IVX]{1,4}|[TUV]|[①-⑳])[.．]?$")


_PART_WORDS = re.compile(r"基本目標|施策|主な取組|組織運営|取組目標")


def title_part_line(block: Block) -> bool:
    """The second line of a repeated title: the parts a later file holds.

    「令和7年度 ○○区運営方針」 over 「各柱の主な取組・各職場の取組目標」 at the head
    of a plan's second file names what the file holds; it heads nothing.
    """
    text = block.text
    if len(text) > 40 or is_sentence(text) or is_sections_heading(text):
        return False  # 各職場の取組目標（2/2） after a running title heads what follows
    return bool(_PART_WORDS.search(text))


def is_furniture(block: Block, info_ward: str | None) -> bool:
    """A repeated title (a running header, the title of a later file), a lone numeral."""
    if _BARE_NUMERAL.match(block.text):
        return True
    title = parse_title_info(block.fold)
    return title is not None and (title.ward is None or title.ward == info_ward)
