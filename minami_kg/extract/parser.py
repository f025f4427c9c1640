"""Text of a 区運営方針 to a `Plan`.

The document is cut into regions at its boundaries (part headings I/II/III,
各職場の取組目標, お問合せ先); each region has its own small reader. Measure
lists may sit under each area in part II or be repeated after part III; both
end up on the area they name.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass, field

from .blocks import Block, BlockKind, Document, place, source_of
from .errors import PlanError
from .headings import (
    is_contact_heading,
    is_heading,
    is_sections_heading,
    is_skip_heading,
    key,
    numbering,
    parse_heading,
    part_lines,
)
from .lines import (
    ACTION_MARKS,
    MEASURE_MARKS,
    is_sentence,
    is_structural,
    join_wrapped,
    marker,
)
from .model import (
    Action,
    AreaKind,
    BasicGoal,
    Contact,
    FocusArea,
    Measure,
    Plan,
    Principle,
    SectionEntry,
    Statement,
)
from .normalize import normalize_text, smart_join
from .sections import parse_contact, parse_sections
from .title import parse_title_info

__all__ = ["parse_plan"]

MAX_AREAS = 12  # pillars of one plan; more means the reader took other headings for them
_FLAG = re.compile(
    r"[【(\[〈<]\s*(新規|NEW|New|new|拡充|重点)\s*[】)\]〉>]|(?<![A-Za-z])NEW!?(?![A-Za-z])"
)
_FLAG_NAMES = {"new": "NEW", "新規": "新規", "拡充": "拡充", "重点": "重点"}
_FOUNDATION = re.compile(r"基盤|土台")
# The foundation block says in its heading or its first sentence that it
# underpins the others; a name such as 地域の力 alone does not make one.
_FOUNDATION_ROLE = re.compile(r"(施策|取組|全て|各).{0,8}(基盤|土台)|(基盤|土台)(として|となる)")
_CATCH_ALL = re.compile(r"着実に(取り組|推進|進め)|その他の取組|継続的に取り組")


# The line being read, so that an unexpected internal error can still name it.
_READING: ContextVar[int | None] = ContextVar("_READING", default=None)


def _at(item: Block | None) -> None:
    if item is not None:
        _READING.set(item.first)


def split_flags(text: str) -> tuple[str, tuple[str, ...]]:
    """Remove （新規）, 【拡充】, NEW … from a measure and return them normalised."""
    flags: list[str] = []
    for m in _FLAG.finditer(text):
        word = (m.group(1) or "NEW").rstrip("!")
        flag = _FLAG_NAMES.get(word.lower(), _FLAG_NAMES.get(word, word))
        if flag not in flags:
            flags.append(flag)
    return normalize_text(_FLAG.sub(" ", text)), tuple(flags)


# 「（担当：地域振興課、区政推進課）」 after a measure or an action names who carries it
_ASSIGNED = re.compile(
    r"[(（【\[]\s*(?:担当|所管)(?:課|部署)?\s*[:：]\s*([^)）】\]]+)[)）】\]]"
    r"|【\s*(?:担当|所管)(?:課|部署)?\s*】\s*[:：]?\s*(.+)$"
)
_NAMES = re.compile(r"[、,，/／\s]+")
_UNIT_END = re.compile(r"(課|室|係|所|センター|園|館|担当|局|部)$")


def section_names(text: str) -> list[str]:
    """「地域振興課、区政推進課」 → both; 「総務課・戸籍課」 → both, but 高齢・障害支援課 is one."""
    names: list[str] = []
    for piece in _NAMES.split(normalize_text(text)):
        parts = piece.split("・")
        names.extend(parts if len(parts) > 1 and all(map(_UNIT_END.search, parts)) else [piece])
    return [n for n in names if n]


def split_assignment(text: str) -> tuple[str, tuple[str, ...]]:
    """Remove 担当 annotations from a label and return the sections they name."""
    names: list[str] = []
    for m in _ASSIGNED.finditer(text):
        names.extend(section_names(m.group(1) or m.group(2)))
    return normalize_text(_ASSIGNED.sub(" ", text)), tuple(dict.fromkeys(names))


@dataclass
class _Measure:
    title: str
    flags: tuple[str, ...]
    items: list[Block]
    actions: list[tuple[str, tuple[str, ...], list[Block]]] = field(default_factory=list)
    sections: tuple[str, ...] = ()  # from a 担当課 column
    numbered: bool = False  # read from a numbered heading (① …), not a marked line

    def build(self, known: list[str]) -> Measure:
        """The measure, the sections its 担当 names resolved against the plan's (`known`)."""
        title, named = split_assignment(self.title)
        sections = list(self.sections) + list(named)
        acts = []
        for text, flags, its in self.actions:
            text, more = split_assignment(text)
            sections.extend(more)
            if text:
                acts.append(Action(text, source_of(its), flags))
        resolved = [name for written in sections for name in _resolve(written, known)]
        return Measure(
            title, source_of(self.items), tuple(acts), self.flags, tuple(dict.fromkeys(resolved))
        )


def _resolve(written: str, known: list[str]) -> list[str]:
    """The plan's sections a written name stands for: itself, or several run together.

    「高齢・障害支援課・福祉保健課」 is two of the plan's sections joined by 「・」,
    which is also a letter of one of them; the plan's own names tell them apart.
    """
    if written in known or not known:
        return [written]
    found: list[str] = []
    rest = written
    while rest:
        name = max((k for k in known if rest.startswith(k)), key=len, default=None)
        if name is None:
            return [written]
        found.append(name)
        rest = rest[len(name) :].lstrip("・、, ")
    return found


@dataclass
class _Area:
    heading: Block
    number: int | None
    name: str
    says_priority: bool
    description: list[Block] = field(default_factory=list)
    statements: list[tuple[str, Block]] = field(default_factory=list)
    measures: list[_Measure] = field(default_factory=list)
    marks: str = ""  # the marker its measures use (● or ◆ …), set by the first one
    table: dict[int, str] | None = None  # the roles of the columns of its measure table


class _MeasureReader:
    """Feeds measure, action and bullet lines to an area."""

    def __init__(self, *, bullets_are_statements: bool):
        self.bullets_are_statements = bullets_are_statements

    def feed(self, area: _Area, item: Block, nxt: Block | None = None) -> bool:
        """Take the item if it is a measure, an action or a continuation of one.

        `nxt` is the item after it: a bullet followed by an action line is a
        measure even where bullets are otherwise statements.
        """
        if item.kind is BlockKind.ROW and area.table is not None:
            area.measures.append(_table_measure(item, area.table))
            return True
        if item.kind is BlockKind.ROW and (roles := table_roles(item.cells)) is not None:
            area.table = roles  # the header row of a measure table
            return True
        m = marker(item.text)
        if item.kind is BlockKind.ROW and m is None and not is_sentence(item.cells[0]):
            area.measures.append(_table_measure(item, {0: "measure"}))  # measure | actions
            return True
        current = area.measures[-1] if area.measures else None
        if m is None and item.kind is BlockKind.PARAGRAPH and item.level and current is not None:
            current.actions.append((item.text, (), [item]))  # a line of the measure's list item
            return True
        if m is None:
            standalone = item.kind is BlockKind.HEADING or is_structural(item.fold)
            if current is not None and not item.blank_before and not standalone:
                target = current.actions[-1] if current.actions else None
                if target is None and current.numbered and is_sentence(item.text):
                    current.actions.append((item.text, (), [item]))  # what ① … goes on to say
                elif target is None:
                    current.title = smart_join(current.title, normalize_text(item.fold))
                    current.items.append(item)
                else:
                    text, flags, its = target
                    current.actions[-1] = (smart_join(text, item.text), flags, [*its, item])
                return True
            return False
        mark = m[0]
        if mark in ACTION_MARKS:
            if current is None:
                return False
            self._actions(current, item, _after_mark(item.fold), first_is_title=False)
            return True
        if mark in MEASURE_MARKS or mark in "-*":
            is_bullet = mark in "・-*•"
            statement = current is None and is_bullet and self.bullets_are_statements
            if statement and not _leads_actions(item, m[1], nxt):
                return False
            if current is not None and area.marks and mark != area.marks:
                self._actions(current, item, _after_mark(item.fold), first_is_title=False)
                return True
            if not area.marks:
                area.marks = mark
            meas = _Measure("", (), [item])
            self._actions(meas, item, _after_mark(item.fold), first_is_title=True)
            area.measures.append(meas)
            return True
        return False

    @staticmethod
    def _actions(meas: _Measure, item: Block, rest: str, *, first_is_title: bool) -> None:
        pieces: list[str] = []
        for col_no, column in enumerate(_columns(rest)):
            parts = _ACTION_SPLIT.split(column)
            if col_no > 0 or not first_is_title:  # 「・A ・B」 in an action column: two actions
                pieces.extend(piece for part in parts for piece in _BULLET_SPLIT.split(part))
            else:
                pieces.append(parts[0])
                pieces.extend(["\x00" + p for p in parts[1:]])
        title_set = not first_is_title
        for piece in pieces:
            piece = piece.removeprefix("\x00")
            text, flags = split_flags(piece)
            if not text:
                continue
            if not title_set:
                meas.title, meas.flags = text, flags
                title_set = True
            else:
                meas.actions.append((text, flags, [item]))


# header cells of a measure table, and the role of their column
_TABLE_HEADERS = {
    "measure": re.compile(r"^(主な)?(取組|事業|施策)(名|項目)?$|^事業名$|^主な取組$"),
    "action": re.compile(r"^(主な|具体的な)?(取組)?(内容|事業内容|具体的な内容|取組|概要)$"),
    "sections": re.compile(r"^(担当|所管)(課|部署|課等)?$"),
}
_AREA_HEADER = re.compile(r"^(施策|施策の柱|柱|重点施策|施策分野|分野)(\((施策|柱)\))?$")


def table_roles(cells: list[str]) -> dict[int, str] | None:
    """{column: role} when the cells are the header row of a measure table, else None."""
    roles: dict[int, str] = {}
    for index, cell in enumerate(cells):
        text = _header(cell)
        role = next((r for r, pattern in _TABLE_HEADERS.items() if pattern.match(text)), None)
        if role is None and _AREA_HEADER.match(text):
            role = "area"  # 施策（柱）
        if role is None:
            return None
        roles[index] = role
    measures = [i for i, role in roles.items() if role == "measure"]
    if len(measures) == 2:  # 施策 | 主な取組: the first names the pillar of each row
        pillar = next((i for i in measures if _AREA_HEADER.match(_header(cells[i]))), None)
        if pillar is not None:
            roles[pillar] = "area"
    if list(roles.values()).count("measure") != 1 or len(roles) < 2:
        return None
    return roles


def _header(cell: str) -> str:
    return normalize_text(cell).replace(" ", "").strip("【】[]")


def _split_cell(cell: str) -> list[str]:
    """The actions in one table cell: each after its own marker, or the whole cell."""
    parts = re.split(r"(?:^|\s)[▶▷►→⇒・•]\s*", cell.strip())
    return [p for p in (normalize_text(p) for p in parts) if p]


def _table_measure(row: Block, roles: dict[int, str]) -> _Measure:
    """A measure from a row of a measure table: its title, actions and 担当 sections."""
    measure = _Measure("", (), [row])
    sections: list[str] = []
    for index, cell in enumerate(row.cells):
        role = roles.get(index, "action")
        if role == "measure":
            text = normalize_text(cell)
            m = marker(text)
            measure.title, measure.flags = split_flags(m[1] if m else text)
        elif role == "sections":
            sections.extend(section_names(cell))
        elif role == "area":
            continue  # the pillar the row belongs to: the reader of part II places it
        else:
            for piece in _split_cell(cell):
                text, flags = split_flags(piece)
                measure.actions.append((text, flags, [row]))
    measure.sections = tuple(sections)
    return measure


# ▶ ▷ ► always mark an action; → and ⇒ only at the start or after white space,
# since "自宅→避難所" is an arrow inside a sentence.
_BULLET_SPLIT = re.compile(r"(?:^|\s+)[・•]\s*")
_ACTION_SPLIT = re.compile(r"\s*[▶▷►]\s*|(?:^|\s+)[→⇒]\s*")


def _columns(rest: str) -> list[str]:
    """The TAB-separated columns of a measure or action line.

    A run of two or more spaces is a column break only when an action marker
    follows it; otherwise it is a PDF gap inside one title ("防災  拠点の運営").
    """
    return [c for c in re.split(r"\t+", rest.strip()) if c.strip()] or [""]


def _leads_actions(item: Block, rest: str, nxt: Block | None) -> bool:
    """A bullet that carries actions (on its line, on the next, or on the lines of its
    list item) is a measure."""
    after = None if nxt is None else marker(nxt.text)
    if after is not None and after[0] in ACTION_MARKS:
        return True
    if nxt is not None and nxt.kind is BlockKind.PARAGRAPH and nxt.level and not nxt.blank_before:
        return True  # <li><strong>measure</strong><br>action …
    inline = len(item.cells) > 1 or bool(_ACTION_SPLIT.search(rest))
    return inline and not is_sentence(rest)


def _after_mark(fold: str) -> str:
    s = fold.strip()
    return s[1:] if s else s


# ---------------------------------------------------------------- regions


_READING_ORDER = ("pre", "part1", "part2", "part3", "sections", "contact")


@dataclass
class _Region:
    kind: str  # "pre", "part1", "part2", "part3", "sections", "contact"
    heading: Block | None
    items: list[Block] = field(default_factory=list)


def _regions(items: list[Block], parts: dict[int, int]) -> list[_Region]:
    """The document cut at its part headings, 各職場の取組目標 and お問合せ先.

    A part met again (a plan published as several pages, each under the same
    part's heading; 「II」 then 目標達成に向けた施策 on the next line; 各職場の
    取組目標（2/2）) goes on in the region it began, so pillars announced in one
    file are detailed in another.
    """
    regions = [_Region("pre", None)]
    current = regions[0]
    began: dict[str, _Region] = {}
    late = False  # after 各職場の取組目標, part headings no longer count
    for item in items:
        kind: str | None = None
        if is_sections_heading(item.text):
            kind, late = "sections", True
        elif is_contact_heading(item.text) and not marker(item.text):
            kind, late = "contact", True
        elif not late:
            part = parts.get(item.first)
            kind = None if part is None else f"part{part}"
        if kind is None:
            current.items.append(item)
        elif kind in began and kind != "contact":
            item.placed = True
            current = began[kind]
        else:
            current = began[kind] = _Region(kind, item)
            regions.append(current)
    return regions


# ---------------------------------------------------------------- part I


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


def _basic_goal(items: list[Block], above: list[Block] | None = None) -> BasicGoal | None:
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
        _at(item)
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


# ---------------------------------------------------------------- part II


def _area_heading(item: Block) -> bool:
    return is_heading(item.fold, item.text) and not is_skip_heading(item.text)


def _find_area(areas: list[_Area], item: Block, *, fuzzy: bool = False) -> _Area | None:
    """The area a heading names again (a measure list heading such as 【減災】)."""
    number, name, _ = parse_heading(item.fold)
    k = key(name)
    for area in areas:
        if key(area.name) == k:
            return area
    for area in areas:
        ak = key(area.name)
        if fuzzy and len(k) >= 2 and len(ak) >= 2 and (ak.startswith(k) or k.startswith(ak)):
            return area
    if number is not None and not k:
        return next((a for a in areas if a.number == number), None)
    return None


def _read_part2(region: _Region) -> tuple[str, list[_Area]]:
    intro: list[Block] = []
    areas: list[_Area] = []
    current: _Area | None = None
    pillar_way: str | None = None  # how the first pillar is numbered
    pillar_level = 0  # the level of the first pillar's heading (h3 …): a deeper one is a measure
    area_table: dict[int, str] | None = None  # the roles of a table whose rows name their pillar
    reader = _MeasureReader(bullets_are_statements=True)
    items = region.items
    place(*items)
    for idx, item in enumerate(items):
        _at(item)
        nxt = items[idx + 1] if idx + 1 < len(items) else None
        roles = table_roles(item.cells) if item.kind is BlockKind.ROW else None
        if roles is not None and "area" in roles.values():
            area_table = roles  # 施策 | 主な取組 | 担当課: the pillar is a column
            continue
        if area_table is not None and item.kind is BlockKind.ROW:
            current = _row_of_area_table(item, area_table, areas, current)
            continue
        if current is not None and reader.feed(current, item, nxt):
            continue
        if is_skip_heading(item.text):
            continue
        if _area_heading(item):
            again = _find_area(areas, item)
            if again is not None:
                current = again
                continue
            way = numbering(item.fold)
            deeper = item.kind is BlockKind.HEADING and 0 < pillar_level < item.level
            if current is not None and (deeper or _numbers_a_measure(way, pillar_way)):
                _, name, _ = parse_heading(item.fold)
                measure = _Measure("", (), [item], numbered=True)
                measure.title, measure.flags = split_flags(name)
                current.measures.append(measure)
                current.marks = current.marks or "#"
                continue
            number, name, says = parse_heading(item.fold)
            if not areas:
                pillar_way = way
                pillar_level = item.level if item.kind is BlockKind.HEADING else 0
            current = _Area(item, number, name, says)
            areas.append(current)
            continue
        if current is None:
            intro.append(item)
            continue
        m = marker(item.text)
        if m and m[0] not in ACTION_MARKS:
            current.statements.append((normalize_text(m[1]), item))
        elif current.statements and not current.description and not item.blank_before:
            text, first = current.statements[-1]
            current.statements[-1] = (smart_join(text, item.text), first)
            current.description.append(item)
        else:
            current.description.append(item)
    text = ""
    for item in intro:
        text = smart_join(text, item.text)
    return text, areas


def _row_of_area_table(
    row: Block, roles: dict[int, str], areas: list[_Area], current: _Area | None
) -> _Area | None:
    """A row of a table whose first column names the pillar: the measure goes to that pillar.

    A row with the pillar's cell left out (it spans the rows above) stays with the
    pillar of the row before.
    """
    pillar = next(i for i, role in roles.items() if role == "area")
    if len(row.cells) < len(roles) and current is not None:
        rest = [role for i, role in sorted(roles.items()) if i != pillar]
        current.measures.append(_table_measure(row, dict(enumerate(rest))))
        return current
    name_cell = row.cells[pillar] if pillar < len(row.cells) else ""
    number, name, says = parse_heading(name_cell)
    area = next((a for a in areas if key(a.name) == key(name)), None)
    if area is None:
        area = _Area(row, number, name, says)
        areas.append(area)
    area.measures.append(_table_measure(row, roles))
    return area


def _numbers_a_measure(way: str | None, pillar_way: str | None) -> bool:
    """A heading numbered another way than the pillars (① or (1) under 1 …) is a measure."""
    if way is None or way == pillar_way:
        return False
    return pillar_way is not None or way in ("circled", "paren")


_ANNOUNCED = re.compile(
    r"次の\s*([0-9一二三四五六七八九十]{1,2})\s*つの\s*(?:柱|施策|重点|目標|視点|分野|テーマ)"
)
_KANJI_NUMBERS = {c: n for n, c in enumerate("一二三四五六七八九十", start=1)}


def announced_count(intro: str) -> int | None:
    """The number of pillars the text states: 「次の3つの柱」 → 3."""
    m = _ANNOUNCED.search(intro)
    if m is None:
        return None
    word = m.group(1)
    return int(word) if word.isdigit() else _KANJI_NUMBERS.get(word)


def _cross_cutting(areas: list[_Area], intro: str) -> tuple[list[_Area], list[Statement]]:
    """Split off bracketed blocks after the pillars (【協働による取組】) that are no pillar.

    Such a block has no number and no measures, and stands after numbered
    pillars or past the number of pillars the text announces.
    """
    announced = announced_count(intro)
    kept: list[_Area] = []
    statements: list[Statement] = []
    for area in areas:
        text = area.heading.text
        bracketed = text[:1] in "【[〔" and text.rstrip()[-1:] in "】]〕"
        beyond = announced is not None and len(kept) >= announced
        after_numbered = bool(kept) and all(a.number is not None for a in kept)
        if bracketed and area.number is None and not area.measures and (beyond or after_numbered):
            body = ""
            for item in area.description:
                body = smart_join(body, item.text)
            for statement, _ in area.statements:
                body = smart_join(body, statement)
            used = [area.heading, *area.description, *(b for _, b in area.statements)]
            statements.append(Statement(area.name, body, source_of(used)))
        else:
            kept.append(area)
    return kept, statements


def _priorities(intro: str) -> set[str]:
    """Names the intro marks as 重点: 「減災」「賑わい」…を重点として."""
    names: set[str] = set()
    for sentence in re.split(r"(?<=。)", intro):
        if "重点" in sentence:
            names.update(key(n) for n in re.findall(r"「([^」]{1,20})」", sentence))
    return names


def _finish_areas(areas: list[_Area], intro: str, known: list[str]) -> tuple[FocusArea, ...]:
    named = _priorities(intro)
    out: list[FocusArea] = []
    for area in areas:
        description = ""
        statement_lines = {n for _, it in area.statements for n in it.lines}
        desc_items = [i for i in area.description if not set(i.lines) & statement_lines]
        for item in desc_items:
            description = smart_join(description, item.text)
        desc_src_items = desc_items or [it for _, it in area.statements]
        heading_text = area.heading.text
        first_sentence = description.split("。", 1)[0]
        if _FOUNDATION.search(heading_text) or _FOUNDATION_ROLE.search(first_sentence):
            kind = AreaKind.FOUNDATION
        elif _CATCH_ALL.search(area.name):
            kind = AreaKind.CATCH_ALL
        else:
            kind = AreaKind.FOCUS
        ak = key(area.name)
        priority = (
            area.says_priority
            or "重点" in heading_text
            or any(ak == n or (len(n) >= 2 and ak.startswith(n)) for n in named)
        )
        out.append(
            FocusArea(
                name=area.name,
                source=area.heading.source(),
                number=area.number,
                description=description,
                description_source=source_of(desc_src_items) if desc_src_items else None,
                statements=tuple(t for t, _ in area.statements),
                is_priority=priority and kind is AreaKind.FOCUS,
                kind=kind,
                measures=tuple(m.build(known) for m in area.measures),
            )
        )
    return tuple(out)


# ---------------------------------------------------------------- part III


def _bullet_principle(item: Block, after: list[Block]) -> bool:
    """ "・区役所全体のチーム力を生かした運営" over its paragraph: a principle, not a measure."""
    m = marker(item.text)
    if m is None or m[0] not in MEASURE_MARKS + "-*" or len(item.cells) > 1:
        return False
    title = m[1].strip()
    if not title or len(title) > 40 or is_sentence(title) or _ACTION_SPLIT.search(title):
        return False
    nxt = marker(after[0].text) if after else None
    return nxt is None or nxt[0] not in ACTION_MARKS


def _read_part3(region: _Region, areas: list[_Area]) -> tuple[str, list[Principle]]:
    intro = ""
    principles: list[tuple[Block, list[Block]]] = []
    current_area: _Area | None = None
    reader = _MeasureReader(bullets_are_statements=False)
    items = region.items
    place(*items)
    for idx, item in enumerate(items):
        _at(item)
        nxt = items[idx + 1] if idx + 1 < len(items) else None
        if current_area is not None and reader.feed(current_area, item, nxt):
            continue
        if is_skip_heading(item.text):
            continue
        if _area_heading(item):
            m = None if nxt is None else marker(nxt.text)
            lists_follow = m is not None and m[0] in MEASURE_MARKS + "-"
            area = _find_area(areas, item, fuzzy=lists_follow)
            if area is not None:
                current_area = area
                continue
            if lists_follow:
                raise PlanError(
                    f"measure list heading {item.text!r} matches no focus area", line=item.first
                )
            current_area = None
            principles.append((item, []))
            continue
        if current_area is None and _bullet_principle(item, items[idx + 1 : idx + 2]):
            principles.append((item, []))
            continue
        if current_area is not None:
            item.placed = False  # prose between measure lists: reported, not guessed at
            continue
        if principles:
            principles[-1][1].append(item)
        else:
            intro = smart_join(intro, item.text)
    out: list[Principle] = []
    for heading, body in principles:
        title = _after_mark(heading.fold) if marker(heading.text) else heading.fold
        number, name, _ = parse_heading(title)
        text = ""
        for item in body:
            text = smart_join(text, item.text)
        out.append(Principle(name, source_of([heading, *body]), text, number))
    return intro, out


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Hints:
    """What is known of a plan besides its text: from the manifest or the command line."""

    ward_name: str | None = None  # 南区
    fiscal_year: int | None = None
    city_name: str | None = None


@dataclass(frozen=True)
class ReadingWarning:
    """A block of the document that found no place in the plan."""

    line: int  # 1-based line of the document's text
    where: str  # its place in the file as published: "plan.html:120", "plan.pdf p.3 y=412"
    text: str  # the block's text, normalised
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}: {self.text[:60]}"


@dataclass(frozen=True)
class Reading:
    """A plan as read from a document, with what could not be placed in it."""

    plan: Plan
    document: Document
    warnings: tuple[ReadingWarning, ...]
    placed: int  # content blocks that found their place
    content: int  # content blocks in all (page furniture not counted)

    @property
    def coverage(self) -> float:
        return 1.0 if self.content == 0 else self.placed / self.content


_INTERNAL = (
    ValueError,
    LookupError,
    TypeError,
    AttributeError,
    AssertionError,
    ArithmeticError,
    RecursionError,
)


def read_document_plan(document: Document, hints: Hints | None = None) -> Reading:
    """Read the plan in a Document; raise PlanError when it holds none.

    A bug of the reader on odd input must not surface as a traceback: any
    unexpected internal error becomes a one-line PlanError that names the
    line being read when one is known.
    """
    filename = document.files[0] if len(document.files) == 1 else None
    token = _READING.set(None)
    try:
        return _read(document, hints or Hints())
    except PlanError as err:
        line = err.line
        if line is not None and 0 < line <= len(document.origins):
            origin = document.origin(line)
            raise PlanError(err.message, line=origin.line, filename=str(origin.file)) from None
        raise err.with_filename(filename or ", ".join(document.files)) from None
    except _INTERNAL as err:
        line = _READING.get()
        where = None if line is None else document.origin(line)
        raise PlanError(
            f"could not read the document ({type(err).__name__})",
            line=None if where is None else where.line,
            filename=str(where.file) if where else (filename or ", ".join(document.files)),
        ) from None
    finally:
        _READING.reset(token)


def parse_plan(text: str, *, filename: str | None = None) -> Plan:
    """Parse the text of one 区運営方針 (a plain-text document); raise PlanError otherwise."""
    from .formats.text import text_document

    return read_document_plan(text_document(text, filename or "<text>")).plan


def _find_title(blocks: list[Block]) -> int | None:
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


def _ward_in_contact(blocks: list[Block]) -> str | None:
    """The ward named by the document's own contact block (or its last lines)."""
    for block in reversed(blocks):
        m = _WARD_OFFICE.search(block.text)
        if m and m.group(1) != "区":
            return m.group(1)
    return None


_BARE_NUMERAL = re.compile(r"^(?:\d{1,2}|[IVX]{1,4}|[TUV]|[①-⑳])[.．]?$")


_PART_WORDS = re.compile(r"基本目標|施策|主な取組|組織運営|取組目標")


def _title_part_line(block: Block) -> bool:
    """The second line of a repeated title: the parts a later file holds.

    「令和7年度 ○○区運営方針」 over 「各柱の主な取組・各職場の取組目標」 at the head
    of a plan's second file names what the file holds; it heads nothing.
    """
    text = block.text
    if len(text) > 40 or is_sentence(text) or is_sections_heading(text):
        return False  # 各職場の取組目標（2/2） after a running title heads what follows
    return bool(_PART_WORDS.search(text))


def _furniture(block: Block, info_ward: str | None) -> bool:
    """A repeated title (a running header, the title of a later file), a lone numeral."""
    if _BARE_NUMERAL.match(block.text):
        return True
    title = parse_title_info(block.fold)
    return title is not None and (title.ward is None or title.ward == info_ward)


def _read(document: Document, hints: Hints) -> Reading:
    physical = document.blocks
    if not physical:
        raise PlanError("empty document")
    head = physical[0].text.lower()
    if head.startswith(("<!doctype", "<html", "<?xml")) or "<html" in document.text[:2000].lower():
        raise PlanError("an HTML page, not a plan document", line=physical[0].first)
    t = _find_title(physical)
    if t is None:
        raise PlanError("no title line such as '令和4年度 南区運営方針' found")
    title_block = physical[t]
    info = parse_title_info(title_block.fold)
    assert info is not None
    if info.fiscal_year is None and t > 0:  # 「令和6年度」 on the line above 「南区運営方針」
        joined = parse_title_info(physical[t - 1].fold + title_block.fold)
        if joined is not None and joined.fiscal_year is not None:
            t, info = t - 1, joined
            title_block.placed = True
            title_block = physical[t]
    after = physical[t + 1 :]
    parts = part_lines(after)
    breaks = set(parts) | {
        b.first for b in after if is_sections_heading(b.text) or is_contact_heading(b.text)
    }
    breaks |= _slogan_start(after, parts)
    items = join_wrapped(after, breaks)
    after_title = False  # the block before was a repeated title
    for item in items:
        if item.first not in parts and (
            _furniture(item, info.ward) or (after_title and _title_part_line(item))
        ):
            item.placed = True
            item.extra["furniture"] = True
            after_title = parse_title_info(item.fold) is not None
            continue
        after_title = False
    items = [i for i in items if not i.extra.get("furniture")]
    note_items = [i for i in items if i.text.startswith("※")]
    place(*note_items)
    notes = tuple(" ".join(r.strip() for r in i.raw) for i in note_items)
    items = [i for i in items if not i.text.startswith("※")]
    regions = _regions(items, parts)
    kinds = [r.kind for r in regions]
    if "part2" not in kinds and (pillars := _headed_pillars(regions[0])) is not None:
        regions.insert(1, pillars)
        kinds = [r.kind for r in regions]
    if "part2" not in kinds and "sections" not in kinds:
        raise PlanError(
            "no part II heading (目標達成に向けた施策) and no section goals (各職場の取組目標)"
            " after the title; not a plan of this family",
            line=title_block.first,
        )

    basic_goal = None
    policy_intro = ""
    areas: list[_Area] = []
    statements: list[Statement] = []
    organisation_intro = ""
    principles: list[Principle] = []
    part2_heading: Block | None = None
    sections: list[SectionEntry] = []
    contact: Contact | None = None
    # parts are read in their own order, whatever the document's: part III's measure
    # lists need part II's areas even where 組織運営 comes first
    for region in sorted(regions, key=lambda r: _READING_ORDER.index(r.kind)):
        _at(region.heading)
        place(region.heading)
        if region.kind == "part1" and basic_goal is None:
            basic_goal = _basic_goal(region.items, above=regions[0].items)
        elif region.kind == "part2" and part2_heading is None:
            part2_heading = region.heading
            policy_intro, areas = _read_part2(region)
            areas, statements = _cross_cutting(areas, policy_intro)
        elif region.kind == "part3" and areas:
            organisation_intro, principles = _read_part3(region, areas)
        elif region.kind == "sections":
            sections.extend(parse_sections(region.items))
            place(*region.items)
        elif region.kind == "contact" and region.heading is not None and contact is None:
            contact = parse_contact(region.heading, region.items)
            place(*region.items)
    skeleton = part2_heading or title_block  # where a plan without a skeleton is reported
    if basic_goal is None and "part1" not in kinds and regions[0].items:
        basic_goal = _basic_goal(regions[0].items)  # a slogan right under the title
    if not any(area.measures for area in areas) and not sections:
        raise PlanError(
            "no focus area with measures and no section goals; not a plan of this family",
            line=skeleton.first,
        )
    if len(areas) > MAX_AREAS:
        raise PlanError(
            f"found {len(areas)} focus areas; a plan has at most {MAX_AREAS}",
            line=skeleton.first,
        )
    ward_name = info.ward or hints.ward_name or _ward_in_contact(after[-12:])
    fiscal_year = info.fiscal_year or hints.fiscal_year
    if ward_name is None:
        raise PlanError(
            "the title names no ward; give it with --ward (or in the manifest)",
            line=title_block.first,
        )
    if fiscal_year is None:
        raise PlanError(
            "the title names no fiscal year; give it with --fiscal-year (or in the manifest)",
            line=title_block.first,
        )
    place(title_block)
    plan = Plan(
        title=info.title(ward_name, fiscal_year),
        ward_name=ward_name,
        fiscal_year=fiscal_year,
        source=title_block.source(),
        basic_goal=basic_goal,
        policy_intro=policy_intro,
        focus_areas=_finish_areas(areas, policy_intro, [entry.name for entry in sections]),
        statements=tuple(statements),
        organisation_intro=organisation_intro,
        principles=tuple(principles),
        sections=tuple(sections),
        contact=contact,
        city_name=info.city or hints.city_name,
        notes=notes,
    )
    return _reading(plan, document, [*physical[:t], *items, *note_items])


def _headed_pillars(pre: _Region) -> _Region | None:
    """Part II of a web page without part headings: from its first section heading on.

    What stands above (the slogan and its paragraph) stays for the basic goal,
    but for a sentence announcing the pillars (「次の3つの柱」), which opens part II.
    """
    start = next(
        (i for i, b in enumerate(pre.items) if b.kind is BlockKind.HEADING and b.level >= 2),
        None,
    )
    if start is None:
        return None
    while start > 0 and announced_count(pre.items[start - 1].text) is not None:
        start -= 1
    pillars = _Region("part2", None, pre.items[start:])
    pre.items = pre.items[:start]
    return pillars


def _slogan_start(blocks: list[Block], parts: dict[int, int]) -> set[int]:
    """The line of the first block under the 基本目標 heading: a slogan stands alone.

    A paragraph right under the slogan, with no blank line between, is its
    statement, not the rest of a wrapped sentence.
    """
    for index, block in enumerate(blocks):
        if parts.get(block.first) == 1:
            after = next((b for b in blocks[index + 1 :] if b.first not in parts), None)
            return set() if after is None else {after.first}
    return set()


def _reading(plan: Plan, document: Document, blocks: list[Block]) -> Reading:
    """The Reading of a plan: every block that found no place becomes a warning.

    So does a 担当 that names a section with no goal in the plan: its link
    cannot be made.
    """
    content = [b for b in blocks if not b.extra.get("furniture")]
    unplaced = [
        ReadingWarning(b.first, str(document.origin(b.first)), b.text, "not placed in the plan")
        for b in content
        if not b.placed
    ]
    goals = {entry.name for entry in plan.sections}
    unknown = [
        ReadingWarning(
            measure.source.first_line,
            str(document.origin(measure.source.first_line)),
            f"{measure.title}（担当：{name}）",
            "担当 names a section with no goal in this plan",
        )
        for measure in plan.measures
        for name in measure.sections
        if name not in goals
    ]
    return Reading(
        plan=plan,
        document=document,
        warnings=tuple(sorted(unplaced + unknown, key=lambda w: w.line)),
        placed=len(content) - len(unplaced),
        content=len(content),
    )
