"""The loop of a query process: receive a query, send back its answer, until told no more.

A query process runs one /sparql query at a time for the server's pool
(`minami_kg.server.sparql.pool`), which ends it when a query runs too long.
It imports nothing of the web app, so a new one starts in a tenth of a second
and holds little memory beside the store's.
"""

from __future__ import annotations

import pickle
import traceback
from multiprocessing.connection import Connection
from pathlib import Path

from minami_kg.results.write import Job, Refusal, execute, unavailable
from minami_kg.store import EmbeddedStore, StoreError

READY = b"ready"


def serve(conn: Connection, store_path: str) -> None:
    """A query process's loop: receive a Job, send back a Reply, until the socket closes.

    Both are plain pickles sent as bytes: `Connection.send` pickles with a
    `ForkingPickler`, which copies its dispatch table on every message.
    """
    store = EmbeddedStore(Path(store_path))
    try:
        conn.send_bytes(READY)
        while True:
            job: Job = pickle.loads(conn.recv_bytes())
            try:
                reply = execute(store.snapshot(), job)
            except StoreError as err:
                reply = unavailable(err)
            except Exception:  # a bug, not the client's fault: log it, answer 500, go on
                traceback.print_exc()
                reply = Refusal(500, "Internal error while running the query.")
            conn.send_bytes(pickle.dumps(reply))
    except (EOFError, OSError):
        return  # the web process has gone
