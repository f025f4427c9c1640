"""A real `oxigraph serve` on loopback, for the tests of the remote store backend.

The server is the `oxigraph` binary from PyPI (the test extra). The fixtures
`oxigraph` (empty, per test) and `seeded` (the seed built in by the CLI, per
module) are in conftest.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from minami_kg.cli import main
from minami_kg.config import Settings

from .sparql_process import SparqlProcess
from .w3c.server import free_port

# A build writes its search index beside the store, and a remote store has no
# folder of ours: CLI runs against a remote store write theirs here, never into var/.
INDEX_ENV = {
    "MINAMI_KG_SEARCH_INDEX": str(Path(tempfile.mkdtemp(prefix="minami-kg-")) / "search.sqlite")
}


def run_cli(runner: CliRunner, *args: str) -> Result:
    """`minami-kg ARGS` through click's runner, with the search index kept out of var/."""
    return runner.invoke(main, list(args), env=INDEX_ENV, catch_exceptions=False)


def _oxigraph_binary() -> str:
    beside_python = Path(sys.executable).parent / "oxigraph"
    found = str(beside_python) if beside_python.exists() else shutil.which("oxigraph")
    if not found:
        pytest.fail("the `oxigraph` server is missing: pip install -e '.[test]'")
    return found


class OxigraphServer(SparqlProcess):
    """`oxigraph serve` in a subprocess; stopped and started again on the same port and data."""

    def __init__(self, location: Path, *flags: str) -> None:
        self.location = location
        self.flags = flags
        self.port = free_port()
        self.log = location.parent / f"{location.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def query_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    @property
    def update_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/update"

    def options(self) -> list[str]:
        return ["--endpoint", self.query_endpoint, "--update-endpoint", self.update_endpoint]

    def settings(self) -> Settings:
        return Settings().with_changes(
            endpoint=self.query_endpoint,
            update_endpoint=self.update_endpoint,
            search_index=self.location.parent / f"{self.location.name}-search.sqlite",
        )

    def stderr(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    _oxigraph_binary(),
                    "serve",
                    "--location",
                    str(self.location),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    *self.flags,
                ],
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"oxigraph serve exited {self.process.returncode}:\n{self.stderr()}")
            if self.answers():
                return
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"oxigraph serve did not answer within 30 s:\n{self.stderr()}")
