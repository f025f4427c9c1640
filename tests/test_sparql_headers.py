"""Every header of /sparql's answers, exactly: what a client (or a cache, or a browser) sees.

The endpoint's answers are assembled by the view, its CORS hook and the app-wide hooks
(security headers, caching, language, the work limit). These tests pin the whole set for
a sample of requests, successes and each kind of refusal, so that making any of those
parts cannot add, drop or change a header unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from minami_kg.config import Settings
from minami_kg.server import create_app
from minami_kg.server.security import SECURITY_HEADERS
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


def _send(app: Flask, case: Case) -> TestResponse:
    headers = {"Accept": case.accept} if case.accept is not None else {}
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    return app.test_client().open(
        "/sparql",
        method=case.method,
        data=case.body.encode() if case.body else None,
        headers=headers,
        query_string=case.query_string,
    )


def _expected_headers(case: Case, body: bytes) -> list[tuple[str, str]]:
    content_type = case.answer_type
    if content_type == "text/plain":
        content_type += "; charset=utf-8"
    own = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    return sorted([*own, *case.extra, *ON_EVERY_ANSWER])


@pytest.mark.parametrize("name", list(_cases(Settings())))
def test_the_answer_carries_exactly_these_headers(
    app: Flask, seed_settings: Settings, name: str
) -> None:
    case = _cases(seed_settings)[name]
    answer = _send(app, case)

    body = answer.get_data()
    assert answer.status_code == case.status, body[:300]
    headers = sorted(answer.headers.items())
    if case.method == "GET":  # a GET's validators: test_a_query_by_get_also_carries_…
        headers = [
            (k, v) for k, v in headers if k not in ("ETag", "Last-Modified", "Cache-Control")
        ]
    assert headers == _expected_headers(case, body)
    assert body.decode().startswith(case.body_starts), body[:300]


def test_a_query_by_get_also_carries_its_cache_validators(app: Flask) -> None:
    case = Case("GET", content_type=None, query_string={"query": "ASK {}"})
    answer = _send(app, case)
    validators = ("ETag", "Last-Modified", "Cache-Control")
    rest = sorted((k, v) for k, v in answer.headers.items() if k not in validators)

    assert answer.status_code == 200
    assert rest == _expected_headers(case, answer.get_data())
    assert answer.headers["ETag"].startswith('W/"')
    assert answer.headers["Cache-Control"] == "public, max-age=60"
    assert answer.last_modified is not None


def test_a_preflight_and_a_304_carry_no_content_headers(app: Flask) -> None:
    """RFC 9110 §8.6 and §15.4.5: neither has content, so neither describes any."""
    preflight = app.test_client().options("/sparql")
    query = Case("GET", content_type=None, query_string={"query": "ASK {}"})
    first = _send(app, query)
    again = app.test_client().get(
        "/sparql",
        query_string={"query": "ASK {}"},
        headers={"Accept": JSON, "If-None-Match": first.headers["ETag"]},
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
            ("Date", again.headers["Date"]),  # RFC 9110 §6.6.1: a server with a clock sends it
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
    assert answer.get_data(as_text=True) == "/sparql accepts GET, HEAD, POST, OPTIONS\n"


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
