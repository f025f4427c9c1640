"""What a reading gives: the plan, the document it was read from, and what found no place."""

from __future__ import annotations

from dataclasses import dataclass

from .blocks import Block, Document
from .model import Plan


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


def build_reading(plan: Plan, document: Document, blocks: list[Block]) -> Reading:
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
