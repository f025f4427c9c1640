"""Finding source documents and what their manifests say about them.

A source folder is `data/sources/<ward>/<fy>/` with one document and a
`manifest.toml` (ward, fiscal year, publisher, source URL, licence, date).
A bare file given with `--source FILE` has no manifest: its ward and fiscal
year come from the title line when it is parsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from minami_kg.tomlfiles import read_toml

MANIFEST_NAME = "manifest.toml"
DOCUMENT_SUFFIXES = (".txt", ".text")


class SourceError(ValueError):
    """A source path or manifest that cannot be used; the message names it."""


@dataclass(frozen=True)
class SourceDocument:
    """One document to build, with what its manifest (if any) says of it."""

    path: Path
    ward: str | None = None  # slug, e.g. "minami"
    ward_name: str | None = None  # 南区
    city_name: str | None = None  # 横浜市
    fiscal_year: int | None = None
    publisher: str | None = None  # 横浜市南区
    source_url: str | None = None
    licence: str | None = None
    issued: str | None = None
    encoding: str | None = None


def read_manifest(folder: Path) -> dict[str, object]:
    """The manifest of a source folder, or an empty dict when there is none."""
    return read_toml(folder / MANIFEST_NAME, SourceError)


def _from_manifest(path: Path, manifest: dict[str, object]) -> SourceDocument:
    def text(key: str) -> str | None:
        value = manifest.get(key)
        return None if value is None else str(value)

    year = manifest.get("fiscal_year")
    return SourceDocument(
        path=path,
        ward=text("ward"),
        ward_name=text("ward_name"),
        city_name=text("city_name"),
        fiscal_year=int(year) if isinstance(year, int | str) and str(year).isdigit() else None,
        publisher=text("publisher"),
        source_url=text("source_url"),
        licence=text("licence"),
        issued=text("issued"),
        encoding=text("encoding"),
    )


def documents_in(folder: Path) -> list[Path]:
    """Document files directly in a folder: the manifest's `file`, or every *.txt."""
    manifest = read_manifest(folder)
    named = manifest.get("file")
    if isinstance(named, str):
        path = folder / named
        if not path.is_file():
            raise SourceError(f"{folder / MANIFEST_NAME}: file {named!r} does not exist")
        return [path]
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in DOCUMENT_SUFFIXES)


def discover(root: Path) -> list[SourceDocument]:
    """Every document under `root` (a file, or a folder searched recursively), sorted."""
    if root.is_file():
        manifest = read_manifest(root.parent)
        if manifest.get("file", root.name) != root.name:
            manifest = {}  # the manifest describes another file of the folder
        return [_from_manifest(root, manifest)]
    if not root.is_dir():
        raise SourceError(f"{root}: no such file or folder")
    folders = sorted({root, *(p for p in root.rglob("*") if p.is_dir())})
    found = [
        _from_manifest(path, read_manifest(folder))
        for folder in folders
        for path in documents_in(folder)
    ]
    if not found:
        raise SourceError(f"{root}: no documents (*.txt) found")
    return found
