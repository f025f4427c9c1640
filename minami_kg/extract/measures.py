"""Measures and their actions, as a plan lists them: marked lines, numbered items, table rows.

The plan reader (`parser`) finds the areas; what it meets inside one is fed to a
`MeasureReader`, which knows the ways measures are written (● measure ▶ action on a
line or below it, 「・」 bullets, a table with a header row, a 担当 annotation) and
builds the drafts that become `Measure`s once the plan's sections are known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .blocks import Block, BlockKind, source_of
from .lines import ACTION_MARKS, MEASURE_MARKS, is_sentence, is_structural, marker
from .model import Action, Measure
from .normalize import normalize_text, smart_join

_FLAG = re.compile(
    r"[【(\[〈<]\s*(新規|NEW|New|new|拡充|重点)\s*[】)\]〉>]|(?<![A-Za-z])NEW!?(?![A-Za-z])"
)
_FLAG_NAMES = {"new": "NEW", "新規": "新規", "拡充": "拡充", "重点": "重点"}


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
class MeasureDraft:
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
class AreaDraft:
    heading: Block
    number: int | None
    name: str
    says_priority: bool
    description: list[Block] = field(default_factory=list)
    statements: list[tuple[str, Block]] = field(default_factory=list)
    measures: list[MeasureDraft] = field(default_factory=list)
    marks: str = ""  # the marker its measures use (● or ◆ …), set by the first one
    table: dict[int, str] | None = None  # the roles of the columns of its measure table


class MeasureReader:
    """Feeds measure, action and bullet lines to an area."""

    def __init__(self, *, bullets_are_statements: bool):
        self.bullets_are_statements = bullets_are_statements

    def feed(self, area: AreaDraft, item: Block, nxt: Block | None = None) -> bool:
        """Take the item if it is a measure, an action or a continuation of one.

        `nxt` is the item after it: a bullet followed by an action line is a
        measure even where bullets are otherwise statements.
        """
        if item.kind is BlockKind.ROW and area.table is not None:
            area.measures.append(table_measure(item, area.table))
            return True
        if item.kind is BlockKind.ROW and (roles := table_roles(item.cells)) is not None:
            area.table = roles  # the header row of a measure table
            return True
        m = marker(item.text)
        if item.kind is BlockKind.ROW and m is None and not is_sentence(item.cells[0]):
            area.measures.append(table_measure(item, {0: "measure"}))  # measure | actions
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
            self._actions(current, item, after_mark(item.fold), first_is_title=False)
            return True
        if mark in MEASURE_MARKS or mark in "-*":
            is_bullet = mark in "・-*•"
            statement = current is None and is_bullet and self.bullets_are_statements
            if statement and not _leads_actions(item, m[1], nxt):
                return False
            if current is not None and area.marks and mark != area.marks:
                self._actions(current, item, after_mark(item.fold), first_is_title=False)
                return True
            if not area.marks:
                area.marks = mark
            meas = MeasureDraft("", (), [item])
            self._actions(meas, item, after_mark(item.fold), first_is_title=True)
            area.measures.append(meas)
            return True
        return False

    @staticmethod
    def _actions(meas: MeasureDraft, item: Block, rest: str, *, first_is_title: bool) -> None:
        pieces: list[str] = []
        for col_no, column in enumerate(_columns(rest)):
            parts = ACTION_SPLIT.split(column)
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


def table_measure(row: Block, roles: dict[int, str]) -> MeasureDraft:
    """A measure from a row of a measure table: its title, actions and 担当 sections."""
    measure = MeasureDraft("", (), [row])
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
ACTION_SPLIT = re.compile(r"\s*[▶▷►]\s*|(?:^|\s+)[→⇒]\s*")


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
    inline = len(item.cells) > 1 or bool(ACTION_SPLIT.search(rest))
    return inline and not is_sentence(rest)


def after_mark(fold: str) -> str:
    s = fold.strip()
    return s[1:] if s else s
