"""Run a /sparql query in the web worker itself; on timeout, answer 503 and end the process.

Sending each query to a query process (`query_pool`) costs a hop between two
processes per request, which is most of what a light query costs us. Under
`minami-kg serve` the hop is not needed to keep timeouts real: a web worker
(`worker.KeepAliveWorker`) serves one request at a time, and the
arbiter starts a fresh worker whenever one exits. So the worker runs the
query itself (pyoxigraph releases the GIL while it works) and one watchdog
thread watches the clock. When the query outlives `sparql_timeout`, the
watchdog writes a complete 503 with Retry-After onto the client's socket and
ends the process with `os._exit`: the query is really stopped, the client
gets its answer, and the other workers keep answering meanwhile. Requests
already waiting on the other connections the worker keeps alive are answered
with a 503 asking to send them again (`Client.release`), the idle ones closed.

Only where the request owns the process and its socket: gunicorn's
`environ["gunicorn.socket"]`, one request at a time (`wsgi.multithread` false).
Anywhere else (Flask's dev server, the test client, threaded servers), the
query pool runs the query.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

# The watchdog's exit status; gunicorn logs it and starts a new worker
# (only 3 and 4 would make it stop the whole server).
EXIT_STATUS = 70


RESTART_MESSAGE = (
    "The server process holding this connection was restarted to stop a query that ran "
    "too long. Send the request again."
)


def timeout_message(seconds: float) -> str:
    return (
        f"The query ran longer than {seconds:g} s and was stopped. "
        "Narrow it (a LIMIT, fewer OPTIONALs, a more specific pattern) and try again."
    )


# Where our gunicorn worker (`worker`) puts its `release_connections`.
RELEASE_KEY = "minami_kg.release_connections"

Release = Callable[[bytes, socket.socket], None]


@dataclass(frozen=True)
class Client:
    """The socket of the request being watched, and how to let the process's other
    connections go before it ends (None where the process keeps no others)."""

    sock: socket.socket
    release: Release | None = None


def client_socket(environ: Mapping[str, object]) -> Client | None:
    """The client when this process may be ended to stop a query, else None."""
    sock = environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket) and not environ.get("wsgi.multithread"):
        release = environ.get(RELEASE_KEY)
        return Client(sock, release if callable(release) else None)
    return None


class Watchdog:
    """Ends the process when the request it watches runs longer than `timeout` seconds.

    One thread per process, started with the first query. It does not wake
    for every request: it sleeps until the deadline it last saw and then
    looks again, so it wakes about once per `timeout` while queries arrive.
    """

    def __init__(self, timeout: float, headers: Mapping[str, str]) -> None:
        self.timeout = timeout
        self.headers = dict(headers)
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self._client: Client | None = None
        self._idle = False
        self._thread: threading.Thread | None = None

    @contextmanager
    def watching(self, client: Client) -> Iterator[None]:
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="watchdog", daemon=True)
                self._thread.start()
            self._deadline = time.monotonic() + self.timeout
            self._client = client
            if self._idle:
                self._cond.notify()
        try:
            yield
        finally:
            with self._cond:  # held by the watchdog while it answers and exits
                self._deadline = self._client = None

    def _watch(self) -> None:
        with self._cond:
            while True:
                if self._deadline is None or self._client is None:
                    self._idle = True
                    self._cond.wait()
                    self._idle = False
                    continue
                left = self._deadline - time.monotonic()
                if left <= 0:
                    self._answer_and_exit(self._client)
                self._cond.wait(left)

    def _answer_and_exit(self, client: Client) -> None:
        with contextlib.suppress(OSError):  # the client may have gone already
            client.sock.sendall(self._unavailable(timeout_message(self.timeout)))
            client.sock.shutdown(socket.SHUT_WR)
        if client.release is not None:
            client.release(self._unavailable(RESTART_MESSAGE), client.sock)
        os.write(2, f"[{os.getpid()}] /sparql: query over {self.timeout:g} s; exiting\n".encode())
        os._exit(EXIT_STATUS)

    def _unavailable(self, message: str) -> bytes:
        return closing_answer("503 Service Unavailable", message, self.headers)


def closing_answer(status: str, message: str, headers: Mapping[str, str] | None = None) -> bytes:
    """A complete plain-text response that closes its connection, for writing straight
    onto a client's socket when the app cannot answer (a stopped query, a stalled client)."""
    body = (message + "\n").encode()
    head = [
        f"HTTP/1.1 {status}",
        "Content-Type: text/plain; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    return "\r\n".join(head).encode() + b"\r\n\r\n" + body
