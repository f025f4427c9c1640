"""The SPARQL servers every remote-store test runs on: Oxigraph's and Virtuoso.

The fixtures `engine` (empty, per test) and `seeded_engine` (the seed built in
by the CLI, per module) in conftest.py are parametrised over `ENGINES`, so a
test that takes either runs once per engine, its id ending `[oxigraph]` or
`[virtuoso]`. A test of something only one engine has starts that server itself.
"""

from __future__ import annotations

from pathlib import Path

from .oxigraph_server import OxigraphServer
from .virtuoso_server import VirtuosoServer

ENGINES = ("oxigraph", "virtuoso")

RemoteServer = OxigraphServer | VirtuosoServer


def make_server(engine: str, folder: Path) -> RemoteServer:
    """A server of that engine keeping its data under `folder` (not started)."""
    if engine == "oxigraph":
        return OxigraphServer(folder / "oxigraph")
    if engine == "virtuoso":
        return VirtuosoServer(folder / "virtuoso")
    raise ValueError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
