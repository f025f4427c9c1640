"""/sparql under `minami-kg serve` (gunicorn), where queries run in the web workers."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest

from minami_kg.config import Settings

from .test_sparql_endpoint import PLAN_LABEL, RUNAWAY
from .w3c.server import live_server


@pytest.fixture(scope="module")
def port(seed_settings: Settings, seed_build: object) -> Iterator[int]:
    env = {"MINAMI_KG_SPARQL_TIMEOUT": "1.5"}
    with live_server(seed_settings.store, env=env, workers=2) as url:
        yield urlsplit(url).port or 80


def ask(port: int, query: str) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "POST",
        "/sparql",
        urlencode({"query": query}),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response.status, dict(response.getheaders()), body


def test_a_runaway_query_is_answered_503_and_the_others_keep_answering(port: int) -> None:
    stopped: list[tuple[int, dict[str, str], str]] = []
    started = time.monotonic()
    runaway = threading.Thread(target=lambda: stopped.append(ask(port, RUNAWAY)))
    runaway.start()
    time.sleep(0.3)
    assert ask(port, PLAN_LABEL)[0] == 200  # the other web worker answers meanwhile
    runaway.join(30)
    status, headers, body = stopped[0]
    assert status == 503
    assert 1.5 <= time.monotonic() - started < 10
    assert headers["Retry-After"] and headers["Access-Control-Allow-Origin"] == "*"
    assert "stopped" in body
    for _ in range(6):  # whichever worker takes them, including the one started anew
        assert ask(port, PLAN_LABEL)[0] == 200
    assert ask(port, RUNAWAY)[0] == 503
    assert ask(port, PLAN_LABEL)[0] == 200
