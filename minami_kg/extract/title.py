"""The title line: which ward, which fiscal year."""

from __future__ import annotations

import re

from .normalize import fold_width

__all__ = ["TitleInfo", "parse_title", "parse_title_info"]

_ERAS = {"令和": 2018, "平成": 1988}

_TITLE = re.compile(
    r"^(?:(?P<era>令和|平成)(?P<n>元|\d{1,2})|(?P<western>(?:19|20)\d{2}))年度"
    r"(?P<city>.{1,6}?[市都])?(?P<ward>[^\s年度]{1,8}?区)運営方針"
    r"(?P<tail>[(（【\[].{0,10}[)）】\]])?$"
)


class TitleInfo:
    """What the title says, with the year written as the document writes it."""

    __slots__ = ("city", "fiscal_year", "title", "ward")

    def __init__(self, ward: str, fiscal_year: int, city: str | None, title: str):
        self.ward = ward
        self.fiscal_year = fiscal_year
        self.city = city
        self.title = title


def parse_title_info(line: str) -> TitleInfo | None:
    """Parse a title line; None when the line is not a plan title."""
    compact = re.sub(r"\s+", "", fold_width(line))
    if len(compact) > 40:
        return None
    m = _TITLE.match(compact)
    if not m:
        return None
    if m["western"]:
        year = int(m["western"])
        written = m["western"]
    else:
        number = 1 if m["n"] == "元" else int(m["n"])
        if number < 1:
            return None
        year = _ERAS[m["era"]] + number
        written = f"{m['era']}{m['n']}"
    ward = m["ward"]
    city = m["city"]
    if city is None and "市" in ward[:-1]:  # 横浜市南区 without a city match
        city, ward = ward[: ward.index("市") + 1], ward[ward.index("市") + 1 :]
    if not ward or ward == "区":
        return None
    title = f"{written}年度 {city or ''}{ward}運営方針"
    return TitleInfo(ward, year, city, title)


def parse_title(line: str) -> tuple[str, int] | None:
    """(ward name, fiscal year) from "令和4年度 南区運営方針", or None."""
    info = parse_title_info(line)
    return None if info is None else (info.ward, info.fiscal_year)
