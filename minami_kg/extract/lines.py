"""Joining wrapped lines into logical blocks, and the small classifiers the parser needs.

Readers give one block per physical line; a sentence that a PDF or a text file
broke over several lines (or over a page) is joined here into one block, the
same way whatever the format.
"""

from __future__ import annotations

import re

from .blocks import Block, BlockKind
from .normalize import ends_sentence, normalize_text, smart_join

MEASURE_MARKS = "●○◎◆◇■□•・"
ACTION_MARKS = "▶▷►→⇒"
BULLET_MARKS = "・-•*"
_MARK = re.compile(r"^([●○◎◆◇■□•・▶▷►→⇒*]|-(?!\s*\d+\s*-))\s*(.*)$", re.S)
_WRAP = 20  # a line shorter than this was not wrapped: it is a heading or a name


def marker(text: str) -> tuple[str, str] | None:
    """(marker, rest) when the text is a bullet, measure or action line."""
    m = _MARK.match(text)
    if not m:
        return None
    return m.group(1), m.group(2)


def line_kind(cells: list[str]) -> BlockKind:
    """What a line of text or of a PDF is: a row when it has cells, an item when marked."""
    if len(cells) > 1:
        return BlockKind.ROW
    if marker(normalize_text(cells[0])):
        return BlockKind.ITEM
    return BlockKind.PARAGRAPH


def is_sentence(text: str) -> bool:
    """A sentence, as opposed to a heading or a name."""
    t = text.rstrip()
    return "。" in t or (bool(t) and t[-1] in "!?！？")


_NUMBERED_START = re.compile(
    r"^(?:\d{1,2}(?:[.．、:)]|\s)|[(（【]\s*\d{1,2}\s*[)）】]|[①-⑳]|施策\s*\d|重点\s*\d|柱\s*\d|第\s*\d)"
)


def is_structural(fold: str) -> bool:
    """Lines that always start a new item: markers, numbered headings, notes."""
    s = fold.strip()
    return bool(marker(s)) or s.startswith("※") or bool(_NUMBERED_START.match(s))


# a line ending in one of these stops mid-phrase ("…資機材の計画的な"), so the
# next text continues it even when that text is short
_OPEN_END = "のとをにがはやでもへな、・「(（"
_NAME_LIKE = 8  # after a page break, shorter text without 。 is a name, not a continuation


def _continues(prev: Block, block: Block) -> bool:
    """Whether `block` carries on the sentence of `prev` (already known adjacent)."""
    text = block.text
    if len(prev.text) < _WRAP or ends_sentence(prev.text) or is_structural(block.fold):
        return False
    if not block.page_break:
        return True
    return len(text) >= _NAME_LIKE or ends_sentence(text) or prev.text[-1] in _OPEN_END


def join_wrapped(blocks: list[Block], breaks: set[int]) -> list[Block]:
    """Logical blocks: each sentence broken over lines (or a page) joined into one.

    A block never continues the one before across a blank line, a rule row or
    an element boundary, nor when either is a heading, a table row, or a line
    known to stand alone (`breaks`, 1-based line numbers such as part
    headings). Across a page break it does, when the sentence was cut there.
    """
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if (
            prev is not None
            and (block.page_break or not block.blank_before)
            and block.kind in (BlockKind.PARAGRAPH, BlockKind.ITEM)
            and prev.kind is not BlockKind.HEADING
            and block.first not in breaks
            and prev.first not in breaks
            and _continues(prev, block)
        ):
            prev.lines.extend(block.lines)
            prev.raw.extend(block.raw)
            prev.cells[-1] = smart_join(prev.cells[-1], block.fold)
            continue
        out.append(block)
    return out
