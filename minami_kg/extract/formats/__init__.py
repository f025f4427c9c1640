"""Readers of the formats plans are published in, each giving a `Document` of blocks.

`.txt` (any encoding wards use), `.html`/`.htm` (a page of a city's CMS) and
`.pdf` (a text PDF). The suffix chooses the reader.
"""

from __future__ import annotations

from pathlib import Path

from ..blocks import Document
from ..errors import PlanError
from .html import read_html
from .pdf import read_pdf
from .text import read_text

__all__ = ["SUFFIXES", "read_document"]

SUFFIXES = (".txt", ".text", ".html", ".htm", ".pdf")


def read_document(path: Path, *, encoding: str | None = None) -> Document:
    """Read one published file into a Document; PlanError names the file."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise PlanError(f"cannot read file: {err.strerror or err}", filename=name) from None
    suffix = Path(path).suffix.lower()
    if suffix == ".pdf":
        return read_pdf(data, name)
    if suffix in (".html", ".htm"):
        return read_html(data, name, encoding=encoding)
    return read_text(data, name, encoding=encoding)
