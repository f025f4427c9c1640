"""Our gunicorn worker (`minami_kg.server.worker`): connections kept alive, one request at a time.

Run under `minami-kg serve` with one web worker, so every connection is held
by the same process and what happens to the others while it is stopped can
be seen.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from minami_kg.config import Settings
from minami_kg.server.watchdog import RESTART_MESSAGE
from minami_kg.server.wsgi import GunicornServer

from .test_sparql_endpoint import PLAN_LABEL, RUNAWAY
from .w3c.server import live_server

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def port(seed_settings: Settings, seed_build: object) -> Iterator[int]:
    env = {"MINAMI_KG_SPARQL_TIMEOUT": "1.5", "MINAMI_KG_CLIENT_TIMEOUT": "1"}
    with live_server(seed_settings.store, env=env, workers=1) as url:
        yield urlsplit(url).port or 80


def post(
    connection: http.client.HTTPConnection, query: str
) -> tuple[http.client.HTTPResponse, bytes]:
    connection.request("POST", "/sparql", urlencode({"query": query}), FORM)
    response = connection.getresponse()
    return response, response.read()


def local_port(connection: http.client.HTTPConnection) -> int:
    assert connection.sock is not None, "the connection was closed"
    return connection.sock.getsockname()[1]


def test_one_connection_serves_request_after_request(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    response, _ = post(connection, PLAN_LABEL)
    first = local_port(connection)
    assert response.status == 200
    assert response.getheader("Connection") == "keep-alive"
    for path in ("/sparql?query=ASK%7B%7D", "/healthz", "/queries", "/no-such-page"):
        connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
        response = connection.getresponse()
        body = response.read()
        assert response.status in (200, 404), (path, body[:200])
        assert local_port(connection) == first  # the same TCP connection
    connection.close()


def test_connections_take_turns_in_one_worker(port: int) -> None:
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(4)]
    for _ in range(3):
        for connection in connections:
            response, body = post(connection, "ASK {}")
            assert response.status == 200 and b"true" in body
    assert len({local_port(c) for c in connections}) == 4
    for connection in connections:
        connection.close()


def test_a_connection_opened_ahead_of_its_request_does_not_hold_the_worker(port: int) -> None:
    """Browsers open connections before they have a request to send; the one worker
    must go on answering on other connections meanwhile, and then on that one too."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as early:
        time.sleep(0.2)  # accepted by now
        other = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        assert post(other, "ASK {}")[0].status == 200
        other.close()
        early.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert early.recv(65536).startswith(b"HTTP/1.1 200")


def read_to_end(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_request_head_that_stops_arriving_is_408_and_the_worker_goes_on(port: int) -> None:
    """The only worker is reading the stalled head; after MINAMI_KG_CLIENT_TIMEOUT (1 s
    here) it answers 408, closes that connection, and serves the request waiting on
    another one."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as stalled:
        stalled.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\n")  # and nothing more
        time.sleep(0.2)  # the worker is reading it by now
        other = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        response, body = post(other, "ASK {}")
        assert response.status == 200 and b"true" in body
        other.close()
        answer = read_to_end(stalled)  # ends: the server closed the connection
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert answer.endswith(b"The request stopped arriving; send it again.\n")


def test_a_body_that_stops_arriving_is_408(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 100\r\n\r\nASK"  # 97 bytes short
        )
        answer = read_to_end(sock)
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"The request body stopped arriving" in answer
    assert b"Access-Control-Allow-Origin: *" in answer  # an answer of /sparql like the others


def test_the_head_and_body_arrive_together_and_whole(port: int) -> None:
    """One write per response: the bytes a client reads are a complete, well-formed response."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.2)
        data = sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(
            line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        ).split(b":")[1]
    )
    assert head.startswith(b"HTTP/1.1 200") and len(body) == length > 0


def test_a_client_that_asks_to_close_is_closed(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/healthz", headers={"Connection": "close"})
    response = connection.getresponse()
    response.read()
    assert response.getheader("Connection") == "close"
    assert response.will_close


def test_a_runaway_query_lets_the_worker_s_other_connections_go_with_an_answer(port: int) -> None:
    """The worker ends to stop the query; a request waiting on another of its connections
    gets a 503 asking to send it again, and the server answers again right after."""
    waiting = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    assert post(waiting, "ASK {}")[0].status == 200  # now kept by the only worker
    idle = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    assert post(idle, "ASK {}")[0].status == 200

    stopped: list[tuple[int, bytes]] = []

    def runaway() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        response, body = post(connection, RUNAWAY)
        stopped.append((response.status, body))

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.4)  # the worker is now running the runaway query
    response, body = post(waiting, PLAN_LABEL)
    thread.join(30)

    assert stopped and stopped[0][0] == 503 and b"stopped" in stopped[0][1]
    assert response.status == 503
    assert response.getheader("Retry-After") and response.will_close
    assert body.decode().strip() == RESTART_MESSAGE
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        post(idle, "ASK {}")  # closed by the server: a client sends it again on a new one

    deadline = time.monotonic() + 20
    while True:  # the arbiter starts a fresh worker
        try:
            fresh = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status = post(fresh, PLAN_LABEL)[0].status
            break
        except ConnectionError:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert status == 200


def test_an_access_log_is_written_only_when_asked_for(
    seed_settings: Settings, seed_build: object, tmp_path: Path
) -> None:
    log = tmp_path / "access.log"
    with live_server(seed_settings.store, env={"MINAMI_KG_ACCESS_LOG": str(log)}) as url:
        connection = http.client.HTTPConnection("127.0.0.1", urlsplit(url).port or 80, timeout=30)
        connection.request("GET", "/healthz?from=the-test")
        assert connection.getresponse().status == 200
        connection.close()
    assert 'GET /healthz?from=the-test HTTP/1.1" 200' in log.read_text()
    assert GunicornServer(seed_settings, host="127.0.0.1", port=1, workers=1).cfg.accesslog is None


def test_a_slow_reader_gets_a_large_answer_whole(port: int) -> None:
    """MINAMI_KG_CLIENT_TIMEOUT (1 s here) bounds each wait for the client, not the
    whole answer: a client that reads a 3 MB answer steadily over seconds gets all of it."""
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
        while chunk := sock.recv(8192):  # 3 MB at 8 KB per 5 ms: well over 1 s
            chunks.append(chunk)
            time.sleep(0.005)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    length = int(
        next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[
            1
        ]
    )
    assert len(body) == length > 1_000_000
