"""The embedded Oxigraph store on disk, rebuilt atomically.

Layout: the configured path (default `var/store`) is a symbolic link to one
*generation*, a complete Oxigraph directory under `.<name>.generations/`.
A rebuild bulk-loads a new generation beside the old one and then replaces
the link with `os.replace`, which is atomic on POSIX. A build that fails or
is killed leaves the link, and so the store that readers see, as it was.
The previous generation (the one the link named before the swap) is kept, so
a reader that opened it before the swap can finish; every other one is
removed, older ones and the half-written one of a build that was killed alike.

Readers open the store read-only (`Store.read_only`): a snapshot that does
not see later writes. `EmbeddedStore` notices a swapped link and reopens.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from pyoxigraph import QueryTriples, RdfFormat, Store, Variable, serialize

from minami_kg.store.base import QueryResult, Term, serialized


class StoreError(OSError):
    """The store is missing, damaged or locked; the message says which and where."""


def _generations_dir(path: Path) -> Path:
    return path.parent / f".{path.name}.generations"


@contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """Only one build or update at a time writes beside a given store."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.parent / f".{path.name}.lock"
    with lock_path.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"{path}: another build is running") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def swap_in_new_generation(path: Path, fill: Callable[[Path], None]) -> Path:
    """Write a new generation with `fill(directory)`, then point `path` at it.

    Call it holding `build_lock(path)`. If `fill` raises, the half-written
    generation is removed and the link is left as it was: SyntaxError passes
    through, OSError becomes StoreError.
    """
    generations = _generations_dir(path)
    generations.mkdir(parents=True, exist_ok=True)
    new_dir = generations / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.time_ns()}"
    try:
        fill(new_dir)
    except SyntaxError:
        shutil.rmtree(new_dir, ignore_errors=True)
        raise
    except OSError as err:
        shutil.rmtree(new_dir, ignore_errors=True)
        raise StoreError(f"{path}: could not write the new store: {err}") from None

    previous = Path(os.path.realpath(path)) if path.is_symlink() else None
    if path.exists() and not path.is_symlink():
        # A store from before generations were used: move it aside first.
        previous = generations / f"0-legacy-{time.time_ns()}"
        path.rename(previous)
    link = path.parent / f".{path.name}.link-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(os.path.relpath(new_dir, path.parent))
    os.replace(link, path)
    _prune(generations, keep={new_dir, previous})
    return new_dir


def replace_store(path: Path, nquads_file: Path) -> Path:
    """Load an N-Quads file into a new generation and make `path` point to it.

    Returns the new generation's directory. Raises `StoreError` (with the
    old store untouched) when loading fails, e.g. on a full disk.
    """

    def bulk_load(directory: Path) -> None:
        store = Store(str(directory))
        store.bulk_load(path=str(nquads_file), format=RdfFormat.N_QUADS)
        store.flush()

    with build_lock(path):
        return swap_in_new_generation(path, bulk_load)


def _prune(generations: Path, keep: set[Path | None]) -> None:
    """Remove every generation but `keep`: older ones, and any a killed build left half-written.

    Called under the build lock, so no other build is writing a generation.
    """
    for stale in generations.iterdir():
        if stale.is_dir() and stale not in keep:
            shutil.rmtree(stale, ignore_errors=True)


# -- SPARQL Update ------------------------------------------------------------
#
# Readers hold the store open read-only, and a read-only open is undefined
# while another process writes to the same directory. So an update never
# writes where readers read: it copies the current generation, opens the copy
# read-write (only one process may, and only for the length of the request),
# applies the update, and swaps the store's symbolic link to the copy, the same
# atomic step `minami-kg build` ends with. Every `EmbeddedStore` notices the
# new link and reopens (a few milliseconds).
#
# Limits, by design of this small endpoint: each update copies the whole store
# (fine for one ward's plans, slow for millions of triples); updates and builds
# take turns through the build lock and an update that cannot get it within
# `LOCK_WAIT` seconds is answered 503; the next `minami-kg build` replaces
# everything an update wrote.

LOCK_WAIT = 5.0


class StoreBusy(StoreError):
    """A build or another update holds the store; try again shortly."""


def apply_update(
    store_path: Path, update: str, *, base_iri: str | None, then: Sequence[str] = ()
) -> None:
    """Apply `update`, then each of `then`, to a copy of the store and make the copy current.

    `then` are updates of our own (the new build identifier) that must land in
    the same generation as the client's, or in none. Raises SyntaxError for a
    bad update (nothing is written), StoreBusy when the store stays locked,
    StoreError when there is no store or the copy fails.
    """
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            with build_lock(store_path):
                _copy_update_swap(store_path, (update, *then), base_iri)
                return
        except StoreError as err:
            if "another build is running" not in str(err):
                raise
            if time.monotonic() > deadline:
                raise StoreBusy(f"{store_path}: the store is being rebuilt or updated") from None
            time.sleep(0.05)


def _copy_update_swap(store_path: Path, updates: Sequence[str], base_iri: str | None) -> None:
    current = Path(os.path.realpath(store_path))
    if not current.is_dir():
        raise StoreError(f"{store_path}: no store here; run `minami-kg build` first")

    def copy_and_update(directory: Path) -> None:
        shutil.copytree(current, directory, ignore=shutil.ignore_patterns("LOCK"))
        store = Store(str(directory))
        for update in updates:
            store.update(update, base_iri=base_iri)
        store.flush()

    swap_in_new_generation(store_path, copy_and_update)


class EmbeddedStore:
    """Read access to the on-disk store, reopened when a rebuild swaps it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._link, self._folder = str(path), str(path.parent)
        self._lock = threading.Lock()
        self._opened_target: str | None = None
        self._store: Store | None = None
        self._counted: tuple[Store, int] | None = None  # the quads of the store last counted

    def _current(self) -> Store:
        target = self.generation()
        with self._lock:
            if self._store is None or target != self._opened_target:
                if not os.path.isdir(target):
                    raise StoreError(f"{self.path}: no store here; run `minami-kg build` first")
                try:
                    self._store = Store.read_only(target)
                except (OSError, RuntimeError) as err:  # RocksDB reports damage as RuntimeError
                    raise StoreError(
                        f"{self.path}: cannot open the store (damaged? `minami-kg build` "
                        f"writes a new one): {err}"
                    ) from None
                self._opened_target = target
            return self._store

    def generation(self) -> str:
        """The folder the store's link points at now: one `readlink`, as every query asks."""
        try:
            return os.path.join(self._folder, os.readlink(self._link))
        except OSError:  # not a link: a store from before generations, or none yet
            return self._link

    def snapshot(self) -> Store:
        """The pyoxigraph store as opened now (for /sparql, which runs queries itself)."""
        return self._current()

    def query(
        self, sparql: str, *, substitutions: Mapping[Variable, Term] | None = None
    ) -> QueryResult:
        """Run a SPARQL query with the union of the named graphs as default graph."""
        return self._current().query(
            sparql,
            use_default_graph_as_union=True,
            # pyoxigraph takes a dict, nothing else
            substitutions=None if substitutions is None else dict(substitutions),
        )

    def dump(self, fmt: RdfFormat, *, prefixes: dict[str, str] | None = None) -> bytes:
        """The whole store: all quads for a dataset format, the union for a triple format."""
        store = self._current()
        if fmt.supports_datasets:
            return serialized(store.dump(format=fmt, prefixes=prefixes))

        triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert isinstance(triples, QueryTriples)
        return serialized(serialize(triples, format=fmt, prefixes=prefixes))

    def sorted_nquads(self) -> bytes:
        """Every quad as N-Quads, lines sorted: the same inputs give the same bytes."""
        lines = serialized(self._current().dump(format=RdfFormat.N_QUADS)).splitlines(keepends=True)
        return b"".join(sorted(lines))

    def replace(self, nquads_file: Path) -> None:
        replace_store(self.path, nquads_file)

    def update(self, sparql: str, *, base_iri: str | None = None, then: Sequence[str] = ()) -> None:
        """Apply a SPARQL update (and `then`) to a copy of the store and make the copy current."""
        apply_update(self.path, sparql, base_iri=base_iri, then=then)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._current().named_graphs())

    def __len__(self) -> int:
        """The number of quads, counted once a generation: counting reads every quad (2 ms
        for the seed's 11,505, more as the store grows), `/healthz` asks on every probe, and
        a generation never changes once it is swapped in (an update writes a new one)."""
        store = self._current()
        counted = self._counted
        if counted is None or counted[0] is not store:
            counted = self._counted = (store, len(store))
        return counted[1]
