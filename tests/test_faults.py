"""Faults: a build killed or out of disk, a remote store that goes away, a damaged store.

* `kill -9` during a build, while the new generation is being written: the store
  link still names the old generation, `minami-kg serve` keeps answering from it,
  and the next build succeeds and removes the half-written generation.
* A full disk during a build, for real: the store sits on a small tmpfs mounted
  in a mount namespace of the build's own (`unshare`), once too small for the
  staging file and once too small for the new generation. The build exits 1 with
  one line naming the problem; the old store is byte for byte as it was and
  nothing half-written is left on the disk.
* The remote store stopped mid-run: /sparql, pages and the graph API answer 503
  with a message (and Retry-After on /sparql) and answer again once it is back.
  tests/test_remote_store.py::test_server_outage_and_recovery checks /healthz,
  the home page and the command line the same way.
* A damaged store folder (garbage, missing or cut files, no store at all):
  `minami-kg query` and `minami-kg serve` stop with one line and no traceback,
  /healthz and the pages answer 503 naming the store.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest

from minami_kg.build import build
from minami_kg.server import create_app
from minami_kg.store import EmbeddedStore

from .conftest import SEED, settings_for
from .remote_engines import RemoteServer
from .w3c.server import free_port, live_server

SERVE = "from minami_kg.cli import main; main()"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SERVE, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def _one_line_error(result: subprocess.CompletedProcess[str], *, naming: str) -> str:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith("Error: ") and naming in message, message
    assert "Traceback" not in result.stdout + result.stderr
    return message


def _get(url: str, path: str) -> tuple[int, str]:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("GET", path, headers={"Accept": "text/csv"})
    answer = connection.getresponse()
    return answer.status, answer.read().decode("utf-8", "replace")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    settings = settings_for(tmp_path / "var" / "store")
    build(settings, SEED)
    return settings.store


def _generations(store: Path) -> set[str]:
    return {p.name for p in (store.parent / f".{store.name}.generations").iterdir()}


# --- kill -9 during a build ------------------------------------------------------------------


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        assert process.poll() is None, "the build ended before it could be killed"
        assert time.monotonic() < deadline, "the build never reached the point to kill it at"
        time.sleep(0.005)


def test_a_build_killed_while_writing_leaves_the_old_store_serving(store: Path) -> None:
    before = EmbeddedStore(store).sorted_nquads()
    target = os.path.realpath(store)
    old = _generations(store)
    with live_server(store) as url:
        status, count = _get(url, "/sparql?query=" + quote(COUNT))
        assert status == 200
        build_process = subprocess.Popen(
            [sys.executable, "-c", SERVE, "build", "--source", str(SEED), "--store", str(store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(lambda: len(_generations(store)) > len(old), build_process)
        os.kill(build_process.pid, signal.SIGKILL)  # while the new generation is bulk-loaded
        assert build_process.wait(30) == -signal.SIGKILL

        assert os.path.realpath(store) == target
        assert len(_generations(store)) == len(old) + 1  # the half-written generation
        assert _get(url, "/sparql?query=" + quote(COUNT)) == (200, count)
        assert _get(url, "/healthz")[0] == 200
        assert _get(url, "/page/minami/2022/measure/gensai-01")[0] == 200
    assert EmbeddedStore(store).sorted_nquads() == before

    again = _cli("build", "--source", str(SEED), "--store", str(store))
    assert again.returncode == 0, again.stderr
    kept = _generations(store)
    assert len(kept) == 2 and Path(target).name in kept  # the new one and the one before
    assert EmbeddedStore(store).sorted_nquads() == before


# --- a full disk during a build --------------------------------------------------------------


def _kilobytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) // 1024 + 1


@pytest.mark.parametrize("room", ["no room for the staging file", "no room for the new store"])
def test_a_full_disk_stops_the_build_and_keeps_the_old_store(
    room: str, store: Path, tmp_path: Path
) -> None:
    before = EmbeddedStore(store).sorted_nquads()
    store_kb = _kilobytes(Path(os.path.realpath(store)))
    staging_kb = len(before) // 1024 + 1
    free_kb = 600 if room == "no room for the staging file" else staging_kb + 1000
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    out.mkdir()
    script = f"""
set -e
mount -t tmpfs -o size={store_kb + free_kb}k tmpfs {disk}
cp -a {store} {store.parent}/.{store.name}.generations {disk}/
set +e
{sys.executable} -c '{SERVE}' build --source {SEED} --store {disk}/store \
  > {out}/build.out 2> {out}/build.err
echo $? > {out}/rc
{sys.executable} -c '{SERVE}' export --format nq --store {disk}/store > {out}/after.nq
ls -A {disk} {disk}/.store.generations > {out}/files
"""
    namespace = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "-r", "--mount"]
    done = subprocess.run(
        [*namespace, "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "MINAMI_KG_DUMPS": str(out / "dumps"),
            "MINAMI_KG_SEARCH_INDEX": str(out / "search.sqlite"),
        },
    )
    assert done.returncode == 0, done.stderr

    result = subprocess.CompletedProcess(
        [],
        int((out / "rc").read_text()),
        (out / "build.out").read_text(),
        (out / "build.err").read_text(),
    )
    message = _one_line_error(result, naming="No space left on device")
    assert f"{disk}/" in message  # it names where it could not write
    assert (out / "after.nq").read_bytes() == before
    files = (out / "files").read_text().split()
    assert not [f for f in files if f.startswith(".build-")], files  # no staging file left
    assert Path(os.path.realpath(store)).name in files
    assert len([f for f in files if f[:1].isdigit()]) == 1, files  # no half generation


# --- the remote store going away --------------------------------------------------------------


def test_remote_store_down_is_503_with_a_message_then_recovers(engine: RemoteServer) -> None:
    build(engine.settings().with_changes(query_budget="off"))
    client = create_app(engine.settings().with_changes(query_budget="off")).test_client()
    node = "/api/graph/node?iri=" + quote("http://127.0.0.1:8000/id/minami/section/somu")
    paths = ["/sparql?format=json&query=" + quote(COUNT), "/page/minami/2022", node, "/matrix"]
    for path in paths:
        assert client.get(path).status_code == 200, path

    engine.stop()
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 503, (path, answer.status_code)
        assert "SPARQL server unavailable" in answer.get_data(as_text=True), path
    assert client.get(paths[0]).headers["Retry-After"]
    assert client.get("/api/search?q=防災").status_code == 200  # the index is a local file

    engine.start()  # same port, same data
    for path in paths:
        assert client.get(path).status_code == 200, path


# --- a damaged store folder ---------------------------------------------------------------------


def _garbage_current(folder: Path) -> None:
    (folder / "CURRENT").write_text("garbage\n")


def _missing_table(folder: Path) -> None:
    max(folder.glob("*.sst"), key=lambda p: p.stat().st_size).unlink()


def _cut_table(folder: Path) -> None:
    table = max(folder.glob("*.sst"), key=lambda p: p.stat().st_size)
    os.truncate(table, 100)


def _only_garbage(folder: Path) -> None:
    shutil.rmtree(folder)
    folder.mkdir()
    (folder / "notes.txt").write_text("not a store\n")
    (folder / "000001.sst").write_bytes(os.urandom(4096))


def _a_file(folder: Path) -> None:
    shutil.rmtree(folder)
    folder.write_text("a file where the store should be\n")


DAMAGE: dict[str, Callable[[Path], None]] = {
    "garbage CURRENT": _garbage_current,
    "a table missing": _missing_table,
    "a table cut short": _cut_table,
    "only garbage": _only_garbage,
    "a file instead": _a_file,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = settings_for(tmp_path_factory.mktemp("damaged") / "var" / "store")
    build(settings, SEED)
    return Path(os.path.realpath(settings.store))


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_store_is_one_line_at_start_and_503_in_the_app(
    damage: str, built: Path, tmp_path: Path
) -> None:
    damaged = tmp_path / "store"
    shutil.copytree(built, damaged)
    DAMAGE[damage](damaged)

    env = {"MINAMI_KG_STORE": str(damaged)}
    query = _cli("query", "ASK { ?s ?p ?o }", env=env)
    _one_line_error(query, naming=str(damaged))
    serve = _cli("serve", "--port", str(free_port()), env=env, timeout=60)
    _one_line_error(serve, naming=str(damaged))

    client = create_app(settings_for(damaged)).test_client()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["status"] == "unavailable"
    assert str(damaged) in health.get_json()["error"]
    assert client.get("/").status_code == 503
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 503
