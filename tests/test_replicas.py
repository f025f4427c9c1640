"""Read replicas that fail over: the recipe of docs/operators.md ("Read replicas"), run.

The seed's N-Quads dump (what `build` writes under var/dumps/) is loaded into
two `oxigraph serve-read-only` replicas; haproxy runs from the shipped
deploy/haproxy-replicas.cfg, its addresses filled in through the environment;
a real `minami-kg serve --endpoint` reads through haproxy. Eight clients read
pages, /sparql and /matrix JSON for 20 s while one replica is killed (SIGKILL)
half-way: not one request may fail, and requests must go on after the kill.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from minami_kg.build import BuildResult
from minami_kg.config import PROJECT_ROOT, Settings
from minami_kg.publish.dumps import DUMP_STEM

from .oxigraph_server import _oxigraph_binary
from .test_sparql_endpoint import PLAN_LABEL
from .w3c.server import SERVE, free_port

HAPROXY_CONFIG = PROJECT_ROOT / "deploy" / "haproxy-replicas.cfg"
CLIENTS = 8
RUN_SECONDS = 20.0
KILL_AFTER_SECONDS = 10.0


def _haproxy_binary() -> str:
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if not found:
        pytest.fail("haproxy is missing: apt-get install haproxy (Debian package `haproxy`)")
    return found


def _wait(
    what: str, ready: Callable[[], bool], process: subprocess.Popen[bytes], log: Path
) -> None:
    deadline = time.monotonic() + 30
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{what} did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)


def _answers(port: int, method: str, path: str, accept: str = "*/*") -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request(method, path, headers={"Accept": accept})
        return connection.getresponse().status == 200
    except OSError:
        return False


@dataclass
class Replica:
    """`oxigraph serve-read-only` over a directory of its own, loaded from the dump."""

    location: Path
    port: int
    process: subprocess.Popen[bytes]


def start_replica(location: Path, dump: Path) -> Replica:
    log = location.parent / f"{location.name}.log"
    loaded = subprocess.run(
        [_oxigraph_binary(), "load", "--location", str(location), "--file", str(dump)],
        capture_output=True,
        text=True,
    )
    assert loaded.returncode == 0, loaded.stderr
    port = free_port()
    bind = f"127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [_oxigraph_binary(), "serve-read-only", "--location", str(location), "--bind", bind],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    ask = "/query?" + urlencode({"query": "ASK { GRAPH ?g { ?s ?p ?o } }"})
    _wait("oxigraph serve-read-only", lambda: _answers(port, "GET", ask), process, log)
    return Replica(location, port, process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Balancer:
    port: int
    socket_path: Path
    log: Path

    def stats(self) -> dict[str, dict[str, str]]:
        """`show stat` on the admin socket: each server's (and the backend's) row by name."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(self.socket_path))
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        lines = data.decode().strip().splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:]]
        return {row["svname"]: row for row in rows if row["pxname"] == "replicas"}

    def cut_short(self) -> int:
        """Queries a replica died in the middle of (haproxy's log: termination state S…):
        the ones haproxy could not send again, left to the app's own retry."""
        states = [
            line.split()[-6] for line in self.log.read_text().splitlines() if "/query" in line
        ]
        return sum(1 for state in states if state.startswith("S"))


@pytest.fixture
def dump(seed_settings: Settings, seed_build: BuildResult) -> Path:
    """The gzipped N-Quads dump the build wrote; `oxigraph load` reads it as it is."""
    path = seed_settings.dumps_dir / f"{DUMP_STEM}.nq.gz"
    assert path.is_file(), f"the build wrote no {path.name}"
    return path


@pytest.fixture
def replicas(tmp_path: Path, dump: Path) -> Iterator[list[Replica]]:
    started: list[Replica] = []
    try:
        for number in (1, 2):
            started.append(start_replica(tmp_path / f"replica-{number}", dump))
        yield started
    finally:
        for replica in started:
            stop(replica.process)


@pytest.fixture
def balancer(tmp_path: Path, replicas: list[Replica]) -> Iterator[Balancer]:
    port = free_port()
    balancer = Balancer(port, tmp_path / "haproxy.sock", tmp_path / "haproxy.log")
    env = {
        **os.environ,
        "MINAMI_KG_LB_BIND": f"127.0.0.1:{port}",
        "MINAMI_KG_LB_SOCKET": str(balancer.socket_path),
        "MINAMI_KG_REPLICA_1": f"127.0.0.1:{replicas[0].port}",
        "MINAMI_KG_REPLICA_2": f"127.0.0.1:{replicas[1].port}",
    }
    with balancer.log.open("wb") as out:
        process = subprocess.Popen(
            [_haproxy_binary(), "-f", str(HAPROXY_CONFIG), "-db"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def both_up() -> bool:
            if not balancer.socket_path.exists():
                return False
            stats = balancer.stats()
            return all(stats[name]["status"] == "UP" for name in ("replica1", "replica2"))

        _wait("haproxy", both_up, process, balancer.log)
        yield balancer
    finally:
        stop(process)


@pytest.fixture
def app_port(tmp_path: Path, balancer: Balancer) -> Iterator[int]:
    """`minami-kg serve --endpoint http://<haproxy>/query`, search index of its own."""
    port = free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "MINAMI_KG_SEARCH_INDEX": str(tmp_path / "search.sqlite"),
        "MINAMI_KG_QUERY_BUDGET": "off",
    }
    endpoint = f"http://127.0.0.1:{balancer.port}/query"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE, "serve", "--endpoint", endpoint, "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait("minami-kg serve", lambda: _answers(port, "GET", "/healthz"), process, log)
        yield port
    finally:
        stop(process)


@dataclass(frozen=True)
class Read:
    """One request of the mix and what its answer must hold."""

    method: str
    path: str
    accept: str
    check: Callable[[bytes], bool]
    body: str | None = None


@dataclass(frozen=True)
class Outcome:
    read: Read
    started: float  # time.monotonic()
    status: int
    ok: bool
    detail: str


def send(port: int, source: str, read: Read) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=60, source_address=(source, 0)
    )
    headers = {"Accept": read.accept}
    if read.body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(read.method, read.path, read.body, headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def the_mix(port: int) -> list[Read]:
    """Pages, a linked-data page, /sparql and /matrix JSON; JSON answers must equal the
    answer taken before the run, pages must show what the plan's page shows."""
    matrix = "/matrix?format=json"
    sparql = urlencode({"query": PLAN_LABEL})
    status, matrix_body = send(port, "127.0.0.1", Read("GET", matrix, "*/*", bool))
    assert status == 200
    status, sparql_body = send(
        port, "127.0.0.1", Read("POST", "/sparql", "application/sparql-results+json", bool, sparql)
    )
    assert status == 200 and "南区運営方針" in sparql_body.decode()
    matrix_json = json.loads(matrix_body)
    sparql_json = json.loads(sparql_body)
    return [
        Read("GET", "/plans", "text/html", lambda b: "南区運営方針" in b.decode()),
        Read(
            "GET",
            "/page/minami/2022/measure/gensai-01",  # where /id/… sends a browser
            "text/html",
            lambda b: "gensai-01" in b.decode(),
        ),
        Read(
            "POST",
            "/sparql",
            "application/sparql-results+json",
            lambda b: json.loads(b) == sparql_json,
            sparql,
        ),
        Read("GET", matrix, "application/json", lambda b: json.loads(b) == matrix_json),
    ]


def client(port: int, number: int, mix: list[Read], until: float, outcomes: list[Outcome]) -> None:
    """One reader from an address of its own (the per-client limits count addresses)."""
    source = f"127.0.0.{10 + number}"
    turn = number
    while time.monotonic() < until:
        read = mix[turn % len(mix)]
        turn += 1
        started = time.monotonic()
        try:
            status, body = send(port, source, read)
            ok = status == 200 and read.check(body)
            text = body.decode(errors="replace")
            # a page's error message names the endpoint; SPARQL and JSON errors are short
            at = text.find("http://127.0.0.1")
            detail = "" if ok else text[max(at - 200, 0) : at + 300] if at >= 0 else text[:300]
        except (OSError, http.client.HTTPException, ValueError) as err:
            status, ok, detail = 0, False, repr(err)
        outcomes.append(Outcome(read, started, status, ok, detail))


def test_killing_a_replica_fails_no_request(
    app_port: int, balancer: Balancer, replicas: list[Replica]
) -> None:
    mix = the_mix(app_port)
    outcomes: list[Outcome] = []
    start = time.monotonic()
    until = start + RUN_SECONDS
    threads = [
        threading.Thread(target=client, args=(app_port, n, mix, until, outcomes))
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    time.sleep(KILL_AFTER_SECONDS)
    before = balancer.stats()
    victim = replicas[0].process
    killed_at = time.monotonic()
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    for thread in threads:
        thread.join()
    after = balancer.stats()

    failed = [o for o in outcomes if not o.ok]
    after_kill = [o for o in outcomes if o.started > killed_at]
    survivor_sessions = int(after["replica2"]["stot"]) - int(before["replica2"]["stot"])
    print(
        f"\nrequests {len(outcomes)}, after the kill {len(after_kill)}, failed {len(failed)}; "
        f"haproxy: replica1 {after['replica1']['status']}, sessions before the kill "
        f"{before['replica1']['stot']}/{before['replica2']['stot']}, retries "
        f"{after['BACKEND']['wretr']}, redispatches {after['BACKEND']['wredis']}, "
        f"answers cut short (retried by the app) {balancer.cut_short()}"
    )
    assert not failed, [(o.read.path, o.status, o.detail) for o in failed[:5]]
    # both replicas were in use before the kill, so the kill took work away
    assert int(before["replica1"]["stot"]) > 0 and int(before["replica2"]["stot"]) > 0
    # the health check took the dead replica out; the survivor answered what followed
    assert after["replica1"]["status"].startswith("DOWN")
    assert len(after_kill) >= CLIENTS and survivor_sessions > 0
    assert {o.read.path for o in after_kill} == {r.path for r in mix}
