"""Run /sparql queries in query processes, so that a runaway query can be stopped.

pyoxigraph has no query timeout and cannot cancel a running query, and a
signal does not interrupt it (the work happens in Rust, outside the GIL). The
only way to really stop a runaway query is to stop the process running it.
So the server keeps a small pool of query processes, and this is the
one way a query runs on the embedded store, whatever serves the app
(waitress under `minami-kg serve`, Flask's server under `--dev`, the tests):

* a query process (`minami_kg.results.process`, which imports nothing of the
  web app) reads the store through `EmbeddedStore` (read-only, reopened when a
  build or an update swaps in a new generation);
* it runs the query and serialises the result in the negotiated format
  (`minami_kg.results.write`), and sends back bytes, never Python objects;
* when a query outlives `sparql_timeout`, the pool kills that process, starts
  a fresh one, and the request is answered 503 naming the limit. The web
  process itself never blocks on a query it cannot stop, so `/healthz` and
  every other request keep being answered meanwhile.

The pool grows on demand up to `size` processes: an app that never runs a
query starts none. A process exits when its socket closes, i.e. when the web
process that owns it goes away. The hop between processes costs a fraction
of a millisecond per query (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import pickle
import queue
import select
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path

from minami_kg.results.process import READY
from minami_kg.results.write import Job, Refusal, Reply

START_WAIT = 30.0  # seconds a new query process may take to import and say it is ready


class QueryTimeout(Exception):
    """The query ran longer than the endpoint allows; its process was stopped."""


class PoolBusy(Exception):
    """Every query process stayed busy for as long as a query may run."""


_ENTRY = (
    "import sys; from multiprocessing.connection import Connection; "
    "from minami_kg.results.process import serve; "
    "serve(Connection(int(sys.argv[1])), sys.argv[2])"
)


class _Process:
    """One query process and our end of the socket pair we talk to it over.

    Started as a fresh interpreter with `subprocess` rather than through
    `multiprocessing`, which would import the host's `__main__` again (a
    script, a server, the Flask reloader) in every process.
    """

    def __init__(self, store_path: str) -> None:
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _ENTRY, str(theirs.fileno()), store_path],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        self.ready = False
        # one poller for the life of the process: `Connection.poll` builds a selector a call
        self._poller = select.poll()
        self._poller.register(self.conn.fileno(), select.POLLIN)

    def answers_within(self, seconds: float) -> bool:
        """Whether the process has something to say (or has gone) within `seconds`."""
        return bool(self._poller.poll(seconds * 1000))

    def wait_ready(self) -> bool:
        """Whether the process said it is ready; False when it did not, or has gone."""
        try:
            if not self.ready and self.answers_within(START_WAIT):
                self.ready = self.conn.recv_bytes() == READY
        except (EOFError, OSError):
            return False
        return self.ready

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.conn.close()


class QueryPool:
    """Up to `size` query processes over the store at `store_path`; one query each at a time."""

    def __init__(self, store_path: Path, *, size: int, timeout: float) -> None:
        self.store_path = str(store_path)
        self.size = max(1, size)
        self.timeout = timeout
        # the most recently used first: a process that has just run a query has the
        # store's pages in its caches, so a lone client keeps getting a warm one
        self._idle: queue.LifoQueue[_Process] = queue.LifoQueue()
        self._all: list[_Process] = []
        self._lock = threading.Lock()

    def _take(self) -> _Process:
        """An idle process; a new one while the pool is below its size; else wait for one."""
        with contextlib.suppress(queue.Empty):
            return self._idle.get_nowait()
        with self._lock:
            if len(self._all) < self.size:
                process = _Process(self.store_path)
                self._all.append(process)
                return process
        try:
            return self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise PoolBusy from None

    def _replace(self, process: _Process) -> None:
        """Stop `process` and start its successor now; it joins the idle ones once it is
        ready, so that no query waits for a new interpreter to start (about 0.4 s)."""
        process.stop()
        successor = _Process(self.store_path)
        with self._lock:
            self._all.remove(process)
            self._all.append(successor)
        threading.Thread(target=self._when_ready, args=(successor,), daemon=True).start()

    def _when_ready(self, process: _Process) -> None:
        if process.wait_ready():
            self._idle.put(process)
            return
        process.stop()  # it could not start (or the pool was closed): it grows on demand
        with self._lock, contextlib.suppress(ValueError):
            self._all.remove(process)

    def run(self, job: Job) -> Reply:
        """The reply to `job`; raises QueryTimeout or PoolBusy."""
        process = self._take()
        if not process.wait_ready():
            self._replace(process)
            raise PoolBusy
        try:
            process.conn.send_bytes(pickle.dumps(job))
            if not process.answers_within(self.timeout):
                self._replace(process)
                raise QueryTimeout
            reply: Reply = pickle.loads(process.conn.recv_bytes())
        except (EOFError, OSError):
            self._replace(process)  # the process died (e.g. out of memory)
            return Refusal(503, "The query stopped its process; try again.", {"Retry-After": "1"})
        self._idle.put(process)
        return reply

    def pids(self) -> list[int]:
        """The query processes' ids (for tests and monitoring)."""
        with self._lock:
            return [p.process.pid for p in self._all]

    def close(self) -> None:
        with self._lock:
            for process in self._all:
                with contextlib.suppress(Exception):
                    process.stop()
            self._all.clear()
        self._idle = queue.LifoQueue()
