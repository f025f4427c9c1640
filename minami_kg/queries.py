"""Canned SPARQL queries: one `.rq` file per question in `queries/`.

A query file opens with a header of `# key: value` comment lines (title,
description, and later parameters), then the query. The file is the single
source: the CLI, the server and the docs all read it from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_HEADER_LINE = re.compile(r"^#\s*([A-Za-z_-]+)\s*:\s*(.*)$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class CannedQuery:
    name: str  # file name without .rq
    text: str  # the whole file, header included (comments are valid SPARQL)
    header: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.header.get("title", self.name)

    @property
    def description(self) -> str:
        return self.header.get("description", "")


def read_query(path: Path) -> CannedQuery:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER_LINE.match(line)
        if not line.startswith("#"):
            break
        if match:
            header[match.group(1).lower()] = match.group(2).strip()
    return CannedQuery(name=path.stem, text=text, header=header)


def canned_queries(folder: Path) -> list[CannedQuery]:
    return [read_query(p) for p in sorted(folder.glob("*.rq"))]


def find_query(folder: Path, name: str) -> CannedQuery | None:
    """The canned query called `name` (no path tricks: names are [a-z0-9-])."""
    name = name.removesuffix(".rq")
    if not _NAME.match(name):
        return None
    path = folder / f"{name}.rq"
    return read_query(path) if path.is_file() else None
