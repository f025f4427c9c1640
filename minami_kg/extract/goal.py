"""Part I: the basic goal, its slogan and the statements under it."""

from __future__ import annotations

import re

from .blocks import Block, place, source_of
from .errors import reading_at
from .lines import ACTION_MARKS, is_sentence, marker
from .model import BasicGoal
from .normalize import normalize_text, smart_join

_WAVES = "〜~"
_ENCLOSED = re.compile(r"^[〜~\-―]\s*(.+?)\s*[〜~\-―]$")


def _unwrapped(text: str) -> str:
    """A slogan without the 〜…〜 or 「…」 that set it off: 「みんなの若葉」 → みんなの若葉."""
    text = text.strip()
    m = _ENCLOSED.match(text)
    if m:
        return m.group(1)
    if text[:1] in "「『" and text[-1:] in "」』" and text.count("「") + text.count("『") == 1:
        return text[1:-1].strip()
    return text


def _slogan_line(item: Block) -> bool:
    """A line that can be (part of) a slogan: short, no sentence, no bullet."""
    return len(item.text) <= 40 and not is_sentence(item.text) and not marker(item.text)


def _without_mascot(items: list[Block]) -> list[Block]:
    """The blocks without a mascot's caption (「南区マスコットキャラクター」 and its name)."""
    kept: list[Block] = []
    skip_next = False
    for item in items:
        if "マスコット" in item.text or "キャラクター" in item.text:
            skip_next = True
            continue
        if skip_next and not item.blank_before and len(item.text) <= 12 and not marker(item.text):
            skip_next = False
            continue
        skip_next = False
        kept.append(item)
    return kept


def read_basic_goal(items: list[Block], above: list[Block] | None = None) -> BasicGoal | None:
    """The slogan (one or two lines, 〜…〜 or 「…」 around it dropped) and its statements.

    The slogan may stand above the part's heading (`above`); the paragraph or
    the bullet sentences after it are its statements, never part of it.
    """
    content = _without_mascot(items)
    slogan: list[Block] = []
    candidates = [i for i in (above or []) if _slogan_line(i)]
    if candidates and (not content or not _slogan_line(content[0])):
        slogan = (
            candidates[-2:]
            if len(candidates) > 1 and len(candidates[-2].text) <= 20
            else [candidates[-1]]
        )
    subtitle: Block | None = None
    statements: list[tuple[str, list[Block]]] = []
    for item in content:
        reading_at(item)
        m = marker(item.text)
        opened = (
            len(slogan) == 1 and slogan[0].text[:1] in _WAVES and slogan[0].text[-1:] not in _WAVES
        )
        if (
            not slogan
            or opened
            or (
                len(slogan) == 1
                and not statements
                and subtitle is None
                and _slogan_line(item)
                and not _ENCLOSED.match(item.text)
            )
        ):
            slogan.append(item)
        elif _ENCLOSED.match(item.text) and subtitle is None and not statements:
            subtitle = item
        elif m and m[0] not in ACTION_MARKS:
            statements.append((normalize_text(m[1]), [item]))
        elif statements and not item.blank_before:
            text, its = statements[-1]
            statements[-1] = (smart_join(text, item.text), [*its, item])
        else:
            statements.append((item.text, [item]))
    if not slogan:
        return None
    place(*items, *slogan)
    text = ""
    for item in slogan:
        text = smart_join(text, item.text)
    used = [*slogan, *([subtitle] if subtitle else []), *(i for _, its in statements for i in its)]
    return BasicGoal(
        slogan=normalize_text(_unwrapped(text)),
        source=source_of(used),
        subtitle=None if subtitle is None else normalize_text(_unwrapped(subtitle.text)),
        statements=tuple(t for t, _ in statements),
    )
