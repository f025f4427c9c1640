"""The limits of the public faces: rate, query length, and the headers on every answer.

The other limits have their tests beside the code they test (see docs/security.md):
the body size (tests/test_sparql_endpoint.py::test_body_over_the_limit_is_413), the
result rows (…::test_rows_beyond_max_rows_are_cut_and_flagged) and the time limit
(…::test_a_runaway_query_is_stopped_and_the_server_keeps_answering, and under
gunicorn tests/test_sparql_served.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from minami_kg.cli import main
from minami_kg.config import Settings, SettingsError
from minami_kg.server import create_app
from minami_kg.server.security import CONTENT_SECURITY_POLICY, SECURITY_HEADERS

from .conftest import settings_for

ASK = "ASK { ?s ?p ?o }"


def _limited(seed_settings: Settings, rate: str) -> Flask:
    return create_app(seed_settings.with_changes(rate_limit=rate))


def _from(client: FlaskClient, address: str, path: str, **kwargs: object) -> object:
    return client.get(path, environ_base={"REMOTE_ADDR": address}, **kwargs)  # type: ignore[arg-type]


def test_a_client_over_the_rate_gets_429_with_retry_after(
    seed_settings: Settings, seed_build: object
) -> None:
    client = _limited(seed_settings, "3/minute").test_client()
    paths = ["/api/search?q=防災", "/sparql?query=ASK%7B%7D&format=json", "/api/search?q=桜"]
    for path in paths:  # /sparql and /api/ count together
        assert _from(client, "203.0.113.7", path).status_code == 200, path

    api = _from(client, "203.0.113.7", "/api/search?q=防災")
    assert api.status_code == 429
    assert int(api.headers["Retry-After"]) > 0
    assert "3 per 1 minute" in api.get_json()["error"]
    assert api.headers["X-RateLimit-Limit"] == "3"
    sparql = _from(client, "203.0.113.7", "/sparql", query_string={"query": ASK})
    assert sparql.status_code == 429
    assert sparql.mimetype == "text/plain"
    assert "Retry-After" in sparql.get_data(as_text=True)
    assert sparql.headers["Access-Control-Allow-Origin"] == "*"  # editors elsewhere read it
    assert int(sparql.headers["Retry-After"]) > 0

    # another client is counted apart, and pages are not limited
    assert _from(client, "198.51.100.2", "/api/search?q=防災").status_code == 200
    for _ in range(5):
        assert _from(client, "203.0.113.7", "/search?q=防災").status_code == 200
        assert _from(client, "203.0.113.7", "/").status_code == 200


def test_the_rate_limit_can_be_switched_off(seed_settings: Settings, seed_build: object) -> None:
    client = _limited(seed_settings, "off").test_client()
    for _ in range(30):
        assert _from(client, "203.0.113.7", "/api/search?q=防災").status_code == 200


def test_the_default_rate_is_120_a_minute_and_env_sets_it() -> None:
    assert Settings().rate_limit == "120/minute"
    assert Settings.from_env({"MINAMI_KG_RATE_LIMIT": "off"}).rate_limit == "off"
    assert Settings.from_env({"MINAMI_KG_MAX_QUERY_CHARS": "500"}).max_query_chars == 500


def test_a_rate_that_cannot_be_read_fails_at_start(tmp_path: Path, runner: CliRunner) -> None:
    with pytest.raises(SettingsError, match="MINAMI_KG_RATE_LIMIT='lots'"):
        create_app(settings_for(tmp_path / "store").with_changes(rate_limit="lots"))
    result = runner.invoke(
        main, ["serve", "--store", str(tmp_path / "store")], env={"MINAMI_KG_RATE_LIMIT": "lots"}
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: MINAMI_KG_RATE_LIMIT='lots'")
    assert "Traceback" not in result.output + result.stderr
    bad = runner.invoke(main, ["stats"], env={"MINAMI_KG_MAX_ROWS": "many"})
    assert bad.exit_code == 1
    assert bad.stderr.strip() == "Error: MINAMI_KG_MAX_ROWS='many': max_rows must be a number"


def test_a_query_over_max_query_chars_is_413(seed_settings: Settings, seed_build: object) -> None:
    client = create_app(seed_settings.with_changes(max_query_chars=1000)).test_client()
    padded = ASK + "\n#" + "x" * (1000 - len(ASK) - 2)
    assert len(padded) == 1000
    assert client.post("/sparql", data={"query": padded, "format": "json"}).status_code == 200
    for answer in (
        client.post("/sparql", data={"query": padded + "x"}),
        client.get("/sparql", query_string={"query": padded + "x"}),
        client.post(
            "/sparql", data=padded + "x", headers={"Content-Type": "application/sparql-query"}
        ),
        client.post("/sparql", data={"update": "CLEAR ALL #" + "x" * 1000}),
    ):
        assert answer.status_code == 413
        assert "longer than 1000 characters" in answer.get_data(as_text=True)


def test_every_kind_of_answer_carries_the_security_headers(
    seed_settings: Settings, seed_build: object, tmp_path: Path
) -> None:
    client = create_app(seed_settings).test_client()
    answers = {
        "page": client.get("/"),
        "json": client.get("/api/search?q=防災"),
        "sparql": client.get("/sparql", query_string={"query": ASK}),
        "bad request": client.get("/api/search?q="),
        "not found": client.get("/no/such/page"),
        "too large": client.post("/sparql", data="x" * 2_000_000),
        "static": client.get("/static/site.css"),
        "download": client.get("/download/minami-kg.nt.gz"),
        "redirect": client.get("/id/minami/2022"),
    }
    broken = create_app(settings_for(tmp_path / "missing")).test_client()
    answers["unavailable"] = broken.get("/healthz")
    for kind, answer in answers.items():
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers.get(name) == value, (kind, answer.status_code, name)
    assert answers["unavailable"].status_code == 503
    assert answers["too large"].status_code == 413
    assert answers["redirect"].status_code == 303
    assert answers["download"].status_code == answers["static"].status_code == 200


def test_the_policy_allows_this_site_only_and_no_inline_script() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["style-src"].startswith("'self' 'sha256-")
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
