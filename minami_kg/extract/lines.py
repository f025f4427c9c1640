"""Physical lines to logical items, and the small classifiers the parser needs.

An `Item` is one logical line: a physical line, or several when a sentence
was wrapped. It keeps the 1-based line numbers and the verbatim lines so every
element built from it can cite its `Source`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import Source
from .normalize import (
    ends_sentence,
    fold_width,
    is_page_marker,
    is_rule_line,
    normalize_text,
    smart_join,
    strip_page_marker,
)

MEASURE_MARKS = "●○◆◇■□•・"
ACTION_MARKS = "▶▷►→⇒"
BULLET_MARKS = "・-•*"
_MARK = re.compile(r"^([●○◆◇■□•・▶▷►→⇒*]|-(?!\s*\d+\s*-))\s*(.*)$", re.S)
_WRAP = 20  # a line shorter than this was not wrapped: it is a heading or a name


@dataclass
class Item:
    """One logical line of the document."""

    lines: list[int]
    raw: list[str]
    fold: str  # width-folded, whitespace runs kept (tabs stay tabs)
    text: str  # normalised
    blank_before: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return self.lines[0]

    def source(self) -> Source:
        return Source(tuple(self.lines), "\n".join(self.raw))


def source_of(items: list[Item]) -> Source:
    """The Source of several items, in line order."""
    pairs = sorted({(n, r) for it in items for n, r in zip(it.lines, it.raw, strict=True)})
    return Source(tuple(n for n, _ in pairs), "\n".join(r for _, r in pairs))


def marker(text: str) -> tuple[str, str] | None:
    """(marker, rest) when the text is a bullet, measure or action line."""
    m = _MARK.match(text)
    if not m:
        return None
    return m.group(1), m.group(2)


def is_sentence(text: str) -> bool:
    """A sentence, as opposed to a heading or a name."""
    t = text.rstrip()
    return "。" in t or (bool(t) and t[-1] in "!?！？")


_NUMBERED_START = re.compile(
    r"^(?:\d{1,2}(?:[.．、:)]|\s)|[(（【]\s*\d{1,2}\s*[)）】]|[①-⑳]|施策\s*\d|重点\s*\d|第\s*\d)"
)


def is_structural(fold: str) -> bool:
    """Lines that always start a new item: markers, numbered headings, notes."""
    s = fold.strip()
    return bool(marker(s)) or s.startswith("※") or bool(_NUMBERED_START.match(s))


# a line ending in one of these stops mid-phrase ("…資機材の計画的な"), so the
# next text continues it even when that text is short
_OPEN_END = "のとをにがはやでもへな、・「(（"
_NAME_LIKE = 8  # after a page break, shorter text without 。 is a name, not a continuation


def _continues(prev: Item, fold: str, text: str, *, page_break: bool) -> bool:
    """Whether `text` carries on the sentence of `prev` (already known adjacent)."""
    if len(prev.text) < _WRAP or ends_sentence(prev.text) or is_structural(fold):
        return False
    if not page_break:
        return True
    return len(text) >= _NAME_LIKE or ends_sentence(text) or prev.text[-1] in _OPEN_END


def build_items(lines: list[str], start: int, breaks: set[int]) -> list[Item]:
    """Items from physical lines `start`.. (0-based index), joining wrapped lines.

    A line never continues the previous one across a blank line or a rule
    row, nor when either is a heading (`breaks` holds line numbers known to
    stand alone, e.g. part headings). A page marker ("- 3 -", "（1/2）") with
    blank lines around it is a page break: a sentence cut there continues on
    the next page, so the two halves are joined as if adjacent.
    """
    items: list[Item] = []
    blank = False  # a blank line or a rule row since the last item
    page = False  # a page marker since the last item
    for idx in range(start, len(lines)):
        raw = lines[idx]
        number = idx + 1
        if is_page_marker(raw):
            page = True
            continue
        if not raw.strip() or is_rule_line(raw):
            blank = True
            continue
        fold = strip_page_marker(raw) if number in breaks else fold_width(raw)
        fold = fold.strip()
        text = normalize_text(fold)
        if not text:
            blank = True
            continue
        prev = items[-1] if items else None
        if (
            prev is not None
            and (page or not blank)
            and number not in breaks
            and prev.lines[0] not in breaks
            and "\t" not in raw
            and _continues(prev, fold, text, page_break=page)
        ):
            prev.lines.append(number)
            prev.raw.append(raw)
            prev.fold = smart_join(prev.fold, fold)
            prev.text = smart_join(prev.text, text)
            blank = page = False
            continue
        items.append(Item([number], [raw], fold, text, blank_before=blank or page))
        blank = page = False
    return items
