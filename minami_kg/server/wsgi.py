"""Serve the app with waitress: what `minami-kg serve` does without `--dev`.

One process answers `threads` requests at once and keeps connections alive.
A /sparql query runs in a query process of the app's pool (`sparql.pool`), so
a thread waiting on a runaway query holds no lock, and `/healthz` and the
other pages keep answering; the queries, where a crash or a runaway could
happen, are the part that runs in processes of their own. waitress reads a
whole request before the app sees it and writes the answer from its own
buffers, so a client that trickles its request or its reading holds no
thread. Measured against gunicorn's threaded worker on the same app, it took
0.1–0.4 ms less a request (docs/performance.md). More processes or machines
run as more instances behind a reverse proxy; they share the work limit's
counters through the store's folder.
"""

from __future__ import annotations

import logging
import signal
import sys
import time

from flask import Flask, Response, request
from waitress import serve as waitress_serve

from minami_kg.config import Settings

ACCESS_LOG = "minami_kg.access"
SPARE_THREADS = 4
"""Threads beyond the query processes, so that pages and /healthz are answered while every
query process is busy (a thread waits on its query's process the whole time)."""


def access_log(app: Flask, target: str) -> None:
    """A line per request in the Common Log Format, to standard output (`-`) or a file.

    waitress writes none of its own; a reverse proxy in front usually does.
    """
    handler: logging.Handler = (
        logging.StreamHandler(sys.stdout) if target == "-" else logging.FileHandler(target)
    )
    logger = logging.getLogger(ACCESS_LOG)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False

    @app.after_request
    def log_request(response: Response) -> Response:
        when = time.strftime("%d/%b/%Y:%H:%M:%S %z")
        line = request.full_path if request.query_string else request.path
        logger.info(
            '%s - - [%s] "%s %s %s" %s %s',
            request.remote_addr or "-",
            when,
            request.method,
            line,
            request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            response.status_code,
            response.content_length if response.content_length is not None else "-",
        )
        return response


def audit_log() -> None:
    """The staff audit log (`minami_kg.audit`: sign-ins, decisions, account changes) on
    standard error, always: it is short, and an operator must be able to read it."""
    logger = logging.getLogger("minami_kg.audit")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)


def serve(
    app: Flask, settings: Settings, *, host: str, port: int, threads: int | None = None
) -> None:
    """Serve `app` until SIGTERM or Ctrl-C, with `threads` threads (default: one for each
    query process, and SPARE_THREADS more)."""
    if settings.access_log.strip() not in ("", "off"):
        access_log(app, settings.access_log.strip())
    audit_log()
    # SIGTERM (systemd, `docker stop`) stops the server as Ctrl-C does: waitress gives the
    # requests in flight up to 5 s, and the process ends normally, so the work limit leaves
    # its counter file (`limits`) and the query processes see their socket close.
    signal.signal(signal.SIGTERM, _stop)
    waitress_serve(
        app,
        host=host,
        port=port,
        threads=threads or settings.query_processes + SPARE_THREADS,
        ident="minami-kg",
        # long GET queries: the request line and headers together, up to 64 KB
        max_request_header_size=65_536,
        # the protocol's own limit answers 413 with a message; this is waitress's backstop
        max_request_body_size=max(settings.max_body_bytes * 2, 1 << 20),
        channel_timeout=max(30, int(settings.sparql_timeout) + 10),
    )
