"""The documents a plan was read from: their files, their text, and how they read.

`plan_files` finds the files of a plan from what the store recorded of them;
`source_document` is what `/source/<ward>/<fy>` shows; `plan_reading` reads
the document again, as `minami-kg read` does, for the reading-check page;
`source_href` is the address of some lines of it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, Variable

from minami_kg.extract import Hints, PlanError, concatenate, read_document, read_reading
from minami_kg.extract.report import outline
from minami_kg.rdf.namespaces import SPARQL_PREFIXES
from minami_kg.readmodels.plan_index import PlanEntry, plan_index
from minami_kg.readmodels.refusals import Unknown, Unreadable
from minami_kg.readmodels.urls import Urls, plan_key
from minami_kg.sources import read_manifest
from minami_kg.store import GraphStore, select

_PLAN_DOCUMENT = (
    SPARQL_PREFIXES
    + """
SELECT ?plan ?name ?sha ?title WHERE {
  ?plan a mkg:Plan ; mkg:sourceDocument ?doc .
  ?doc schema:name ?name .
  OPTIONAL { ?doc mkg:sha256 ?sha }
  OPTIONAL { ?doc dcterms:title ?title }
}
"""
)


@dataclass(frozen=True)
class PlanFiles:
    """The files one plan was read from, and what the build recorded of them."""

    ward: str
    fiscal_year: str
    paths: list[Path]
    sha256: str | None
    title: str | None
    manifest: dict[str, object]
    encoding: str | None


@dataclass(frozen=True)
class SourceDocument:
    ward: str
    fiscal_year: str
    name: str
    title: str | None
    lines: list[str]
    changed: bool  # the file no longer has the checksum the build recorded


@dataclass(frozen=True)
class PlanReading:
    """How the plan's document reads now: the outline `minami-kg read` reports."""

    entry: PlanEntry
    reading: dict[str, Any]


def source_href(ward: str, fy: str, lines: list[int]) -> str:
    """`/source/<ward>/<fy>?hl=…#L<first>`, one `hl` per run of adjacent lines."""
    runs = _runs(sorted(set(lines)))
    query = "&".join(f"hl={a}" if a == b else f"hl={a}-{b}" for a, b in runs)
    anchor = f"#L{runs[0][0]}" if runs else ""
    return f"/source/{ward}/{fy}" + (f"?{query}" if query else "") + anchor


def plan_files(store: GraphStore, base: str, sources: Path, ward: str, fy: str) -> PlanFiles | None:
    """The files the plan `ward/fy` was built from, in reading order, or None.

    The file names come from the store (the document's `schema:name`s), never
    from the request; their order is the manifest's `files`; every path must
    stay under `sources/<ward>/<fy>/`.
    """
    plan = NamedNode(Urls(base).iri(plan_key(ward, fy)))
    rows = list(select(store, _PLAN_DOCUMENT, substitutions={Variable("plan"): plan}))
    names = {row["name"].value for row in rows}
    if not names or any("/" in n or "\\" in n or n in ("", ".", "..") for n in names):
        return None
    root = sources.resolve()
    folder = (root / ward / fy).resolve()
    if not folder.is_relative_to(root):
        return None
    manifest = read_manifest(folder) if folder.is_dir() else {}
    listed = manifest.get("files")
    order = [n for n in listed if n in names] if isinstance(listed, list) else []
    paths = [folder / n for n in order or sorted(names)]
    if len(paths) != len(names) or not all(p.is_file() for p in paths):
        return None
    sha, title = rows[0]["sha"], rows[0]["title"]
    encoding = manifest.get("encoding")
    return PlanFiles(
        ward=ward,
        fiscal_year=fy,
        paths=paths,
        sha256=sha.value if sha is not None else None,
        title=title.value if title is not None else None,
        manifest=manifest,
        encoding=str(encoding) if encoding else None,
    )


def source_document(
    store: GraphStore, base: str, sources: Path, ward: str, fy: str
) -> SourceDocument | None:
    """The plan's documents as the text they were read into, or None."""
    files = plan_files(store, base, sources, ward, fy)
    if files is None:
        return None
    documents = [read_document(path, encoding=files.encoding) for path in files.paths]
    document = documents[0] if len(documents) == 1 else concatenate(documents)
    data = b"".join(path.read_bytes() for path in files.paths)
    changed = files.sha256 is not None and hashlib.sha256(data).hexdigest() != files.sha256
    name = ", ".join(path.name for path in files.paths)
    return SourceDocument(ward, fy, name, files.title, document.lines, changed)


def plan_reading(store: GraphStore, base: str, sources: Path, ward: str, fy: str) -> PlanReading:
    """The plan's document read again from its files; `Unknown` or `Unreadable` if it cannot be."""
    key = plan_key(ward, fy)
    entry = next((e for e in plan_index(store, base) if e.key == key), None)
    if entry is None:
        raise Unknown(f"運営方針 {key} はグラフにありません", f"no plan {key} in the graph")
    files = plan_files(store, base, sources, ward, fy)
    if files is None:
        raise Unknown(
            f"{key} の文書が sources フォルダにありません",
            f"the documents of {key} are not under the sources folder",
        )
    hints = Hints(ward_name=entry.ward_label, fiscal_year=int(fy))
    try:
        data = outline(read_reading(files.paths, hints=hints, encoding=files.encoding))
    except PlanError as err:  # the document changed since the build and no longer reads
        raise Unreadable(
            f"{key} の文書は読めなくなっています: {err.message}",
            f"the document of {key} no longer reads: {err.message}",
        ) from None
    return PlanReading(entry, data)


def _runs(lines: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for n in lines:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs
