"""Shared fixtures: a real on-disk Oxigraph store built from the seed, once per session,
and real SPARQL servers (Oxigraph, Virtuoso) for the remote store (`engine`, `seeded_engine`).

The session store is built once and never changed; a test that rebuilds or
breaks a store makes its own under `tmp_path`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from minami_kg.accounts import Accounts
from minami_kg.build import BuildResult, build
from minami_kg.cli import main
from minami_kg.config import PROJECT_ROOT, Settings
from minami_kg.server import create_app
from minami_kg.store import EmbeddedStore

from .remote_engines import ENGINES, RemoteServer, make_server

FIXTURES = Path(__file__).parent / "fixtures"
BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives Debian's Chromium (deselect with -m 'not browser')"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/browser/ is a browser test, so `-m "not browser"` runs the rest."""
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)


SEED = PROJECT_ROOT / "data" / "sources" / "minami" / "2022" / "minami-r4-unei-hoshin.txt"


def settings_for(store: Path) -> Settings:
    """Defaults of the repository (not the environment) with a store of the test's own.

    The rate limit is off: one test module sends more requests a minute than a
    client may (tests/test_hostile.py turns it on to test it).
    """
    return Settings().with_changes(store=store, query_budget="off")


STAFF_PASSWORD = "correct horse battery staple"


def staffed_settings(root: Path, *, admin: str = "admin") -> Settings:
    """A store built under `root` from a copy of the curation files, with two reviewers
    (yamada, sato) and an admin: staff decisions write to the copy, never to data/curation."""
    curation = root / "curation"
    shutil.copytree(PROJECT_ROOT / "data" / "curation", curation)
    settings = settings_for(root / "var" / "store").with_changes(
        curation=curation, users=root / "users.toml"
    )
    build(settings)
    staff = Accounts(settings.users_path)
    staff.add("yamada", "reviewer", STAFF_PASSWORD, "山田")
    staff.add("sato", "reviewer", STAFF_PASSWORD, "佐藤")
    staff.add(admin, "admin", STAFF_PASSWORD, "管理者")
    return settings


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_for(tmp_path_factory.mktemp("seed") / "store")


@pytest.fixture(scope="session")
def seed_build(seed_settings: Settings) -> BuildResult:
    return build(seed_settings)


@pytest.fixture(scope="session")
def seed_store(seed_settings: Settings, seed_build: BuildResult) -> EmbeddedStore:
    return EmbeddedStore(seed_settings.store)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def app(seed_settings: Settings, seed_build: BuildResult) -> Flask:
    """The web app over the session's seed store, one per test module."""
    return create_app(seed_settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session", params=ENGINES)
def remote_engine(request: pytest.FixtureRequest) -> str:
    """Which SPARQL server the remote-store fixtures start: each test runs on each."""
    return str(request.param)


@pytest.fixture
def engine(remote_engine: str, tmp_path: Path) -> Iterator[RemoteServer]:
    """A fresh, empty server of the test's own."""
    server = make_server(remote_engine, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def seeded_engine(
    remote_engine: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RemoteServer]:
    """A server with the seed built into it by the CLI; never changed afterwards.

    The build writes its search index where the server's `settings()` look, so
    an app made from them serves /api/search too.
    """
    server = make_server(remote_engine, tmp_path_factory.mktemp(f"remote-{remote_engine}"))
    server.start()
    try:
        index = {"MINAMI_KG_SEARCH_INDEX": str(server.settings().search_index_path)}
        result = CliRunner().invoke(
            main, ["build", *server.options()], env=index, catch_exceptions=False
        )
        assert result.exit_code == 0, result.output + result.stderr + server.stderr()
        assert "36 measures, 39 actions, 14 sections" in result.output
        yield server
    finally:
        server.stop()
