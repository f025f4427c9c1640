"""`minami-kg serve`: waitress, the query processes, and the work limit.

One server process, so every request meets the same process, and what a
runaway query does to the others can be seen. The limit is on, as by default.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from minami_kg.config import Settings

from .test_sparql_endpoint import PLAN_LABEL, RUNAWAY
from .w3c.server import live_server, served

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ASK = "ASK { ?s ?p ?o }"
OTHER_CLIENT = "127.0.0.2"  # the loopback network answers on all of 127/8


@pytest.fixture(scope="module")
def port(seed_settings: Settings, seed_build: object) -> Iterator[int]:
    env = {"MINAMI_KG_SPARQL_TIMEOUT": "1.5", "MINAMI_KG_QUERY_BUDGET": "60/minute"}
    with live_server(seed_settings.store, env=env) as url:
        yield urlsplit(url).port or 80


def connect(port: int, source: str = "127.0.0.1") -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))


def post(connection: http.client.HTTPConnection, query: str) -> tuple[int, dict[str, str], str]:
    connection.request("POST", "/sparql", urlencode({"query": query}), FORM)
    response = connection.getresponse()
    body = response.read().decode()
    return response.status, dict(response.getheaders()), body


def ask(port: int, query: str, source: str = "127.0.0.1") -> tuple[int, dict[str, str], str]:
    connection = connect(port, source)
    try:
        return post(connection, query)
    finally:
        connection.close()


def test_a_runaway_query_is_stopped_naming_the_limit_and_the_rest_keeps_answering(
    port: int,
) -> None:
    stopped: list[tuple[int, dict[str, str], str]] = []
    runaway = threading.Thread(target=lambda: stopped.append(ask(port, RUNAWAY)))
    runaway.start()
    health = connect(port, OTHER_CLIENT)
    answered = []
    while runaway.is_alive():  # the one web process answers all the while
        health.request("GET", "/healthz")
        response = health.getresponse()
        response.read()
        answered.append(response.status)
        answered.append(ask(port, PLAN_LABEL, OTHER_CLIENT)[0])
    runaway.join()
    status, headers, body = stopped[0]
    assert status == 503
    assert "longer than the limit of 1.5 s (MINAMI_KG_SPARQL_TIMEOUT)" in body
    assert headers["Retry-After"] and headers["Access-Control-Allow-Origin"] == "*"
    assert len(answered) >= 4 and set(answered) == {200}
    for _ in range(4):  # a fresh query process took the stopped one's place
        assert ask(port, PLAN_LABEL)[0] == 200


def test_six_hundred_cheap_queries_from_one_client_are_never_refused(port: int) -> None:
    connection = connect(port, "127.0.0.3")
    statuses = [post(connection, ASK)[0] for _ in range(600)]
    connection.close()
    assert statuses == [200] * 600


def test_parallel_runaway_queries_get_429_while_another_client_is_answered(port: int) -> None:
    """Four at once from one client, three times over: two run, two are refused at once;
    another client's lookups are answered all the while (bench/limit_bench.py times them)."""
    greedy = "127.0.0.4"
    lookups: list[int] = []
    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            runaways = [pool.submit(ask, port, RUNAWAY, greedy) for _ in range(4)]
            while not all(r.done() for r in runaways):
                lookups.append(ask(port, PLAN_LABEL, OTHER_CLIENT)[0])
            statuses = sorted(r.result()[0] for r in runaways)
            assert statuses == [429, 429, 503, 503]
            refused = next(r.result() for r in runaways if r.result()[0] == 429)
            assert refused[1]["Retry-After"] == "1"
            assert "at most 2 run at once" in refused[2]
    assert len(lookups) >= 6 and set(lookups) == {200}


def test_the_counters_are_shared_by_the_server_processes(
    seed_settings: Settings, seed_build: object
) -> None:
    """Two servers over one store, four runaway queries, two to each: still two run."""
    env = {"MINAMI_KG_SPARQL_TIMEOUT": "1.5", "MINAMI_KG_QUERY_BUDGET": "60/minute"}
    with (
        live_server(seed_settings.store, env=env) as one,
        live_server(seed_settings.store, env=env) as two,
    ):
        ports = [urlsplit(url).port or 80 for url in (one, two)] * 2
        with ThreadPoolExecutor(4) as pool:
            runaways = [pool.submit(ask, port, RUNAWAY, "127.0.0.5") for port in ports]
            assert sorted(r.result()[0] for r in runaways) == [429, 429, 503, 503]


def test_one_connection_serves_request_after_request(port: int) -> None:
    connection = connect(port)
    assert post(connection, PLAN_LABEL)[0] == 200
    assert connection.sock is not None
    first = connection.sock.getsockname()
    for path in ("/sparql?query=ASK%7B%7D", "/healthz", "/queries", "/no-such-page"):
        connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
        response = connection.getresponse()
        body = response.read()
        assert response.status in (200, 404), (path, body[:200])
        assert connection.sock.getsockname() == first  # the same TCP connection
    connection.close()


def test_a_slow_reader_gets_a_large_answer_whole(port: int) -> None:
    query = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
    request = (
        f"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        f"Accept: application/sparql-results+json\r\nContent-Length: {len(query)}\r\n"
        f"Connection: close\r\n\r\n{query}"
    ).encode()
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # keep the window small
        sock.settimeout(30)
        sock.connect(("127.0.0.1", port))
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(8192):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    lengths = [h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")]
    assert len(body) == int(lengths[0].split(b":")[1]) > 1_000_000


def test_an_access_log_is_written_only_when_asked_for(
    seed_settings: Settings, seed_build: object, tmp_path: Path
) -> None:
    log = tmp_path / "access.log"
    with live_server(seed_settings.store, env={"MINAMI_KG_ACCESS_LOG": str(log)}) as url:
        connection = connect(urlsplit(url).port or 80)
        connection.request("GET", "/healthz?from=the-test")
        assert connection.getresponse().status == 200
        connection.close()
    assert 'GET /healthz?from=the-test HTTP/1.1" 200' in log.read_text()


def test_sigterm_stops_the_server_cleanly_and_it_leaves_the_counter_file(
    seed_settings: Settings, seed_build: object, tmp_path: Path
) -> None:
    """As systemd or `docker stop` end it: exit status 0, and no server started after it over
    the store counts it as live (which would cost that one a transaction a request)."""
    store = tmp_path / "store"
    shutil.copytree(os.path.realpath(seed_settings.store), store)
    # a second of work an hour: the milliseconds spent take seconds to refill
    with served(store, env={"MINAMI_KG_QUERY_BUDGET": "1/hour"}) as (url, process):
        for _ in range(2):  # the second, a look later, writes what the first spent
            assert ask(urlsplit(url).port or 80, ASK)[0] == 200
            time.sleep(0.15)
        counters = sqlite3.connect(tmp_path / "limits.sqlite")
        assert counters.execute("SELECT COUNT(*) FROM processes").fetchone()[0] == 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
        assert counters.execute("SELECT COUNT(*) FROM processes").fetchone()[0] == 0
        # what the client spent stays, for a server started after it
        assert counters.execute("SELECT running FROM work").fetchall() == [(0,)]
        counters.close()
