"""The index file: an SQLite database with one FTS5 table of pre-tokenised columns.

FTS5 itself only splits on spaces here (every token is made of word
characters, see `tokens`); the Japanese analysis happened before. The
columns are field × kind (`name_word`, `body_gram` …) so that BM25 can weigh
a match in a name above one in the body, and a dictionary word above a bare
character. The original texts are kept beside it for snippets.

The file is written whole under a temporary name in its folder and renamed
over the old one, so a server that has the old file open keeps reading it
and the next request sees the new one complete (see `SearchIndex`).

Its `meta` table records the store's build identifier it was read from
(`minami_kg.store.build_id`; absent for a store without one), so an app
instance can tell whether its own index still describes the store
(`recorded_build_id`, and `minami_kg.server.follower`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from minami_kg.search.corpus import TYPE_NAMES, Corpus, Document, read_corpus
from minami_kg.search.tokens import KINDS, Streams, label_key
from minami_kg.store import GraphStore
from minami_kg.store.build_id import read_build_id

FIELDS = ("name", "alias", "body", "topic")
COLUMNS = tuple(f"{f}_{k}" for f in FIELDS for k in KINDS)
SCHEMA_VERSION = "2"  # raise when the tables change; an older file must be rewritten

_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
  label_ja TEXT NOT NULL, label_en TEXT NOT NULL,
  names TEXT NOT NULL, aliases TEXT NOT NULL, texts TEXT NOT NULL, topics TEXT NOT NULL,
  label_keys TEXT NOT NULL
);
CREATE TABLE facets (doc INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX facets_doc ON facets (doc);
CREATE TABLE names (iri TEXT PRIMARY KEY, ja TEXT NOT NULL, en TEXT NOT NULL);
CREATE TABLE synonyms (key TEXT NOT NULL, grp INTEGER NOT NULL, label TEXT NOT NULL);
CREATE INDEX synonyms_key ON synonyms (key);
CREATE VIRTUAL TABLE fts USING fts5(
  {", ".join(COLUMNS)}, content='', tokenize='unicode61 remove_diacritics 0'
);
"""


class IndexMissing(FileNotFoundError):
    """No usable index file (none yet, or an older kind): `minami-kg index` writes it."""


def build_index(store: GraphStore, base: str, path: Path) -> int:
    """Read the graph from `store` and write the index to `path` atomically; the document count.

    The build identifier is read first: should the store change while the
    corpus is read, the index records the older identifier and is rebuilt
    at the next check, never taken for up to date.
    """
    build_id = read_build_id(store, base)
    corpus = read_corpus(store, base)
    write_index(corpus, path, build_id=build_id)
    return len(corpus.documents)


def recorded_build_id(path: Path) -> str | None:
    """The build identifier the index at `path` was made from (None: the store had none).

    Raises `IndexMissing` when there is no usable index there (none, or an older kind).
    """
    if not path.is_file():
        raise IndexMissing(f"no search index at {path}")
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        raise IndexMissing(f"{path} cannot be opened") from None
    try:
        rows = dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError:
        raise IndexMissing(f"{path} is not a search index") from None
    finally:
        db.close()
    if rows.get("schema") != SCHEMA_VERSION:
        raise IndexMissing(f"{path} is not a search index of this version")
    return rows.get("build_id")


def write_index(corpus: Corpus, path: Path, *, build_id: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".search-", suffix=".sqlite")
    os.close(fd)
    staging = Path(name)
    try:
        db = sqlite3.connect(staging)
        try:
            db.executescript(_SCHEMA)
            _fill(db, corpus)
            if build_id is not None:
                db.execute("INSERT INTO meta VALUES ('build_id', ?)", (build_id,))
            db.commit()
            db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
            db.commit()
        finally:
            db.close()
        staging.chmod(0o644)
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)


def _fill(db: sqlite3.Connection, corpus: Corpus) -> None:
    db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
    labels = {}
    for number, doc in enumerate(corpus.documents, start=1):
        db.execute(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                number,
                doc.iri,
                doc.type,
                doc.label_ja,
                doc.label_en,
                json.dumps(doc.names, ensure_ascii=False),
                json.dumps(doc.aliases, ensure_ascii=False),
                json.dumps(doc.texts, ensure_ascii=False),
                json.dumps(doc.topics, ensure_ascii=False),
                json.dumps(sorted({label_key(x) for x in doc.names + doc.aliases})),
            ),
        )
        db.execute(
            f"INSERT INTO fts(rowid, {', '.join(COLUMNS)}) VALUES (?{', ?' * len(COLUMNS)})",
            (number, *_columns(doc)),
        )
        for kind, values in (("area", doc.areas), ("section", doc.sections)):
            db.executemany(
                "INSERT INTO facets VALUES (?, ?, ?)", [(number, kind, v) for v in sorted(values)]
            )
        labels[doc.iri] = (doc.label_ja or doc.label_en, doc.label_en)
    for key, (ja, en) in TYPE_NAMES.items():
        labels["type:" + key] = (ja, en)
    db.executemany("INSERT INTO names VALUES (?, ?, ?)", [(k, *v) for k, v in labels.items()])
    for number, group in enumerate(corpus.synonyms):
        rows = {(label_key(label), number, label) for label in group}
        db.executemany("INSERT INTO synonyms VALUES (?, ?, ?)", sorted(r for r in rows if r[0]))


def _columns(doc: Document) -> list[str]:
    fields = {"name": doc.names, "alias": doc.aliases, "body": doc.texts, "topic": doc.topics}
    values: list[str] = []
    for name in FIELDS:
        streams = Streams()
        for text in fields[name]:
            streams.add(text)
        values.extend(streams.joined(kind) for kind in KINDS)
    return values


class SearchIndex:
    """The index file opened read-only, reopened when a build has replaced it.

    Each use compares the file's inode and modification time with those of
    the open connection (one `stat`), so a swap is seen on the next query.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._stamp: tuple[int, int] | None = None

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The current connection, held by this thread until the block ends."""
        try:
            info = self.path.stat()
        except FileNotFoundError:
            raise IndexMissing(
                f"no search index at {self.path}: run `minami-kg index` (or `minami-kg build`)"
            ) from None
        stamp = (info.st_ino, info.st_mtime_ns)
        with self._lock:
            if self._db is None or stamp != self._stamp:
                if self._db is not None:
                    self._db.close()
                self._db = self._open()
                self._stamp = stamp
            yield self._db

    def _open(self) -> sqlite3.Connection:
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except sqlite3.DatabaseError:
            row = None
        if row is None or row[0] != SCHEMA_VERSION:
            db.close()
            raise IndexMissing(
                f"{self.path} is not a search index of this version: "
                "run `minami-kg index` to write it again"
            )
        # the words of the index, for the search to see what a prefix would match
        db.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, fts, row)")
        return db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
