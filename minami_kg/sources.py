"""Finding source documents and what their manifests say about them.

A source folder is `data/sources/<ward>/<fy>/` with a `manifest.toml` (ward,
fiscal year, publisher, title, source URL, licence, date) and the plan's document:
the manifest's `file`, or the files of a plan published as several pages in
the manifest's `files = ["1-kihon.html", "2-shisaku.html", …]` (read in that
order as one plan). Without `file` or `files`, each document in the folder
(.txt, .html, .htm, .pdf) is a plan of its own. A bare file given with
`--source FILE` has no manifest: its ward and fiscal year come from its title,
or from `--ward` and `--fiscal-year`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from minami_kg.localgov import FIVE_DIGITS
from minami_kg.tomlfiles import read_toml

MANIFEST_NAME = "manifest.toml"
DOCUMENT_SUFFIXES = (".txt", ".text", ".html", ".htm", ".pdf")


class SourceError(ValueError):
    """A source path or manifest that cannot be used; the message names it."""


@dataclass(frozen=True)
class SourceDocument:
    """One plan's document (one file or several), with what its manifest says of it."""

    paths: tuple[Path, ...]
    ward: str | None = None  # slug, e.g. "minami"
    ward_name: str | None = None  # 南区
    city_name: str | None = None  # 横浜市
    fiscal_year: int | None = None
    publisher: str | None = None  # 横浜市南区
    source_url: str | None = None
    licence: str | None = None
    issued: str | None = None
    encoding: str | None = None
    title: str | None = None  # the document's title as published (the 出典 line names it)
    code: str | None = None  # the ward's five-digit local government code, for a ward the
    # curation does not list (data/curation/wards.toml wins where it does)

    @property
    def path(self) -> Path:
        """The first file: the one a one-line error about the plan names."""
        return self.paths[0]


def read_manifest(folder: Path) -> dict[str, object]:
    """The manifest of a source folder, or an empty dict when there is none."""
    return read_toml(folder / MANIFEST_NAME, SourceError)


def _from_manifest(paths: list[Path], manifest: dict[str, object]) -> SourceDocument:
    def text(key: str) -> str | None:
        value = manifest.get(key)
        return None if value is None else str(value)

    year = manifest.get("fiscal_year")
    code = text("code")
    if code is not None and not FIVE_DIGITS.fullmatch(code):
        where = paths[0].parent / MANIFEST_NAME
        raise SourceError(
            f"{where}: code {code!r} must be the ward's five-digit local government code "
            '(without the check digit), as a string: "14105"'
        )
    return SourceDocument(
        paths=tuple(paths),
        ward=text("ward"),
        ward_name=text("ward_name"),
        city_name=text("city_name"),
        fiscal_year=int(year) if isinstance(year, int | str) and str(year).isdigit() else None,
        publisher=text("publisher"),
        source_url=text("source_url"),
        licence=text("licence"),
        issued=text("issued"),
        encoding=text("encoding"),
        title=text("title"),
        code=code,
    )


def _named(folder: Path, names: list[object]) -> list[Path]:
    paths = []
    for name in names:
        path = folder / str(name)
        if not isinstance(name, str) or "/" in name or not path.is_file():
            raise SourceError(f"{folder / MANIFEST_NAME}: file {name!r} does not exist")
        paths.append(path)
    return paths


def documents_in(folder: Path) -> list[list[Path]]:
    """The plans' files directly in a folder: the manifest's `files` or `file`, or each document."""
    manifest = read_manifest(folder)
    files = manifest.get("files")
    if files is not None:
        if not isinstance(files, list) or not files:
            raise SourceError(f"{folder / MANIFEST_NAME}: files must be a list of file names")
        return [_named(folder, files)]
    named = manifest.get("file")
    if isinstance(named, str):
        return [_named(folder, [named])]
    return [
        [p]
        for p in sorted(folder.iterdir())
        if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
    ]


def _describes(manifest: dict[str, object], path: Path) -> bool:
    """Whether a folder's manifest is about this file of the folder."""
    files = manifest.get("files")
    if isinstance(files, list):
        return path.name in files
    return manifest.get("file", path.name) == path.name


def discover(root: Path) -> list[SourceDocument]:
    """Every plan under `root` (a file, or a folder searched recursively), sorted."""
    if root.is_file():
        manifest = read_manifest(root.parent)
        if not _describes(manifest, root):
            manifest = {}  # the manifest describes another file of the folder
        return [_from_manifest([root], manifest)]
    if not root.is_dir():
        raise SourceError(f"{root}: no such file or folder")
    folders = sorted({root, *(p for p in root.rglob("*") if p.is_dir())})
    found = [
        _from_manifest(paths, read_manifest(folder))
        for folder in folders
        for paths in documents_in(folder)
    ]
    if not found:
        raise SourceError(f"{root}: no documents (.txt, .html, .pdf) found")
    return found
