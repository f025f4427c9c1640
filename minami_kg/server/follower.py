"""Following the store's build identifier: one app instance among many over one engine.

Several app instances (processes, machines) may serve one store, each with
its own search index at its `search_index` setting, and a rebuild or an
update may be made by any process anywhere. What tells them apart is the
build identifier the store carries (`minami_kg.store.build_id`). Each app
has one `BuildFollower` that reads it at most every `build_check_seconds`:

- the reading is what a remote store's HTTP validators are made from
  (`current_version`), so no request waits on a round trip for its ETag;
- when the instance's index is missing, of an older kind, or records another
  identifier, a new index is built from the store while the old one (if
  any) keeps answering, and renamed over it when complete (`search.index`).

Checks run in a short-lived daemon thread started by a request that finds
the last reading older than `build_check_seconds` (0: every request starts
one unless one is running), and by `minami-kg serve` at start-up. No thread
outlives its check, so an app that answers no requests (tests, the `--dev`
reloader's watcher process) holds none; `stop` waits for the one running.

An embedded store keeps its exact, per-request version (the generation the
store link names, `publish.version`); its follower only looks after the
search index, which the build usually wrote already, so it finds nothing to do.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, current_app

from minami_kg.publish import StoreVersion, store_version
from minami_kg.search import IndexMissing, build_index, recorded_build_id
from minami_kg.store import EmbeddedStore, GraphStore, StoreError
from minami_kg.store.build_id import read_build_id

FOLLOWER_KEY = "minami_kg.follower"


@dataclass(frozen=True)
class Reading:
    """What the store said when last asked."""

    build_id: str | None  # None: a store written before build identifiers
    seen: datetime  # when this instance first read this identifier (UTC, whole seconds)
    at: float  # `time.monotonic()` of the reading


class BuildFollower:
    """Reads the store's build identifier now and then, and keeps the index up with it."""

    def __init__(self, store: GraphStore, base: str, index_path: Path, every: float) -> None:
        self.store = store
        self.base = base
        self.index_path = index_path
        self.every = every
        self.indexing = False  # a new index is being written
        self.error: str | None = None  # why the last check or index build failed
        self._reading: Reading | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def reading(self) -> Reading | None:
        """The last reading (None before the first); starts a check when it is old."""
        current = self._reading
        if current is None or time.monotonic() - current.at >= self.every:
            self.kick()
        return current

    def kick(self) -> None:
        """Start a check in the background, unless one is running or the follower stopped."""
        with self._lock:
            if self._stopped or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(
                target=self.check, name="minami-kg build follower", daemon=True
            )
            self._thread.start()

    def check(self) -> None:
        """Read the identifier; rebuild the index if it does not record it. Never raises."""
        try:
            build_id = read_build_id(self.store, self.base)
        except (StoreError, SyntaxError) as err:  # the store is away: keep the last reading
            self.error = str(err)
            return
        previous = self._reading
        if previous is not None and previous.build_id == build_id:
            seen = previous.seen
        else:
            seen = datetime.now(UTC).replace(microsecond=0)
        self._reading = Reading(build_id=build_id, seen=seen, at=time.monotonic())
        try:
            current = recorded_build_id(self.index_path) == build_id
        except IndexMissing:
            current = False
        if current or self._stopped:
            self.error = None
            return
        self.indexing = True
        try:
            build_index(self.store, self.base, self.index_path)
            self.error = None
        except (StoreError, SyntaxError, OSError, sqlite3.Error) as err:
            # e.g. the store went away mid-read, or a full disk: the old index keeps answering
            self.error = f"the search index could not be built: {err}"
        finally:
            self.indexing = False

    def index_state(self) -> str:
        """The index against the last reading: current, building, behind, missing or unknown."""
        try:
            recorded = recorded_build_id(self.index_path)
        except IndexMissing:
            return "building" if self.indexing else "missing"
        if self.indexing:
            return "building"
        reading = self._reading
        if reading is None:
            return "unknown"
        return "current" if recorded == reading.build_id else "behind"

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the running check (if any) to end; False if it is still running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def stop(self, timeout: float | None = None) -> None:
        """Start no more checks, and wait for the running one."""
        with self._lock:
            self._stopped = True
        self.wait(timeout)


def init_app(app: Flask, store: GraphStore, *, base: str, index_path: Path, every: float) -> None:
    """Give the app its follower, asked before every request (a clock read, no round trip)."""
    follower = BuildFollower(store, base, index_path, every)
    app.extensions[FOLLOWER_KEY] = follower

    @app.before_request
    def follow() -> None:
        follower.reading()


def get_follower(app: Flask | None = None) -> BuildFollower:
    return (app or current_app).extensions[FOLLOWER_KEY]


def build_version(build_id: str, seen: datetime) -> StoreVersion:
    """The version of a store known by its build identifier."""
    tag = hashlib.sha256(b"build\n" + build_id.encode()).hexdigest()[:20]
    return StoreVersion(tag=tag, modified=seen)


def current_version(store: GraphStore, app: Flask | None = None) -> StoreVersion | None:
    """The version HTTP validators and per-version caches use (None: none known).

    The embedded store's generation, exact on every request; for a remote
    store, its build identifier as this instance's follower last read it,
    with Last-Modified the time this instance first read it. Before the first
    reading, or over a store without an identifier, there is none, and
    responses carry no validators.
    """
    if isinstance(store, EmbeddedStore):
        return store_version(store)
    reading = get_follower(app).reading()
    if reading is None or reading.build_id is None:
        return None
    return build_version(reading.build_id, reading.seen)
