"""A real `minami-kg serve` (waitress) on a free loopback port, for tests over HTTP."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SERVE = "from minami_kg.cli import main; main()"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(store: Path, *, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start `minami-kg serve` over `store`; yield its base URL; stop it afterwards.

    Fails with the server's own output when it does not answer /healthz in time.
    """
    with served(store, env=env) as (url, _):
        yield url


@contextmanager
def served(
    store: Path, *, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`live_server`, yielding the server's process with its URL."""
    port = free_port()
    environ = {
        **os.environ,
        "MINAMI_KG_QUERY_BUDGET": "off",  # tests send more than a client may; a test can set it
        **(env or {}),
        "PORT": str(port),
        "MINAMI_KG_STORE": str(store),
    }
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE, "serve"],
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while not _answers(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"server did not start:\n{log.read().decode()}")
                time.sleep(0.1)
            yield f"http://127.0.0.1:{port}", process
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
