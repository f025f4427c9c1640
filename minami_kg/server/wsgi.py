"""Run the app under gunicorn: what `minami-kg serve` does without `--dev`.

gunicorn's own threaded worker (`gthread`) with its own settings: each web
process answers `threads` requests at once and keeps connections alive. A
/sparql query runs in a query process of the web process's pool
(`sparql.pool`), so a thread waiting on a runaway query holds no lock and
`/healthz` and the other pages keep answering. The app is built in each web
process after it forks (`load`), not in the master, so no store handle or
query process is ever shared across a fork.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from minami_kg.config import Settings


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class GunicornServer(BaseApplication):
    """gunicorn configured from our settings instead of its own command line."""

    def __init__(
        self, settings: Settings, *, host: str, port: int, workers: int, threads: int
    ) -> None:
        self.settings = settings
        self.options: dict[str, Any] = {
            "bind": bind_address(host, port),
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "keepalive": 5,
            # a web process whose main loop stalls this long is restarted; queries run
            # elsewhere, so only a bug stalls it
            "timeout": 30,
            "graceful_timeout": 10,
            # long GET queries: gunicorn's default request line limit is 4094 bytes
            "limit_request_line": 8190,
            "accesslog": None if settings.access_log.strip() == "off" else settings.access_log,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    # types-gunicorn's start_response type lacks the exc_info and write() of WSGI's, so
    # no WSGI app (Flask's included) fits the return type it gives `load`
    def load(self) -> Flask:  # type: ignore[override]
        from minami_kg.server import create_app

        return create_app(self.settings)


def serve(settings: Settings, *, host: str, port: int, workers: int, threads: int) -> None:
    GunicornServer(settings, host=host, port=port, workers=workers, threads=threads).run()
