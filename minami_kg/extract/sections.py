"""各職場の取組目標 (one goal per section of the ward office) and お問合せ先."""

from __future__ import annotations

import re

from .blocks import Block, BlockKind, source_of
from .headings import strip_number
from .lines import is_sentence, marker
from .model import Contact, SectionEntry
from .normalize import fold_width, normalize_text, smart_join

__all__ = ["parse_contact", "parse_sections", "split_section_name"]

_FACILITY = r"(?:保育園|幼稚園|園|センター|事務所|館|所)"
_OFFICE = r"(?:課|室|係|担当|" + _FACILITY[3:]
_WITH_SITES = re.compile(r"^(\S+?" + _OFFICE + r")\s*[(（]\s*(.+?)\s*[)）]$")
_SPACED_SITES = re.compile(r"^(\S+?" + _OFFICE + r")\s+(.+)$")


def split_section_name(fold: str) -> tuple[str, tuple[str, ...]]:
    """市立保育園 しろばら、永田、井土ヶ谷 → ("市立保育園", ("しろばら", "永田", "井土ヶ谷"))."""
    s = " ".join(fold_width(fold).split())
    for pattern in (_WITH_SITES, _SPACED_SITES):
        m = pattern.match(s)
        if not m:
            continue
        rest = m.group(2)
        many = re.search(r"[、,・]", rest)
        facility = re.search(_FACILITY + "$", m.group(1))
        one_site = facility is not None and len(rest) <= 12
        if many or one_site or pattern is _WITH_SITES:
            sites = tuple(normalize_text(x) for x in re.split(r"[、,・]", rest) if x.strip())
            return normalize_text(m.group(1)), sites
    return normalize_text(s), ()


def _name_and_goal(item: Block) -> tuple[str, str] | None:
    """Split a row "name | goal" (or "name   goal", spaced apart) into its two parts."""
    if len(item.cells) > 1:
        name, goal = item.cells[0], " ".join(item.cells[1:])
    else:
        parts = re.split(r"\s{3,}", item.cells[0].strip(), maxsplit=1)
        if len(parts) != 2:
            return None
        name, goal = parts
    if len(normalize_text(name)) > 30 or is_sentence(name) or marker(name):
        return None
    return name, normalize_text(goal)


_HEADER_CELL = re.compile(
    r"^(課|課名|職場|職場名|所属|所属名|部署|部署名|担当|(今年度の|各職場の|職場)?(取組)?目標)$"
)
_UNIT = re.compile(r"(課|室|係|所|センター|園|館|担当|事務所|局|部|窓口)(\s*[(（].*[)）])?$")
_BRACKETS = "【】[]〔〕〈〉<>《》"


def _section_name(item: Block) -> str | None:
    """The name a block gives alone: 総務課, 【総務課】, ◇総務課 (a heading of a page too)."""
    text = item.fold.strip()
    m = marker(normalize_text(text))
    if m is not None:  # ◇総務課: a marked name only where it names a unit, not a bullet sentence
        text = m[1].strip()
        if not _UNIT.search(normalize_text(text)):
            return None
    text = strip_number(text.strip(_BRACKETS + " ")).strip(_BRACKETS + " ")  # (1) 総務課
    plain = normalize_text(text)
    if not plain or len(plain) > 30 or is_sentence(plain):
        return None
    return text


def parse_sections(items: list[Block]) -> list[SectionEntry]:
    """One SectionEntry per section name, with the paragraph that follows it."""
    entries: list[tuple[str, tuple[str, ...], str, list[Block]]] = []
    for item in items:
        header = all(_HEADER_CELL.match(normalize_text(c)) for c in item.cells)
        if item.kind is BlockKind.ROW and header:
            continue  # the header row of a table of goals: 課名 | 目標
        split = _name_and_goal(item)
        if split is not None:
            name, sites = split_section_name(split[0])
            entries.append((name, sites, split[1], [item]))
        elif (name_text := _section_name(item)) is not None:
            name, sites = split_section_name(name_text)
            entries.append((name, sites, "", [item]))
        elif entries:
            name, sites, goal, its = entries[-1]
            entries[-1] = (name, sites, smart_join(goal, item.text), [*its, item])
    return [SectionEntry(n, g, source_of(its), s) for n, s, g, its in entries]


_NUMBER = r"(\(?\d{2,5}\)?[\d\-() ]{5,}\d)"
_TEL = re.compile(r"(?:電話|TEL|Tel|tel|℡|☎)(?:番号)?\s*[:：]?\s*" + _NUMBER)
_FAX = re.compile(r"(?:FAX|Fax|fax|ファクス|ファックス)(?:番号)?\s*[:：]?\s*" + _NUMBER)
_MAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LABEL = re.compile(r"電話|TEL|Tel|FAX|Fax|fax|ファクス|メール|mail|Mail|MAIL|@")


def parse_contact(heading: Block, items: list[Block]) -> Contact:
    """Office, telephone, fax and e-mail from the お問合せ先 block."""
    office = ""
    tel = fax = mail = None
    used = [heading]
    for item in items:
        text = normalize_text(item.fold)
        hit = False
        if tel is None and (m := _TEL.search(text)):
            tel, hit = m.group(1).replace(" ", ""), True
        if fax is None and (m := _FAX.search(text)):
            fax, hit = m.group(1).replace(" ", ""), True
        if mail is None and (m := _MAIL.search(text)):
            mail, hit = m.group(0), True
        if not hit and not office and not _LABEL.search(text):
            office, hit = text, True
        if hit:
            used.append(item)
    return Contact(source=source_of(used), office=office, telephone=tel, fax=fax, email=mail)
