"""The one form every published format is read into: blocks over lines of text.

A ward publishes its plan as plain text, as pages of its web CMS or as PDFs.
Each format has a reader (`minami_kg.extract.formats`) that turns a file into a
`Document`: the document's text as lines (what a `Source` line number points
at, and what the source view shows), where each line came from in the file as
published (`Origin`), and the blocks over those lines. The plan reader is
written once, over blocks, and never sees a format.

A block is a heading (with its level), a paragraph, a list item (its marker
written at the start of its text) or a table row (its cells). Readers give one
block per physical line of text or PDF, one per element of HTML; sentences
wrapped over several lines are joined afterwards (`lines.join_wrapped`), the
same way for every format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .model import Source
from .normalize import normalize_text


class BlockKind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    ITEM = "item"
    ROW = "row"


@dataclass(frozen=True)
class Origin:
    """Where a line of the document's text stands in the file as published."""

    file: str
    line: int | None = None  # 1-based line of a text or HTML file
    page: int | None = None  # 1-based page of a PDF
    top: float | None = None  # distance from the top of that page, in points

    def __str__(self) -> str:
        if self.page is not None:
            where = f"p.{self.page}" + ("" if self.top is None else f" y={self.top:.0f}")
            return f"{self.file} {where}"
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass
class Block:
    """One heading, paragraph, list item or table row, and the lines it was read from.

    `cells` holds the width-folded text of each table cell (one cell for every
    other kind); `fold` is the cells joined by TAB, `text` the normalised text.
    `placed` is set by the plan reader when the block has found its place in the
    plan (or is known page furniture), so what is left over can be reported.
    """

    kind: BlockKind
    cells: list[str]
    lines: list[int]  # 1-based lines of the document's text
    raw: list[str]  # those lines verbatim
    level: int = 0  # a heading's level, 1 to 4
    blank_before: bool = False  # a blank line, a rule, a new element or a new page before it
    page_break: bool = False  # a new page (or a page marker) since the block before
    placed: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def fold(self) -> str:
        return "\t".join(self.cells)

    @property
    def text(self) -> str:
        return normalize_text(" ".join(self.cells))

    @property
    def first(self) -> int:
        return self.lines[0]

    def source(self) -> Source:
        return Source(tuple(self.lines), "\n".join(self.raw))


def source_of(blocks: list[Block]) -> Source:
    """The Source of several blocks, in line order."""
    pairs = sorted({(n, r) for b in blocks for n, r in zip(b.lines, b.raw, strict=True)})
    return Source(tuple(n for n, _ in pairs), "\n".join(r for _, r in pairs))


def place(*blocks: Block | None) -> None:
    """Mark blocks as read into the plan."""
    for block in blocks:
        if block is not None:
            block.placed = True


@dataclass
class Document:
    """A file (or the files of one plan) read into lines of text and blocks."""

    lines: list[str]  # the text as read; Source line numbers count these, from 1
    origins: list[Origin]  # where each line came from
    blocks: list[Block]
    files: tuple[str, ...]
    media_types: tuple[str, ...] = ()  # text/plain, text/html, application/pdf per file

    def origin(self, line: int) -> Origin:
        return self.origins[line - 1]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def concatenate(documents: list[Document]) -> Document:
    """The documents of a plan published as several files, one after the other.

    Line numbers of later files are shifted so that every line of the plan has
    one number; each block of a later file starts after a page break.
    """
    lines: list[str] = []
    origins: list[Origin] = []
    blocks: list[Block] = []
    for document in documents:
        offset = len(lines)
        lines.extend(document.lines)
        origins.extend(document.origins)
        for index, block in enumerate(document.blocks):
            block.lines = [n + offset for n in block.lines]
            if index == 0 and blocks:
                block.blank_before = block.page_break = True
            blocks.append(block)
    return Document(
        lines=lines,
        origins=origins,
        blocks=blocks,
        files=tuple(f for d in documents for f in d.files),
        media_types=tuple(t for d in documents for t in d.media_types),
    )
