"""The one exception the extractor raises for input that is not a plan."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .blocks import Block


class PlanError(ValueError):
    """The input is not a 区運営方針 of the family we read.

    It carries the file and line so a command line can print one useful line
    ("plan.txt:12: found 2 focus areas; a plan has 3 to 7") instead of a
    traceback.
    """

    def __init__(self, message: str, *, line: int | None = None, filename: str | None = None):
        self.message = " ".join(message.split())  # always a single line
        self.line = line
        self.filename = filename
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.filename, None if self.line is None else str(self.line)) if p]
        return ":".join([*parts, f" {self.message}"]) if parts else self.message

    def with_filename(self, filename: str | None) -> PlanError:
        """A copy that names the file, for errors raised before it was known."""
        if filename is None or self.filename is not None:
            return self
        return PlanError(self.message, line=self.line, filename=filename)


# The line being read, so that an unexpected internal error can still name it
# (`parser.read_document_plan` turns such an error into a PlanError at that line).
READING_LINE: ContextVar[int | None] = ContextVar("READING_LINE", default=None)


def reading_at(block: Block | None) -> None:
    """Note the block being read."""
    if block is not None:
        READING_LINE.set(block.first)
