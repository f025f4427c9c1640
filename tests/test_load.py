"""Load on loopback: 8 clients mixing SPARQL, pages and search, with a rebuild in the middle.

A real `minami-kg serve` (work limit off) over a store
of the test's own answers 8 threads, each sending one request after another
for `MINAMI_KG_LOAD_SECONDS` seconds (default 8; the figures in
docs/security.md are from a 60 s run), and on for a third of that after the
rebuild if the rebuild ends late: canned queries POSTed to /sparql,
pages (home, a measure, a section, the matrix, a canned query's page, the
graph's JSON) and search (page and API). A third of the way in, `minami-kg
build` rebuilds the same store; the server swaps to the new generation
between two requests.

Every answer must be a 200: no error, no timeout, none during the swap. The
test writes the figures (requests, rate, p50, p90, p99, max) to
test-artifacts/load.json and prints them; it asserts nothing about time.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest

from minami_kg.build import build
from minami_kg.config import PROJECT_ROOT
from minami_kg.queries import canned_queries

from .conftest import SEED, settings_for
from .w3c.server import live_server

SECONDS = float(os.environ.get("MINAMI_KG_LOAD_SECONDS", "8"))
CLIENTS = 8
REPORT = PROJECT_ROOT / "test-artifacts" / "load.json"
SERVE = "from minami_kg.cli import main; main()"
PAGES = [
    "/",
    "/page/minami/2022/measure/gensai-01",
    "/sections/minami/somu",
    "/matrix",
    "/queries/sections-by-reach",
    "/api/graph/node?iri=http%3A%2F%2F127.0.0.1%3A8000%2Fid%2Fminami%2Fsection%2Fsomu",
]
SEARCHES = ["/api/search?q=防災", "/search?q=子ども", "/api/search?q=自治会町内会", "/search?q=ICT"]


@dataclass
class Tally:
    """What the clients saw; appended to from every thread (list.append is atomic)."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)  # when each request ended


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = settings_for(tmp_path_factory.mktemp("load") / "var" / "store")
    build(settings, SEED)
    return settings.store


@pytest.fixture(scope="module")
def server(store: Path) -> Iterator[str]:
    with live_server(store) as url:
        yield url


def _requests() -> list[tuple[str, str, bytes | None]]:
    """The mix, as (method, path, form body): every canned query, the pages, the searches."""
    base = settings_for(Path("unused")).base
    mix: list[tuple[str, str, bytes | None]] = []
    for query in canned_queries(settings_for(Path("unused")).queries):
        body = urlencode({"query": query.bound({}, base), "format": "json"}).encode()
        mix.append(("POST", "/sparql", body))
    mix += [("GET", quote(path, safe="/?=&%"), None) for path in PAGES + SEARCHES]
    return mix


def _client(url: str, number: int, stop: threading.Event, tally: Tally) -> None:
    host = urlsplit(url)
    mix = _requests()
    turn = number
    while not stop.is_set():
        method, path, body = mix[turn % len(mix)]
        turn += 1
        started = time.monotonic()
        try:
            connection = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
            headers = {"Accept": "text/html,application/json;q=0.9"}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            answer.read()
            connection.close()
            if answer.status != 200:
                tally.failures.append(f"{method} {path}: {answer.status}")
        except Exception as err:  # any failure counts, and the client goes on
            tally.failures.append(f"{method} {path}: {err!r}")
        ended = time.monotonic()
        tally.latencies.append(ended - started)
        tally.finished.append(ended)


def _etag(url: str) -> str:
    host = urlsplit(url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    connection.request("GET", "/")
    answer = connection.getresponse()
    answer.read()
    return answer.getheader("ETag") or ""


def _percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=1000)[int(share * 1000) - 1]


def test_eight_clients_and_a_rebuild_without_a_failed_request(server: str, store: Path) -> None:
    tally = Tally()
    stop = threading.Event()
    started = time.monotonic()
    clients = [
        threading.Thread(target=_client, args=(server, n, stop, tally)) for n in range(CLIENTS)
    ]
    for client in clients:
        client.start()

    time.sleep(SECONDS / 3)
    generation, etag = os.path.realpath(store), _etag(server)
    build_started = time.monotonic()
    rebuild = subprocess.run(
        [sys.executable, "-c", SERVE, "build", "--source", str(SEED), "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    build_ended = time.monotonic()
    time.sleep(max(started + SECONDS, build_ended + SECONDS / 3) - time.monotonic())
    stop.set()
    for client in clients:
        client.join()
    elapsed = time.monotonic() - started

    assert rebuild.returncode == 0, rebuild.stderr
    assert os.path.realpath(store) != generation, "the build swapped in a new generation"
    assert _etag(server) != etag, "the server answers from the new generation"
    during = [t for t in tally.finished if build_started <= t <= build_ended]
    after = [t for t in tally.finished if t > build_ended]
    assert during and after, "requests were answered during the rebuild and after the swap"
    assert tally.failures == [], tally.failures[:20]

    figures = {
        "clients": CLIENTS,
        "seconds": round(elapsed, 1),
        "requests": len(tally.latencies),
        "failed": len(tally.failures),
        "per_second": round(len(tally.latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(tally.latencies) * 1000, 1),
        "p90_ms": round(_percentile(tally.latencies, 0.90) * 1000, 1),
        "p99_ms": round(_percentile(tally.latencies, 0.99) * 1000, 1),
        "max_ms": round(max(tally.latencies) * 1000, 1),
        "rebuild_seconds": round(build_ended - build_started, 1),
        "answered_during_rebuild": len(during),
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print("load:", json.dumps(figures))
