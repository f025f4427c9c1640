"""Reading a ward office's 区運営方針 into the plain `Plan` model.

This package knows nothing of RDF: it decodes bytes, normalises text and
parses the document's structure, keeping the source lines of every element.
"""

from __future__ import annotations

from pathlib import Path

from .decode import decode
from .errors import PlanError
from .model import Plan
from .normalize import normalize_text
from .parser import parse_plan
from .title import parse_title

__all__ = ["PlanError", "decode", "normalize_text", "parse_plan", "parse_title", "read_plan"]


def read_plan(path: Path, *, encoding: str | None = None) -> Plan:
    """Read, decode and parse one plan file; errors name the file."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise PlanError(f"cannot read file: {err.strerror or err}", filename=name) from None
    text = decode(data, encoding=encoding, filename=name)
    return parse_plan(text, filename=name)
