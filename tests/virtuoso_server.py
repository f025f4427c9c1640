"""A real OpenLink Virtuoso on loopback, for the tests of the remote store backend.

Debian's `virtuoso-opensource` 7.2.5 (`virtuoso-t`, `isql-vt`), started in the
foreground on a throwaway database in a folder of the test's own, with its own
free ports for SQL (ISQL) and HTTP: never the system's service, and several
can run at once. The same interface as `OxigraphServer`, so the fixtures in
conftest.py run every remote-store test on both engines.

Virtuoso has one endpoint, `/sparql`, for queries and updates; updates need
the `SPARQL_UPDATE` role granted to the `SPARQL` user (the one the endpoint
runs as), done with `isql-vt` after the first start. `ResultSetMaxRows` is
written into the ini file (Virtuoso's default, 10,000, unless a test asks for
less) so that the silent row limit is always exercised.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from minami_kg.config import Settings

from .sparql_process import SparqlProcess
from .w3c.server import free_port

VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"
# Virtuoso's own pages (the /sparql form among them) come from its ServerRoot.
SERVER_ROOT = "/var/lib/virtuoso-opensource-7/vsp"
GRANT = 'GRANT SPARQL_UPDATE TO "SPARQL";'

INI = """\
[Database]
DatabaseFile       = {folder}/virtuoso.db
ErrorLogFile       = {folder}/virtuoso.log
LockFile           = {folder}/virtuoso.lck
TransactionFile    = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {folder}/virtuoso-temp.db
TransactionFile    = {folder}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
MaxClientConnections = 10
CheckpointInterval   = 60
CaseMode             = 2
DirsAllowed          = ., {folder}
NumberOfBuffers      = {buffers}
MaxDirtyBuffers      = {dirty_buffers}
ThreadsPerQuery      = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {server_root}
MaxClientConnections = 10
ServerThreads        = 10
EnabledDavVSP        = 0
Charset              = UTF-8

[SPARQL]
ResultSetMaxRows           = {max_rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 60
"""


def _binary(name: str) -> str:
    found = shutil.which(name)
    if not found:
        pytest.fail(
            f"`{name}` is missing: the remote-store tests need Virtuoso "
            "(apt-get install virtuoso-opensource)"
        )
    return found


class VirtuosoServer(SparqlProcess):
    """`virtuoso-t` in a subprocess; stopped and started again on the same ports and data."""

    BUFFERS = 4_000  # of 8 KB: 32 MB of page cache, ample for the seed's 11,403 quads
    DIRTY_BUFFERS = 3_000

    stop_wait = 30.0  # SIGTERM: a quick shutdown (about 1.5 s) that removes its lock file

    def __init__(self, folder: Path, *, max_rows: int = 10_000) -> None:
        self.folder = folder
        self.max_rows = max_rows
        self.sql_port = free_port()
        self.http_port = free_port()
        self.log = folder / "virtuoso.log"
        self.output = folder / "virtuoso.out"
        self.ini = folder / "virtuoso.ini"
        self.process: subprocess.Popen[bytes] | None = None
        self._granted = False

    @property
    def query_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def update_endpoint(self) -> str:
        return self.query_endpoint

    def options(self) -> list[str]:
        """One endpoint for both: the store's default for the update endpoint is used."""
        return ["--endpoint", self.query_endpoint]

    def settings(self) -> Settings:
        return Settings().with_changes(
            endpoint=self.query_endpoint,
            update_endpoint=None,
            search_index=self.folder / "search.sqlite",
        )

    def stderr(self) -> str:
        return self.output.read_text(errors="replace") if self.output.exists() else ""

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ini.write_text(
            INI.format(
                folder=self.folder,
                sql_port=self.sql_port,
                http_port=self.http_port,
                server_root=SERVER_ROOT,
                buffers=self.BUFFERS,
                dirty_buffers=self.DIRTY_BUFFERS,
                max_rows=self.max_rows,
            ),
            encoding="utf-8",
        )
        with self.output.open("ab") as output:
            self.process = subprocess.Popen(
                [_binary(VIRTUOSO), "+foreground", "+configfile", str(self.ini)],
                cwd=self.folder,
                stdout=output,
                stderr=output,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"virtuoso-t exited {self.process.returncode}:\n{self.stderr()}")
            if self.answers():
                break
            time.sleep(0.1)
        else:
            self.stop()
            pytest.fail(f"virtuoso-t did not answer within 60 s:\n{self.stderr()}")
        if not self._granted:
            self.isql(GRANT)
            self._granted = True

    def isql(self, statement: str) -> str:
        """One SQL statement through `isql-vt` as dba (the password of a fresh database)."""
        done = subprocess.run(
            [_binary(ISQL), str(self.sql_port), "dba", "dba", f"exec={statement}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            self.stop()
            pytest.fail(f"isql-vt {statement!r} failed:\n{done.stdout}{done.stderr}")
        return done.stdout
