"""Every header of /sparql's answers, exactly: what a client (or a cache, or a browser) sees.

The endpoint's answers are assembled by the view, its CORS hook and the app-wide hooks
(security headers, caching, language, rate limit). These tests pin the whole set for
a sample of requests, successes and each kind of refusal, so that making any of those
parts cheaper cannot add, drop or change a header unnoticed. Each request is sent twice:
as gunicorn's workers see it (their client socket in the environ, so the query runs in
the web process under the watchdog) and without the socket (the query pool runs it);
both must give the same answer, byte for byte.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from werkzeug.datastructures import Headers
from werkzeug.test import TestResponse

from minami_kg.config import Settings
from minami_kg.server import create_app
from minami_kg.server.security import SECURITY_HEADERS, add_headers
from minami_kg.server.sparql import get_pool

MAX_ROWS = 20  # more than the measure has triples, far fewer than the store
JSON = "application/sparql-results+json"
QUERY_TYPE = "application/sparql-query"
ON_EVERY_ANSWER = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "X-Result-Truncated, Retry-After"),
    ("Vary", "Accept"),
    *SECURITY_HEADERS.items(),
]


@dataclass(frozen=True)
class Case:
    """One request to /sparql and the answer it must get, apart from the body's length."""

    method: str
    body: str = ""
    content_type: str | None = QUERY_TYPE
    accept: str | None = JSON
    status: int = 200
    answer_type: str = JSON
    extra: tuple[tuple[str, str], ...] = ()
    body_starts: str = ""
    query_string: dict[str, str] = field(default_factory=dict)


def _measure(settings: Settings) -> str:
    return f"{settings.base}id/minami/2022/measure/gensai-01"


def _cases(settings: Settings) -> dict[str, Case]:
    point = f"SELECT ?p ?o WHERE {{ <{_measure(settings)}> ?p ?o }} ORDER BY ?p ?o"
    return {
        "ASK as JSON": Case("POST", "ASK {}", body_starts='{"head":{},"boolean":true}'),
        "point lookup as JSON": Case("POST", point, body_starts='{"head":{"vars":["p","o"]}'),
        "point lookup as CSV": Case(
            "POST", point, accept="text/csv", answer_type="text/csv", body_starts="p,o\r\n"
        ),
        "form POST with format=": Case(
            "POST",
            "query=ASK%7B%7D&format=xml",
            content_type="application/x-www-form-urlencoded",
            accept=None,
            answer_type="application/sparql-results+xml",
            body_starts="<?xml",
        ),
        "rows beyond the cap": Case(
            "POST",
            "SELECT * WHERE { ?s ?p ?o }",
            extra=(("X-Result-Truncated", "true"), ("X-Result-Max-Rows", str(MAX_ROWS))),
        ),
        "syntax error": Case(
            "POST", "ASK {", status=400, answer_type="text/plain", body_starts="Query syntax error"
        ),
        "SERVICE": Case(
            "POST",
            "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
            status=400,
            answer_type="text/plain",
            body_starts="SERVICE is not allowed",
        ),
        "no acceptable format": Case(
            "POST", "ASK {}", accept="image/png", status=406, answer_type="text/plain"
        ),
        "not a query type": Case(
            "POST", "ASK {}", content_type="text/plain", status=415, answer_type="text/plain"
        ),
        "body too large": Case(
            "POST", "#" * 1_100_000, status=413, answer_type="text/plain", body_starts="The request"
        ),
        "update without a token": Case(
            "POST",
            "CLEAR ALL",
            content_type="application/sparql-update",
            status=403,
            answer_type="text/plain",
        ),
        "PUT": Case(
            "PUT",
            "ASK {}",
            status=405,
            answer_type="text/plain",
            extra=(("Allow", "GET, HEAD, POST, OPTIONS"),),
        ),
        "service description": Case(
            "GET",
            content_type=None,
            accept="text/turtle",
            answer_type="text/turtle",
            body_starts="@prefix",
        ),
    }


@pytest.fixture(scope="module")
def app(seed_settings: Settings, seed_build: object) -> Iterator[Flask]:
    app = create_app(seed_settings.with_changes(max_rows=MAX_ROWS))
    yield app
    get_pool(app).close()


@pytest.fixture(scope="module")
def client_socket() -> Iterator[socket.socket]:
    ours, theirs = socket.socketpair()
    yield ours
    ours.close()
    theirs.close()


def _send(app: Flask, case: Case, sock: socket.socket | None) -> TestResponse:
    headers = {"Accept": case.accept} if case.accept is not None else {}
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    environ = {"gunicorn.socket": sock} if sock is not None else {}
    return app.test_client().open(
        "/sparql",
        method=case.method,
        data=case.body.encode() if case.body else None,
        headers=headers,
        query_string=case.query_string,
        environ_base=environ,
    )


def _expected_headers(case: Case, body: bytes) -> list[tuple[str, str]]:
    own = [("Content-Type", case.answer_type), ("Content-Length", str(len(body)))]
    return sorted([*own, *case.extra, *ON_EVERY_ANSWER])


@pytest.mark.parametrize("name", list(_cases(Settings())))
def test_the_answer_carries_exactly_these_headers(
    app: Flask, client_socket: socket.socket, seed_settings: Settings, name: str
) -> None:
    case = _cases(seed_settings)[name]
    in_worker = _send(app, case, client_socket)
    in_pool = _send(app, case, None)

    body = in_worker.get_data()
    assert in_worker.status_code == case.status, body[:300]
    assert sorted(in_worker.headers.items()) == _expected_headers(case, body)
    assert body.decode().startswith(case.body_starts), body[:300]
    assert (in_pool.status_code, in_pool.headers.to_wsgi_list(), in_pool.get_data()) == (
        in_worker.status_code,
        in_worker.headers.to_wsgi_list(),
        body,
    )


def test_a_query_by_get_also_carries_its_cache_validators(
    app: Flask, client_socket: socket.socket
) -> None:
    case = Case("GET", content_type=None, query_string={"query": "ASK {}"})
    answer = _send(app, case, client_socket)
    validators = ("ETag", "Last-Modified", "Cache-Control")
    rest = sorted((k, v) for k, v in answer.headers.items() if k not in validators)

    assert answer.status_code == 200
    assert rest == _expected_headers(case, answer.get_data())
    assert answer.headers["ETag"].startswith('W/"')
    assert answer.headers["Cache-Control"] == "public, max-age=60"
    assert answer.last_modified is not None


def test_with_the_rate_limit_on_the_answers_also_say_how_much_is_left(
    seed_settings: Settings, seed_build: object, client_socket: socket.socket
) -> None:
    app = create_app(seed_settings.with_changes(rate_limit="2/minute"))
    case = Case("POST", "ASK {}")
    rate = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After")
    try:
        answers = [_send(app, case, client_socket) for _ in range(3)]
    finally:
        get_pool(app).close()

    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = Case("POST", "ASK {}", status=429, answer_type="text/plain")
    for answer, expected in zip(answers, (case, case, refused), strict=True):
        rest = sorted((k, v) for k, v in answer.headers.items() if k not in rate)
        assert rest == _expected_headers(expected, answer.get_data())
        assert answer.headers["X-RateLimit-Limit"] == "2"
        assert all(name in answer.headers for name in rate[:3])
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    # Retry-After only where there is something to retry (RFC 9110 §10.2.3)
    assert ["Retry-After" in a.headers for a in answers] == [False, False, True]
    assert 0 < int(answers[2].headers["Retry-After"]) <= 60
    assert answers[2].get_data(as_text=True).startswith("Too many requests from your address")


def test_add_headers_keeps_what_a_view_set_unless_told_to_replace_it() -> None:
    """The hooks' one-pass helper means `setdefault` name by name, or `update` with replace."""
    values = {"X-One": "1", "x-two": "2", "X-Three": "3"}
    kept = Headers([("Content-Type", "text/plain"), ("X-TWO", "view's")])
    add_headers(kept, values)
    replaced = Headers([("Content-Type", "text/plain"), ("X-TWO", "view's")])
    add_headers(replaced, values, replace=True)

    assert kept.to_wsgi_list() == [
        ("Content-Type", "text/plain"),
        ("X-TWO", "view's"),
        ("X-One", "1"),
        ("X-Three", "3"),
    ]
    assert replaced.to_wsgi_list() == [
        ("Content-Type", "text/plain"),
        ("x-two", "2"),
        ("X-One", "1"),
        ("X-Three", "3"),
    ]


def test_a_preflight_and_a_304_carry_no_content_headers(
    app: Flask, client_socket: socket.socket
) -> None:
    """RFC 9110 §8.6 and §15.4.5: neither has content, so neither describes any."""
    preflight = app.test_client().options("/sparql")
    query = Case("GET", content_type=None, query_string={"query": "ASK {}"})
    first = _send(app, query, client_socket)
    again = app.test_client().get(
        "/sparql",
        query_string={"query": "ASK {}"},
        headers={"Accept": JSON, "If-None-Match": first.headers["ETag"]},
        environ_base={"gunicorn.socket": client_socket},
    )

    assert preflight.status_code == 204 and preflight.get_data() == b""
    assert sorted(preflight.headers.items()) == sorted(
        [
            ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
            ("Access-Control-Allow-Headers", "Accept, Authorization, Content-Type"),
            ("Access-Control-Max-Age", "86400"),
            ("Allow", "GET, HEAD, POST, OPTIONS"),
            *ON_EVERY_ANSWER,
        ]
    )
    assert again.status_code == 304 and again.get_data() == b""
    assert sorted(again.headers.items()) == sorted(
        [
            ("ETag", first.headers["ETag"]),
            ("Cache-Control", "public, max-age=60"),
            *ON_EVERY_ANSWER,
        ]
    )


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "DELETE"])
def test_any_other_method_is_405_in_text_with_what_is_allowed(app: Flask, method: str) -> None:
    answer = app.test_client().open("/sparql", method=method)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert answer.mimetype == "text/plain"
    assert answer.get_data(as_text=True).startswith("/sparql accepts GET and POST")


def test_a_fault_in_the_endpoint_is_logged_and_answered_500_without_a_traceback(
    seed_settings: Settings,
    seed_build: object,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As Flask answers a fault in a view: in text, the details in the log only."""
    app = create_app(seed_settings)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a fault deep inside")

    monkeypatch.setattr("minami_kg.server.sparql.parse_accept", broken)
    try:
        answer = app.test_client().post(
            "/sparql", data="ASK {}", headers={"Content-Type": QUERY_TYPE}
        )
    finally:
        get_pool(app).close()

    assert answer.status_code == 500
    assert answer.get_data() == b"Internal server error.\n"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "a fault deep inside" in caplog.text and "Traceback" in caplog.text
