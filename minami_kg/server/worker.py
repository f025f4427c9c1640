"""A gunicorn worker that serves one request at a time and keeps connections alive.

gunicorn's sync worker closes the connection after every response, so every
request pays for a new TCP connection; its gthread worker keeps connections
alive but hands each request from a poller to a thread, which cost more than
the connection saved (measured in docs/performance.md). This worker does
neither: one thread waits on the listening socket and on the connections it
keeps, and serves each ready request itself, then waits again. So a request
never waits for a hand-over, and a client that sends one query after
another keeps one connection (and one worker's warm caches).

It keeps the property the /sparql watchdog relies on (`watchdog`): the
process serves one request at a time, in its main thread, so ending the
process stops exactly one running query. The connections the process keeps
end with it; before it ends, `release_connections` answers a request already
waiting on one of them with a 503 and closes the idle ones, so no client is
left without an answer. New connections go to the other workers meanwhile:
this one accepts only while it waits.
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import socket
import struct
import time
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from gunicorn import http, util
from gunicorn.config import Config
from gunicorn.http import wsgi
from gunicorn.http.errors import NoMoreData
from gunicorn.workers import base

from minami_kg.server.watchdog import RELEASE_KEY, closing_answer

# Waiting for the rest of a request body before the connection is reused.
DRAIN_SECONDS = 2.0
# How long a client may stall in the middle of a request, unless the application
# says otherwise (`GunicornServer.client_timeout`, from MINAMI_KG_CLIENT_TIMEOUT).
CLIENT_SECONDS = 10.0

REQUEST_TIMEOUT = closing_answer(
    "408 Request Timeout", "The request stopped arriving; send it again."
)


class OneWrite:
    """Sends a response's head together with the first piece of its body.

    gunicorn writes the head and the body with two `sendall` calls, that is
    two TCP segments, and the client wakes up twice. Holding the head back
    until the body's first bytes (or the end of the response) halves both.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.held: bytes | None = None
        self.writes = 0

    def sendall(self, data: bytes) -> None:
        self.writes += 1
        if self.writes == 1:
            self.held = bytes(data)
            return
        self.flush(data)

    def sendfile(self, file: Any, offset: int = 0, count: int | None = None) -> int:
        self.flush()
        return self.sock.sendfile(file, offset=offset, count=count)

    def flush(self, data: bytes = b"") -> None:
        if self.held is not None:
            data, self.held = self.held + data, None
        if data:
            self.sock.sendall(data)


class SettledConfig:
    """gunicorn's configuration with each setting looked up once, then read as an attribute.

    gunicorn's `Config` finds a setting through `__getattr__` on every read,
    and parsing one request reads dozens of them: about a third of the
    parser's time (34 → 22 µs a request, measured in process). A worker's
    settings do not change while it runs: a reload starts new workers.
    """

    def __init__(self, cfg: Any) -> None:
        self._cfg = cfg

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._cfg, name)
        setattr(self, name, value)
        return value


@dataclass(eq=False)
class Connection:
    sock: socket.socket
    client: Any
    server: Any
    parser: Any = None
    last_used: float = field(default_factory=time.monotonic)


class KeepAliveWorker(base.Worker):
    """One request at a time, connections kept alive for `keepalive` seconds."""

    def init_process(self) -> None:
        # a stand-in: gunicorn only reads settings off its Config, and each read passes through
        self.cfg = cast(Config, SettledConfig(self.cfg))
        self.client_seconds = float(getattr(self.app, "client_timeout", CLIENT_SECONDS))
        self.selector = selectors.DefaultSelector()
        self.kept: dict[int, Connection] = {}
        super().init_process()

    def run(self) -> None:
        for listener in self.sockets:
            listener.setblocking(False)
            self.selector.register(listener, selectors.EVENT_READ, listener)
        self.selector.register(self.PIPE[0], selectors.EVENT_READ, None)
        try:
            while self.alive:
                self.notify()
                for key, _ in self.selector.select(self._wait_seconds()):
                    if key.data is None:  # a signal woke us
                        os.read(self.PIPE[0], 4096)
                    elif isinstance(key.data, Connection):
                        self._serve(key.data)
                    else:
                        self._accept(key.data)
                self._close_idle()
                if self.ppid != os.getppid():
                    self.log.info("Parent changed, shutting down: %s", self)
                    break
        finally:
            for conn in list(self.kept.values()):
                self._close(conn)

    def _wait_seconds(self) -> float:
        """Wake in time to tell the arbiter we are alive and to drop idle connections."""
        wait = self.timeout / 2 if self.timeout else 0.5
        if self.kept:
            wait = min(wait, self.cfg.keepalive)
        return max(wait, 0.05)

    def _accept(self, listener: socket.socket) -> None:
        try:
            sock, client = listener.accept()
        except OSError as err:  # another worker took it, or the client left
            if err.errno in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                return
            raise
        sock.setblocking(True)
        limit_waits(sock, self.client_seconds)
        util.close_on_exec(sock)
        conn = Connection(sock, client, listener.getsockname())
        if has_bytes(sock):
            self._serve(conn)
        else:  # opened ahead of its request (browsers do): wait for it with the others
            self._keep(conn)

    def _serve(self, conn: Connection) -> None:
        """Serve the next request of `conn`, then keep the connection or close it."""
        keep = False
        req = None
        try:
            if conn.parser is None:
                conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
            req = next(conn.parser)
            keep = self._handle_request(req, conn) and conn.parser.finish_body(
                deadline=time.monotonic() + DRAIN_SECONDS
            )
        except (NoMoreData, StopIteration):
            pass  # the client closed the connection, or the request ended it
        except (BlockingIOError, TimeoutError):  # the client stalled (`limit_waits`)
            if req is None:  # in the request's head: say so; a stalled reader gets nothing
                with contextlib.suppress(OSError):
                    conn.sock.sendall(REQUEST_TIMEOUT)
        except OSError as err:
            if err.errno not in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN):
                self.log.exception("Socket error processing request.")
        except BaseException as err:
            self.handle_error(req, conn.sock, conn.client, err)
        if keep and self.alive:
            self._keep(conn)
        else:
            self._close(conn)

    def _keep(self, conn: Connection) -> None:
        conn.last_used = time.monotonic()
        if conn.sock.fileno() not in self.kept:
            self.kept[conn.sock.fileno()] = conn
            self.selector.register(conn.sock, selectors.EVENT_READ, conn)

    def _handle_request(self, req: Any, conn: Connection) -> bool:
        """Run the app for one request as gunicorn's sync worker does; True: keep the connection."""
        environ: MutableMapping[str, Any] = {}
        resp = None
        try:
            self.cfg.pre_request(self, req)
            started = datetime.now()
            resp, environ = wsgi.create(req, conn.sock, conn.client, conn.server, self.cfg)
            writer = OneWrite(conn.sock)
            # a stand-in: gunicorn's Response writes to its socket with sendall and sendfile only
            resp.sock = cast(socket.socket, writer)
            environ[RELEASE_KEY] = self.release_connections
            self.nr += 1
            if self.nr >= self.max_requests:
                self.log.info("Autorestarting worker after current request.")
                self.alive = False
            if not self.alive or not self.cfg.keepalive:
                resp.force_close()
            # types-gunicorn's start_response type lacks the exc_info and write() of WSGI's
            respiter = self.wsgi(environ, resp.start_response)  # type: ignore[arg-type]
            try:
                if isinstance(respiter, environ["wsgi.file_wrapper"]):
                    resp.write_file(respiter)
                else:
                    for item in respiter:
                        resp.write(item)
                resp.close()
                writer.flush()
            finally:
                self.log.access(resp, req, environ, datetime.now() - started)
                if hasattr(respiter, "close"):
                    respiter.close()
            return not resp.should_close()
        except OSError:
            raise
        except (Exception, SystemExit):
            if resp and resp.headers_sent:
                self.log.exception("Error handling request")
                raise StopIteration() from None
            raise
        finally:
            try:
                self.cfg.post_request(self, req, environ, resp)
            except Exception:
                self.log.exception("Exception in post_request hook")

    def _close_idle(self) -> None:
        limit = time.monotonic() - self.cfg.keepalive
        for conn in [c for c in self.kept.values() if c.last_used < limit]:
            self._close(conn)

    def _close(self, conn: Connection) -> None:
        if self.kept.pop(conn.sock.fileno(), None) is not None:
            self.selector.unregister(conn.sock)
        util.close(conn.sock)

    def release_connections(self, answer: bytes, serving: socket.socket) -> None:
        """Before the process ends: answer requests waiting on kept connections, close the rest.

        Called from the watchdog thread while the main thread is stuck in a
        query, so the kept connections are not in use; `serving` (the socket
        of that query) has been answered already.
        """
        waiting = {key.fileobj for key, _ in self.selector.select(0)}
        for conn in list(self.kept.values()):
            if conn.sock is serving:
                continue
            with contextlib.suppress(OSError):
                if conn.sock in waiting:
                    conn.sock.sendall(answer)
                conn.sock.shutdown(socket.SHUT_RDWR)


def limit_waits(sock: socket.socket, seconds: float) -> None:
    """Make each wait of a read or a write on `sock` end after `seconds`.

    A client that stalls in the middle of a request would otherwise hold the
    worker, which serves one request at a time. The kernel keeps the limit
    (SO_RCVTIMEO, SO_SNDTIMEO), so the socket stays blocking: Python's own
    timeout would poll before every read and write, and would bound a whole
    `sendall` instead of each wait on a slow reader. A wait that ends this way
    raises BlockingIOError.
    """
    whole = int(seconds)
    limit = struct.pack("ll", whole, int((seconds - whole) * 1_000_000))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, limit)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, limit)


def has_bytes(sock: socket.socket) -> bool:
    """Whether the client has sent something (or closed) already, without waiting for it."""
    try:
        sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return False
    except OSError:
        return True  # reading it will say what is wrong
    return True
