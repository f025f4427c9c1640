"""The downloadable dumps: the whole graph in every RDF format, written at build time.

`write_dumps` serialises the store once per format with pyoxigraph (the quads
for TriG and N-Quads, the union of the named graphs for the triple formats),
gzips each file deterministically (mtime 0, no file name, so the same graph
gives the same bytes), and writes `manifest.json` last: name, media type,
byte size and SHA-256 of every file, and the store version they were taken
from. Files are replaced one by one with `os.replace`; the server only ever
hands out names listed in the manifest, so nothing else in the folder, and
nothing outside it, can be downloaded.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from pyoxigraph import RdfFormat

from minami_kg.config import Settings
from minami_kg.publish.attribution import Attribution, read_attribution
from minami_kg.publish.version import store_version
from minami_kg.rdf.namespaces import PREFIXES
from minami_kg.store import GraphStore, open_store

DUMP_STEM = "minami-kg"
MANIFEST = "manifest.json"
README = "README.md"
GZIP_MEDIA_TYPE = "application/gzip"

# (extension, format, EU file-type authority code) — the extensions of `minami-kg export`.
DUMP_FORMATS: tuple[tuple[str, RdfFormat, str], ...] = (
    ("ttl", RdfFormat.TURTLE, "RDF_TURTLE"),
    ("nt", RdfFormat.N_TRIPLES, "RDF_N_TRIPLES"),
    ("nq", RdfFormat.N_QUADS, "RDF_N_QUADS"),
    ("trig", RdfFormat.TRIG, "RDF_TRIG"),
    ("jsonld", RdfFormat.JSON_LD, "JSON_LD"),
    ("rdf", RdfFormat.RDF_XML, "RDF_XML"),
)


@dataclass(frozen=True)
class DumpFile:
    """One file of the dump folder, as the manifest lists it."""

    name: str  # e.g. minami-kg.ttl.gz
    media_type: str  # of the content: text/turtle, also for the .gz file
    file_type: str  # EU file-type authority code, e.g. RDF_TURTLE
    gzip: bool  # compressed with gzip (served as application/gzip)
    byte_size: int
    sha256: str

    @property
    def served_media_type(self) -> str:
        """The Content-Type `/download/` sends: the .gz files are gzip downloads."""
        return GZIP_MEDIA_TYPE if self.gzip else self.media_type


@dataclass(frozen=True)
class DumpManifest:
    version: str  # the store version the dumps were written from
    quads: int
    files: tuple[DumpFile, ...]
    readme: str | None = None  # README.md, with the licence and the sources, when written

    def get(self, name: str) -> DumpFile | None:
        return next((f for f in self.files if f.name == name), None)


def _write_atomically(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}-", delete=False) as out:
        out.write(data)
        staging = Path(out.name)
    os.chmod(staging, 0o644)
    os.replace(staging, path)


def _gzip(data: bytes) -> bytes:
    """gzip with no time stamp and no file name: the same input, the same bytes."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def readme_text(credit: Attribution, files: tuple[DumpFile, ...]) -> str:
    """The dumps' README: what each file holds, then the licence and the attribution lines."""
    lines = [
        "# minami-kg dumps / ダンプ",
        "",
        "区運営方針を読み取ったナレッジグラフの全体です。四つ組の形式 (TriG, N-Quads, JSON-LD)"
        " は名前付きグラフごと、三つ組の形式はその和を収めています。.gz は gzip 圧縮です。",
        "The whole knowledge graph read from ward operating policies: the quad formats (TriG,"
        " N-Quads, JSON-LD) keep the named graphs, the triple formats hold their union;"
        " the .gz files are gzipped.",
        "",
        "| file | media type | bytes | SHA-256 |",
        "| --- | --- | ---: | --- |",
        *(f"| {f.name} | {f.media_type} | {f.byte_size} | {f.sha256} |" for f in files),
        "",
        "## 出典と利用条件 / Sources and terms of use",
        "",
        *(f"{line}  " for line in credit.lines("ja")),
        "",
        *(f"{line}  " for line in credit.lines("en")),
        "",
    ]
    return "\n".join(lines)


def write_dumps(
    store: GraphStore, folder: Path, *, version: str, credit: Attribution | None = None
) -> DumpManifest:
    """Write every dump of `store` into `folder`, the README when `credit` is given, then
    the manifest; return the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    files: list[DumpFile] = []
    for extension, fmt, file_type in DUMP_FORMATS:
        plain = store.dump(fmt, prefixes=PREFIXES)
        for data, compressed in ((plain, False), (_gzip(plain), True)):
            name = f"{DUMP_STEM}.{extension}" + (".gz" if compressed else "")
            _write_atomically(folder / name, data)
            files.append(
                DumpFile(
                    name=name,
                    media_type=fmt.media_type,
                    file_type=file_type,
                    gzip=compressed,
                    byte_size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                )
            )
    readme = None
    if credit is not None:
        _write_atomically(folder / README, readme_text(credit, tuple(files)).encode("utf-8"))
        readme = README
    manifest = DumpManifest(version=version, quads=len(store), files=tuple(files), readme=readme)
    body = {
        "version": version,
        "quads": manifest.quads,
        "files": [asdict(f) for f in files],
        "readme": readme,
    }
    _write_atomically(folder / MANIFEST, json.dumps(body, indent=2).encode() + b"\n")
    return manifest


def read_manifest(folder: Path) -> DumpManifest | None:
    """The manifest `write_dumps` left in `folder`, or None when there is none yet."""
    try:
        body = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        return None
    return DumpManifest(
        version=body["version"],
        quads=body["quads"],
        files=tuple(DumpFile(**f) for f in body["files"]),
        readme=body.get("readme"),
    )


def publish_dumps(settings: Settings) -> DumpManifest | None:
    """Dump the store the settings name into `settings.dumps_dir`: the build's last step.

    A remote store is dumped only when `settings.dumps` names a folder: by default
    the dumps live beside the embedded store, which a remote build does not use,
    and reading a whole remote store back is not free.
    """
    if settings.endpoint and settings.dumps is None:
        return None
    store = open_store(settings)
    version = store_version(store)
    credit = read_attribution(store, settings.licence, settings.publisher)
    tag = version.tag if version else "remote"
    return write_dumps(store, settings.dumps_dir, version=tag, credit=credit)
