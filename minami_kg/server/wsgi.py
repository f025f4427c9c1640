"""Run the app under gunicorn: what `minami-kg serve` does without `--dev`.

Each web process serves one request at a time, so it runs a /sparql query
itself and a runaway query is stopped by ending that process (`watchdog`);
the arbiter starts a fresh one, and new connections go to the other workers
meanwhile. Our worker class (`worker.KeepAliveWorker`) keeps that model and
adds keep-alive: gunicorn's sync worker closes the connection after each
response, and its gthread worker hands each request to a thread; both cost
more per request than the query of a point lookup (docs/performance.md).

The app is built in each gunicorn worker after it forks (`load`), not in the
master, so no store handle or query process is ever shared across a fork.
"""

from __future__ import annotations

import gc
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from minami_kg.config import Settings


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class GunicornServer(BaseApplication):
    """gunicorn configured from our settings instead of its own command line."""

    def __init__(self, settings: Settings, *, host: str, port: int, workers: int) -> None:
        self.settings = settings
        self.options: dict[str, Any] = {
            "bind": bind_address(host, port),
            "workers": workers,
            "worker_class": "minami_kg.server.worker.KeepAliveWorker",
            # seconds an idle connection is kept open for the client's next request
            "keepalive": 5,
            # gunicorn must not kill a web worker that is running a slow query:
            # the watchdog stops the query first, after sparql_timeout.
            "timeout": max(30, int(settings.sparql_timeout * 2) + 10),
            "graceful_timeout": 10,
            # long GET queries: gunicorn's default request line limit is 4094 bytes
            "limit_request_line": 8190,
            "accesslog": None if settings.access_log.strip() == "off" else settings.access_log,
        }
        super().__init__()

    @property
    def client_timeout(self) -> float:
        """Read by our worker class: how long a client may stall in the middle of a request."""
        return self.settings.client_timeout

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    # types-gunicorn's start_response type lacks the exc_info and write() of WSGI's, so
    # no WSGI app (Flask's included) fits the return type it gives `load`
    def load(self) -> Flask:  # type: ignore[override]
        from minami_kg.server import create_app

        app = create_app(self.settings)
        # What exists now lives as long as the worker: keep it out of the cyclic
        # collector's full passes (on the seed app, one took 35 ms).
        gc.freeze()
        return app


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    GunicornServer(settings, host=host, port=port, workers=workers).run()
