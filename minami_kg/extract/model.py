"""The plan model: what a 区運営方針 document says, as plain frozen dataclasses.

This is the boundary between `extract` and everything downstream. It knows
nothing of RDF, IRIs or slugs; every element keeps where it was read
(`Source`: 1-based line numbers and the verbatim text of those lines), so that
later stages can cite the document line by line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class Source:
    """Where an element was read: 1-based line numbers and those lines verbatim.

    `text` is the decoded text of the lines, joined by "\\n", exactly as they
    stand in the file (no normalisation), so it can be quoted as evidence.
    """

    lines: tuple[int, ...]
    text: str

    @property
    def first_line(self) -> int:
        return self.lines[0]


class AreaKind(StrEnum):
    """What role a block under section II plays in the plan."""

    FOCUS = "focus"  # an ordinary focus area (減災, 賑わい …)
    FOUNDATION = "foundation"  # the block that underpins the others (地域の力)
    CATCH_ALL = "catch-all"  # 着実に取り組む事業・業務


@dataclass(frozen=True)
class Action:
    """A concrete action (▶) under a measure."""

    text: str
    source: Source
    flags: tuple[str, ...] = ()  # e.g. ("新規",) from （新規） or NEW


@dataclass(frozen=True)
class Measure:
    """A measure (●) of a focus area, with its actions in document order."""

    title: str
    source: Source
    actions: tuple[Action, ...] = ()
    flags: tuple[str, ...] = ()
    # the sections a 担当 annotation (「（担当：地域振興課）」) or a 担当課 column names
    sections: tuple[str, ...] = ()


@dataclass(frozen=True)
class FocusArea:
    """A focus area (施策 / 重点): its name, its description and its measures.

    `number` is the number the document gives it (「1 安全・安心なまちづくり」,
    施策1, ①, (1), 【1】), or None for bare names such as 減災.
    `statements` holds bullet sentences of the description (the catch-all
    block often has them instead of a paragraph).
    """

    name: str
    source: Source
    number: int | None = None
    description: str = ""
    description_source: Source | None = None
    statements: tuple[str, ...] = ()
    is_priority: bool = False
    kind: AreaKind = AreaKind.FOCUS
    measures: tuple[Measure, ...] = ()


@dataclass(frozen=True)
class Statement:
    """A plan-wide statement after the pillars (【協働による取組】 and its text), not an area."""

    title: str
    text: str
    source: Source


@dataclass(frozen=True)
class BasicGoal:
    """The plan's 基本目標: a slogan, an optional 〜subtitle〜 and bullets."""

    slogan: str
    source: Source
    subtitle: str | None = None
    statements: tuple[str, ...] = ()


@dataclass(frozen=True)
class Principle:
    """An organisational principle listed under section III (組織運営)."""

    title: str
    source: Source
    text: str = ""
    number: int | None = None


@dataclass(frozen=True)
class SectionEntry:
    """One entry of 各職場の取組目標: a section of the ward office and its goal.

    `sites` lists the facilities one entry names together
    (市立保育園 しろばら、永田、井土ヶ谷 → name 市立保育園, three sites).
    """

    name: str
    goal: str
    source: Source
    sites: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contact:
    """The enquiries block (お問合せ先) at the end of the document."""

    source: Source
    office: str = ""  # the window or office named, as written
    telephone: str | None = None
    fax: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Plan:
    """One operating policy (区運営方針) of one ward for one fiscal year."""

    title: str  # the title line, normalised: 令和4年度 南区運営方針
    ward_name: str  # 南区
    fiscal_year: int  # 2022 for 令和4年度
    source: Source  # the title line
    basic_goal: BasicGoal | None = None
    policy_intro: str = ""  # the paragraph that opens section II
    focus_areas: tuple[FocusArea, ...] = ()
    statements: tuple[Statement, ...] = ()  # cross-cutting statements of part II
    organisation_intro: str = ""  # the paragraph that opens section III
    principles: tuple[Principle, ...] = ()
    sections: tuple[SectionEntry, ...] = ()
    contact: Contact | None = None
    city_name: str | None = None  # 横浜市, when the document names it
    notes: tuple[str, ...] = field(default=())  # ※ footnotes, verbatim

    @property
    def measures(self) -> tuple[Measure, ...]:
        return tuple(m for area in self.focus_areas for m in area.measures)

    @property
    def actions(self) -> tuple[Action, ...]:
        return tuple(a for m in self.measures for a in m.actions)
