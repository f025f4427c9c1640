"""The blocks of a 区運営方針 to a `Plan`, and a `Reading` of what found no place.

The document is cut into regions at its boundaries (part headings I/II/III,
各職場の取組目標, お問合せ先); each region has its own small reader: the title
(`title`), the basic goal (`goal`), the areas of part II here, their measures
(`measures`), the sections (`sections`). Measure lists may sit under each area
in part II or be repeated after part III; both end up on the area they name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .blocks import Block, BlockKind, Document, place, source_of
from .errors import READING_LINE, PlanError, reading_at
from .goal import read_basic_goal
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
    join_wrapped,
    marker,
)
from .measures import (
    ACTION_SPLIT,
    AreaDraft,
    MeasureDraft,
    MeasureReader,
    after_mark,
    split_flags,
    table_measure,
    table_roles,
)
from .model import (
    AreaKind,
    Contact,
    FocusArea,
    Plan,
    Principle,
    SectionEntry,
    Statement,
)
from .normalize import normalize_text, smart_join
from .reading import Hints, Reading, build_reading
from .sections import parse_contact, parse_sections
from .title import find_title, is_furniture, parse_title_info, title_part_line, ward_in_contact

__all__ = ["parse_plan"]

MAX_AREAS = 12  # pillars of one plan; more means the reader took other headings for them
_FOUNDATION = re.compile(r"基盤|土台")
# The foundation block says in its heading or its first sentence that it
# underpins the others; a name such as 地域の力 alone does not make one.
_FOUNDATION_ROLE = re.compile(r"(施策|取組|全て|各).{0,8}(基盤|土台)|(基盤|土台)(として|となる)")
_CATCH_ALL = re.compile(r"着実に(取り組|推進|進め)|その他の取組|継続的に取り組")


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


# ---------------------------------------------------------------- part II


def _area_heading(item: Block) -> bool:
    return is_heading(item.fold, item.text) and not is_skip_heading(item.text)


def _find_area(areas: list[AreaDraft], item: Block, *, fuzzy: bool = False) -> AreaDraft | None:
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


def _read_part2(region: _Region) -> tuple[str, list[AreaDraft]]:
    intro: list[Block] = []
    areas: list[AreaDraft] = []
    current: AreaDraft | None = None
    pillar_way: str | None = None  # how the first pillar is numbered
    pillar_level = 0  # the level of the first pillar's heading (h3 …): a deeper one is a measure
    area_table: dict[int, str] | None = None  # the roles of a table whose rows name their pillar
    reader = MeasureReader(bullets_are_statements=True)
    items = region.items
    place(*items)
    for idx, item in enumerate(items):
        reading_at(item)
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
                measure = MeasureDraft("", (), [item], numbered=True)
                measure.title, measure.flags = split_flags(name)
                current.measures.append(measure)
                current.marks = current.marks or "#"
                continue
            number, name, says = parse_heading(item.fold)
            if not areas:
                pillar_way = way
                pillar_level = item.level if item.kind is BlockKind.HEADING else 0
            current = AreaDraft(item, number, name, says)
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
    row: Block, roles: dict[int, str], areas: list[AreaDraft], current: AreaDraft | None
) -> AreaDraft | None:
    """A row of a table whose first column names the pillar: the measure goes to that pillar.

    A row with the pillar's cell left out (it spans the rows above) stays with the
    pillar of the row before.
    """
    pillar = next(i for i, role in roles.items() if role == "area")
    if len(row.cells) < len(roles) and current is not None:
        rest = [role for i, role in sorted(roles.items()) if i != pillar]
        current.measures.append(table_measure(row, dict(enumerate(rest))))
        return current
    name_cell = row.cells[pillar] if pillar < len(row.cells) else ""
    number, name, says = parse_heading(name_cell)
    area = next((a for a in areas if key(a.name) == key(name)), None)
    if area is None:
        area = AreaDraft(row, number, name, says)
        areas.append(area)
    area.measures.append(table_measure(row, roles))
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


def _cross_cutting(areas: list[AreaDraft], intro: str) -> tuple[list[AreaDraft], list[Statement]]:
    """Split off bracketed blocks after the pillars (【協働による取組】) that are no pillar.

    Such a block has no number and no measures, and stands after numbered
    pillars or past the number of pillars the text announces.
    """
    announced = announced_count(intro)
    kept: list[AreaDraft] = []
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


def _finish_areas(areas: list[AreaDraft], intro: str, known: list[str]) -> tuple[FocusArea, ...]:
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
    if not title or len(title) > 40 or is_sentence(title) or ACTION_SPLIT.search(title):
        return False
    nxt = marker(after[0].text) if after else None
    return nxt is None or nxt[0] not in ACTION_MARKS


def _read_part3(region: _Region, areas: list[AreaDraft]) -> tuple[str, list[Principle]]:
    intro = ""
    principles: list[tuple[Block, list[Block]]] = []
    current_area: AreaDraft | None = None
    reader = MeasureReader(bullets_are_statements=False)
    items = region.items
    place(*items)
    for idx, item in enumerate(items):
        reading_at(item)
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
        title = after_mark(heading.fold) if marker(heading.text) else heading.fold
        number, name, _ = parse_heading(title)
        text = ""
        for item in body:
            text = smart_join(text, item.text)
        out.append(Principle(name, source_of([heading, *body]), text, number))
    return intro, out


# ---------------------------------------------------------------- the plan


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
    token = READING_LINE.set(None)
    try:
        return _read(document, hints or Hints())
    except PlanError as err:
        line = err.line
        if line is not None and 0 < line <= len(document.origins):
            origin = document.origin(line)
            raise PlanError(err.message, line=origin.line, filename=str(origin.file)) from None
        raise err.with_filename(filename or ", ".join(document.files)) from None
    except _INTERNAL as err:
        line = READING_LINE.get()
        where = None if line is None else document.origin(line)
        raise PlanError(
            f"could not read the document ({type(err).__name__})",
            line=None if where is None else where.line,
            filename=str(where.file) if where else (filename or ", ".join(document.files)),
        ) from None
    finally:
        READING_LINE.reset(token)


def parse_plan(text: str, *, filename: str | None = None) -> Plan:
    """Parse the text of one 区運営方針 (a plain-text document); raise PlanError otherwise."""
    from .formats.text import text_document

    return read_document_plan(text_document(text, filename or "<text>")).plan


def _read(document: Document, hints: Hints) -> Reading:
    physical = document.blocks
    if not physical:
        raise PlanError("empty document")
    head = physical[0].text.lower()
    if head.startswith(("<!doctype", "<html", "<?xml")) or "<html" in document.text[:2000].lower():
        raise PlanError("an HTML page, not a plan document", line=physical[0].first)
    t = find_title(physical)
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
            is_furniture(item, info.ward) or (after_title and title_part_line(item))
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
    areas: list[AreaDraft] = []
    statements: list[Statement] = []
    organisation_intro = ""
    principles: list[Principle] = []
    part2_heading: Block | None = None
    sections: list[SectionEntry] = []
    contact: Contact | None = None
    # parts are read in their own order, whatever the document's: part III's measure
    # lists need part II's areas even where 組織運営 comes first
    for region in sorted(regions, key=lambda r: _READING_ORDER.index(r.kind)):
        reading_at(region.heading)
        place(region.heading)
        if region.kind == "part1" and basic_goal is None:
            basic_goal = read_basic_goal(region.items, above=regions[0].items)
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
        basic_goal = read_basic_goal(regions[0].items)  # a slogan right under the title
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
    ward_name = info.ward or hints.ward_name or ward_in_contact(after[-12:])
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
    return build_reading(plan, document, [*physical[:t], *items, *note_items])


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
