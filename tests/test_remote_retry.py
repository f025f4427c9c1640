"""RemoteStore sends a read once more when its connection fails, and nothing else.

Between the store and a real `oxigraph serve` sits `FlakyProxy`, a loopback
socket server that reads each request whole and then, as its plan says for
that connection, forwards it, or fails the way a dying replica or load
balancer does: closes without a word, resets, cuts the answer short, answers
503, or says nothing at all. It records every request it read, so a test
sees how often each one was sent.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import QuerySolutions

from minami_kg.store import RemoteStore, StoreError
from minami_kg.store.remote import _lost_connection

from .oxigraph_server import OxigraphServer
from .w3c.server import free_port

PLAN_COUNT = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <https://w3id.org/minami-kg/def#Plan> }"
GRAPH_PREFIX = "http://127.0.0.1:8000/graph/"


def _read_request(conn: socket.socket) -> bytes:
    """One whole HTTP request (head and Content-Length body), or what came before EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class FlakyProxy:
    """A loopback proxy in front of `upstream` whose n-th connection does `plan[n]`.

    Behaviours: "pass" (forward, relay the whole answer), "drop" (close without
    answering), "reset" (close with a TCP reset), "cut" (relay the head and half
    the body, then close), "503" (answer Service Unavailable), "silent" (answer
    nothing until the client gives up), "drop-updates" ("drop" for an update,
    "pass" for a query). Connections past the plan pass.
    """

    def __init__(self, upstream_port: int, plan: list[str]) -> None:
        self.upstream_port = upstream_port
        self.plan = plan
        self.requests: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self) -> list[bytes]:
        return [r.partition(b"\r\n\r\n")[2] for r in self.requests]

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # closed
            number = len(self.requests)
            self.requests.append(b"")
            behaviour = self.plan[number] if number < len(self.plan) else "pass"
            threading.Thread(target=self._serve, args=(conn, number, behaviour)).start()

    def _serve(self, conn: socket.socket, number: int, behaviour: str) -> None:
        with conn:
            conn.settimeout(30)
            request = _read_request(conn)
            self.requests[number] = request
            if behaviour == "drop-updates":  # reads pass, however many there are
                is_update = request.partition(b"\r\n\r\n")[2].startswith(b"update=")
                behaviour = "drop" if is_update else "pass"
            if behaviour == "drop":
                return
            if behaviour == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if behaviour == "503":
                body = b"replica unavailable\n"
                conn.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                    b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
                )
                return
            if behaviour == "silent":
                while conn.recv(65536):  # until the client closes its end
                    pass
                return
            answer = self._forward(request)
            if behaviour == "cut":
                head, _, body = answer.partition(b"\r\n\r\n")
                answer = head + b"\r\n\r\n" + body[: len(body) // 2]
            conn.sendall(answer)

    def _forward(self, request: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30) as up:
            up.sendall(request)
            chunks = []
            while chunk := up.recv(65536):  # the store asks for Connection: close
                chunks.append(chunk)
        return b"".join(chunks)


# The proxy speaks Oxigraph's endpoint paths (/query, /update); the retry is the
# store's, the same whatever answers behind it.
@pytest.fixture(scope="module")
def remote_engine() -> str:
    return "oxigraph"


@pytest.fixture(scope="module")
def expected(seeded_engine: OxigraphServer) -> int:
    """The answer straight from the server, without the proxy."""
    return plan_count(RemoteStore(seeded_engine.query_endpoint, graph_prefix=GRAPH_PREFIX))


@pytest.fixture
def proxy(seeded_engine: OxigraphServer) -> Iterator[FlakyProxy]:
    flaky = FlakyProxy(seeded_engine.port, [])
    try:
        yield flaky
    finally:
        flaky.close()


def through(proxy: FlakyProxy, *plan: str, timeout: float = 30.0) -> RemoteStore:
    proxy.plan = list(plan)
    return RemoteStore(
        proxy.url("/query"), proxy.url("/update"), timeout=timeout, graph_prefix=GRAPH_PREFIX
    )


def plan_count(store: RemoteStore) -> int:
    result = store.query(PLAN_COUNT)
    assert isinstance(result, QuerySolutions)
    return int(next(iter(result))["n"].value)


def test_the_proxy_itself_passes_the_query_through(proxy: FlakyProxy, expected: int) -> None:
    store = through(proxy)
    assert plan_count(store) == expected > 0
    assert len(proxy.requests) == 2  # the graph listing, then the query


@pytest.mark.parametrize("failure", ["drop", "reset", "cut"])
def test_a_query_whose_connection_fails_is_sent_once_more(
    proxy: FlakyProxy, expected: int, failure: str
) -> None:
    store = through(proxy, "pass", failure)
    assert plan_count(store) == expected
    listing, query, again = proxy.bodies()
    assert query == again and b"COUNT" in query and b"COUNT" not in listing


def test_the_graph_listing_is_a_read_and_is_sent_once_more_too(proxy: FlakyProxy) -> None:
    store = through(proxy, "drop")
    assert store.named_graphs() and len(proxy.requests) == 2


def test_a_query_is_sent_at_most_twice(proxy: FlakyProxy) -> None:
    store = through(proxy, "pass", "drop", "reset")
    with pytest.raises(StoreError, match="SPARQL server unavailable"):
        plan_count(store)
    assert len(proxy.requests) == 3


def test_an_http_error_answer_is_not_retried(proxy: FlakyProxy) -> None:
    store = through(proxy, "pass", "503")
    with pytest.raises(StoreError, match="answered HTTP 503 to the query: replica unavailable"):
        plan_count(store)
    assert len(proxy.requests) == 2


def test_a_query_without_an_answer_in_time_is_not_retried(proxy: FlakyProxy) -> None:
    store = through(proxy, "pass", "silent", timeout=1.0)
    with pytest.raises(StoreError, match="no answer within 1 s"):
        plan_count(store)
    assert len(proxy.requests) == 2


def test_an_update_whose_connection_fails_is_not_sent_again(
    engine: OxigraphServer, tmp_path: Path
) -> None:
    flaky = FlakyProxy(engine.port, [])
    try:
        nquads = tmp_path / "one.nq"
        nquads.write_text(f'<http://ex/a> <http://ex/p> "x" <{GRAPH_PREFIX}test> .\n')
        # the reads before it (listings) pass; the first INSERT DATA is dropped
        store = through(flaky, *["drop-updates"] * 20)
        with pytest.raises(StoreError, match="SPARQL server unavailable"):
            store.replace(nquads)
        inserts = [b for b in flaky.bodies() if b.startswith(b"update=INSERT+DATA")]
        assert len(inserts) == 1
        assert engine.raw_select("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }") == []
    finally:
        flaky.close()


def test_refused_connections_count_as_lost_and_timeouts_do_not() -> None:
    """The classification on the errors real sockets give (a port nobody listens on)."""
    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=5)
    with pytest.raises(StoreError, match="connection refused") as refused:
        store.named_graphs()
    assert _lost_connection(refused.value)
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (backlog), never answers
    try:
        slow = RemoteStore(f"http://127.0.0.1:{silent.getsockname()[1]}/query", timeout=0.5)
        with pytest.raises(StoreError, match="no answer within") as timed_out:
            slow.named_graphs()
        assert not _lost_connection(timed_out.value)
    finally:
        silent.close()
