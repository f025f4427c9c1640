"""The store's version: what HTTP validators (ETag, Last-Modified) are derived from.

For the embedded store it is the generation the store link points at
(`minami_kg.store.embedded`): a rebuild or a SPARQL update swaps in a new
generation and so a new version, and nothing else changes the data. A
remote store has no generations: its version is made from the build
identifier it carries, as the app's follower last read it
(`minami_kg.server.follower.current_version`), so `store_version` gives
None for it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime

from minami_kg.store import EmbeddedStore, GraphStore


@dataclass(frozen=True)
class StoreVersion:
    tag: str  # short and opaque; safe inside an ETag
    modified: datetime  # when this generation was written (UTC, whole seconds)


def store_version(store: GraphStore) -> StoreVersion | None:
    """The version of the generation the store points at now (None: no store, or remote).

    Asked on every response, so one `readlink` finds the generation and its
    version is remembered: a generation never changes once it is swapped in.
    """
    if not isinstance(store, EmbeddedStore):
        return None
    target = store.generation()
    known = _versions.get(target)
    if known is not None:
        return known
    try:
        mtime = os.stat(target).st_mtime
    except FileNotFoundError:
        return None
    tag = hashlib.sha256(os.path.realpath(target).encode()).hexdigest()[:20]
    version = StoreVersion(tag=tag, modified=datetime.fromtimestamp(int(mtime), tz=UTC))
    _versions[target] = version
    return version


_versions: dict[str, StoreVersion] = {}
