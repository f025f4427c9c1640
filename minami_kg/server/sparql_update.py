"""SPARQL 1.1 Update on the embedded store, for requests that carry the update token.

SPARQL 1.1 Protocol §2.2 (https://www.w3.org/TR/sparql11-protocol/#update-operation).

Readers hold the store open read-only, and a read-only open is undefined
while another process writes to the same directory. So an update never
writes where readers read: it copies the current generation, opens the copy
read-write (only one process may, and only for the length of the request),
applies the update, and swaps the store's symbolic link to the copy, the same
atomic step `minami-kg build` ends with. Query workers and the app notice the
new link and reopen (a few milliseconds).

Limits, by design of this small endpoint: each update copies the whole store
(fine for one ward's plans, slow for millions of triples); updates and builds
take turns through the build lock and an update that cannot get it within
`LOCK_WAIT` seconds is answered 503; the next `minami-kg build` replaces
everything an update wrote.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from pyoxigraph import Store

from minami_kg.store import StoreError
from minami_kg.store.embedded import build_lock, swap_in_new_generation

LOCK_WAIT = 5.0


class StoreBusy(StoreError):
    """A build or another update holds the store; try again shortly."""


def apply_update(store_path: Path, update: str, *, base_iri: str | None) -> None:
    """Apply `update` to a copy of the store and make the copy current.

    Raises SyntaxError for a bad update (nothing is written), StoreBusy when the
    store stays locked, StoreError when there is no store or the copy fails.
    """
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            with build_lock(store_path):
                _copy_update_swap(store_path, update, base_iri)
                return
        except StoreError as err:
            if "another build is running" not in str(err):
                raise
            if time.monotonic() > deadline:
                raise StoreBusy(f"{store_path}: the store is being rebuilt or updated") from None
            time.sleep(0.05)


def _copy_update_swap(store_path: Path, update: str, base_iri: str | None) -> None:
    current = Path(os.path.realpath(store_path))
    if not current.is_dir():
        raise StoreError(f"{store_path}: no store here; run `minami-kg build` first")

    def copy_and_update(directory: Path) -> None:
        shutil.copytree(current, directory, ignore=shutil.ignore_patterns("LOCK"))
        store = Store(str(directory))
        store.update(update, base_iri=base_iri)
        store.flush()

    swap_in_new_generation(store_path, copy_and_update)
