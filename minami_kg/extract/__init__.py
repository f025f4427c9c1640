"""Reading a ward office's 区運営方針 into the plain `Plan` model.

This package knows nothing of RDF. A format reader turns each published file
(text, a CMS page, a PDF) into blocks over lines of text (`formats`,
`blocks`); the plan reader, written once over blocks, finds the plan in them
and reports every block it could not place (`parser`).
"""

from __future__ import annotations

from pathlib import Path

from .blocks import Document, concatenate
from .decode import decode
from .errors import PlanError
from .formats import SUFFIXES, read_document
from .model import Plan
from .normalize import normalize_text
from .parser import parse_plan, read_document_plan
from .reading import Hints, Reading, ReadingWarning
from .title import parse_title

__all__ = [
    "SUFFIXES",
    "Document",
    "Hints",
    "PlanError",
    "Reading",
    "ReadingWarning",
    "concatenate",
    "decode",
    "normalize_text",
    "parse_plan",
    "parse_title",
    "read_document",
    "read_document_plan",
    "read_plan",
    "read_reading",
]


def read_reading(
    paths: list[Path], *, hints: Hints | None = None, encoding: str | None = None
) -> Reading:
    """Read the files of one plan, in order, and the plan in them."""
    documents = [read_document(path, encoding=encoding) for path in paths]
    document = documents[0] if len(documents) == 1 else concatenate(documents)
    return read_document_plan(document, hints)


def read_plan(path: Path, *, encoding: str | None = None) -> Plan:
    """Read one plan file; errors name the file."""
    return read_reading([path], encoding=encoding).plan
