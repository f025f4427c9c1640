"""The limits of the public faces: work, query length, and the headers on every answer.

The other limits have their tests beside the code they test (see docs/security.md):
the body size (tests/test_sparql_endpoint.py::test_body_over_the_limit_is_413), the
result rows (…::test_rows_beyond_max_rows_are_cut_and_flagged) and the time limit
(…::test_a_runaway_query_is_stopped_and_the_server_keeps_answering, and under
gunicorn tests/test_serve.py).
"""

from __future__ import annotations

import gc
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from minami_kg.cli import main
from minami_kg.config import Settings, SettingsError
from minami_kg.server import create_app, limits
from minami_kg.server.limits import Budget, WorkLimit
from minami_kg.server.security import CONTENT_SECURITY_POLICY, SECURITY_HEADERS
from minami_kg.server.sparql import get_pool

from .conftest import settings_for
from .test_sparql_endpoint import RUNAWAY

ASK = "ASK { ?s ?p ?o }"
SPARQL = {"query": ASK, "format": "json"}


def _limited(seed_settings: Settings, budget: str, **changes: object) -> Flask:
    changes = {"sparql_timeout": 1.2, **changes}
    return create_app(seed_settings.with_changes(query_budget=budget, **changes))


def _from(client: FlaskClient, address: str, path: str, **kwargs: object) -> TestResponse:
    return client.get(path, environ_base={"REMOTE_ADDR": address}, **kwargs)  # type: ignore[arg-type]


def test_a_client_over_its_budget_of_work_gets_429_with_retry_after(
    seed_settings: Settings, seed_build: object
) -> None:
    """One second of work a minute: a query stopped at 1.2 s spends it, lookups do not."""
    app = _limited(seed_settings, "1/minute")
    client = app.test_client()
    try:
        # warm up from elsewhere: the first search loads the dictionary, the first query
        # starts a query process; each took most of a second
        assert _from(client, "198.51.100.9", "/api/search?q=防災").status_code == 200
        assert _from(client, "198.51.100.9", "/sparql", query_string=SPARQL).status_code == 200
        for _ in range(20):  # cheap requests spend milliseconds each, on both faces
            assert _from(client, "203.0.113.7", "/api/search?q=防災").status_code == 200
            assert _from(client, "203.0.113.7", "/sparql", query_string=SPARQL).status_code == 200
        runaway = _from(client, "203.0.113.7", "/sparql", query_string={"query": RUNAWAY})
        assert runaway.status_code == 503

        api = _from(client, "203.0.113.7", "/api/search?q=防災")
        assert api.status_code == 429
        assert "1 s of query time per 60 s" in api.get_json()["error"]
        assert 1 < int(api.headers["Retry-After"]) <= 60
        sparql = _from(client, "203.0.113.7", "/sparql", query_string=SPARQL)
        assert sparql.status_code == 429
        assert sparql.mimetype == "text/plain"
        assert sparql.headers["Access-Control-Allow-Origin"] == "*"  # editors elsewhere read it
        assert 1 < int(sparql.headers["Retry-After"]) <= 60

        # another client is counted apart, and pages are not limited
        assert _from(client, "198.51.100.2", "/api/search?q=防災").status_code == 200
        assert _from(client, "203.0.113.7", "/search?q=防災").status_code == 200
        assert _from(client, "203.0.113.7", "/").status_code == 200
    finally:
        get_pool(app).close()


def test_a_client_may_run_only_so_many_requests_at_once(
    seed_settings: Settings, seed_build: object
) -> None:
    # the two let in run for 2.5 s, well past the 1 s the third waits for a slot
    app = _limited(seed_settings, "60/minute", client_concurrency=2, sparql_timeout=2.5)
    statuses: list[int] = []

    def runaway() -> None:
        answer = _from(app.test_client(), "203.0.113.7", "/sparql", query_string={"query": RUNAWAY})
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=runaway) for _ in range(3)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(statuses) == [429, 503, 503]
        # once they have ended, the client may run queries again
        again = _from(app.test_client(), "203.0.113.7", "/sparql", query_string=SPARQL)
        assert again.status_code == 200
    finally:
        get_pool(app).close()


def test_the_limit_can_be_switched_off(seed_settings: Settings, seed_build: object) -> None:
    app = _limited(seed_settings, "off", client_concurrency=1)
    client = app.test_client()
    try:
        assert (
            _from(client, "203.0.113.7", "/sparql", query_string={"query": RUNAWAY}).status_code
            == 503
        )
        for _ in range(3):
            assert _from(client, "203.0.113.7", "/api/search?q=防災").status_code == 200
    finally:
        get_pool(app).close()


def test_the_default_is_a_minute_of_work_a_minute_two_at_once_and_env_sets_it() -> None:
    assert (Settings().query_budget, Settings().client_concurrency) == ("60/minute", 2)
    assert Settings().query_processes > Settings().client_concurrency
    env = {"MINAMI_KG_QUERY_BUDGET": "off", "MINAMI_KG_CLIENT_CONCURRENCY": "4"}
    assert Settings.from_env(env).query_budget == "off"
    assert Settings.from_env(env).client_concurrency == 4
    assert Settings.from_env({"MINAMI_KG_MAX_QUERY_CHARS": "500"}).max_query_chars == 500


def test_query_processes_are_one_per_cpu_at_least_four_unless_set() -> None:
    cpus = len(os.sched_getaffinity(0))
    assert Settings().query_processes == max(4, cpus)
    assert Settings.from_env({"MINAMI_KG_QUERY_WORKERS": "6"}).query_processes == 6
    with pytest.raises(SettingsError, match="MINAMI_KG_QUERY_WORKERS='many'"):
        Settings.from_env({"MINAMI_KG_QUERY_WORKERS": "many"})
    with pytest.raises(SettingsError, match="must be positive"):
        Settings.from_env({"MINAMI_KG_QUERY_WORKERS": "0"})
    # a process allowed one CPU still gets four: fewer left two CPUs partly idle
    one_cpu = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
            "from minami_kg.config import Settings; print(Settings().query_processes)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert one_cpu.stdout.strip() == "4"


def test_a_budget_that_cannot_be_read_fails_at_start(tmp_path: Path, runner: CliRunner) -> None:
    with pytest.raises(SettingsError, match="MINAMI_KG_QUERY_BUDGET='lots'"):
        create_app(settings_for(tmp_path / "store").with_changes(query_budget="lots"))
    result = runner.invoke(
        main, ["serve", "--store", str(tmp_path / "store")], env={"MINAMI_KG_QUERY_BUDGET": "lots"}
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: MINAMI_KG_QUERY_BUDGET='lots'")
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


def test_threads_that_meet_a_new_counter_file_at_once_all_get_in(tmp_path: Path) -> None:
    """The file is prepared once, before any request: eight threads arriving together on a
    fresh file used to meet SQLite's lock on the switch to WAL ("database is locked")."""
    errors: list[str] = []
    for trial in range(20):
        limit = WorkLimit(tmp_path / f"{trial}.sqlite", Budget(60, 60), 100, 60)
        barrier = threading.Barrier(8)

        def one(limit: WorkLimit = limit, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                limit.release(limit.admit("203.0.113.7"))
            except Exception as err:
                errors.append(repr(err))

        threads = [threading.Thread(target=one) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []


def test_the_cap_and_the_budget_hold_across_processes_on_one_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes' limits over one file (two instances behind a proxy): every admission
    reads the other's counts, so a client's two slots are two in all, not two each."""
    monkeypatch.setattr(limits, "SLOT_WAIT", 0.05)
    path = tmp_path / "limits.sqlite"
    one, two = (WorkLimit(path, Budget(0.2, 60), 2, 60) for _ in range(2))
    time.sleep(limits.SYNC_EVERY)  # each sees the other at its next look at the file
    first, second = one.admit("203.0.113.7"), two.admit("203.0.113.7")
    for limit in (one, two):
        with pytest.raises(limits.AtCap, match="2 requests running"):
            limit.admit("203.0.113.7")
    assert two.admit("198.51.100.2")  # another client is counted apart
    one.release(first)
    third = two.admit("203.0.113.7")  # the slot freed in the other process
    time.sleep(0.25)  # more than the whole budget, charged in `two`
    two.release(third)
    two.release(second)
    with pytest.raises(limits.TooMuchWork, match=r"0\.2 s of query time"):
        one.admit("203.0.113.7")


def test_alone_on_its_file_a_process_shares_its_counts_at_its_next_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One server over a store counts in memory and writes what clients spent every tenth of
    a second; once another process has started, it writes every request, at its next look."""
    monkeypatch.setattr(limits, "SLOT_WAIT", 0.05)
    path = tmp_path / "limits.sqlite"
    first = WorkLimit(path, Budget(0.2, 60), 2, 60)
    spender = first.admit("203.0.113.7")
    time.sleep(0.25)  # more than the whole budget
    first.release(spender)
    time.sleep(limits.SYNC_EVERY)
    first.release(first.admit("198.51.100.2"))  # a request later: the file learns it
    later = WorkLimit(path, Budget(0.2, 60), 2, 60)
    with pytest.raises(limits.TooMuchWork, match=r"0\.2 s of query time"):
        later.admit("203.0.113.7")

    time.sleep(limits.SYNC_EVERY)
    running = [first.admit("192.0.2.1") for _ in range(2)]  # the first sees `later` now
    with pytest.raises(limits.AtCap):
        later.admit("192.0.2.1")
    for ticket in running:
        first.release(ticket)
    assert later.admit("192.0.2.1")


def test_what_no_longer_counts_leaves_the_file(tmp_path: Path) -> None:
    """Clients whose seconds have refilled are forgotten at the next look, by either way of
    counting, so the file holds the clients of the last moments, not every one ever seen."""
    path = tmp_path / "limits.sqlite"
    one, two = (WorkLimit(path, Budget(60, 60), 2, 60) for _ in range(2))
    time.sleep(limits.SYNC_EVERY)
    for n in range(50):  # shared: each admission and end writes its client's row
        one.release(one.admit(f"192.0.2.{n}"))
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM work").fetchone()[0] >= 50
    time.sleep(0.2)  # a few milliseconds of work each: refilled by now
    one.release(one.admit("198.51.100.2"))  # the next look
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(DISTINCT client) FROM work").fetchone()[0] <= 2
    assert two.admit("192.0.2.1")


def test_a_limit_that_goes_leaves_the_file(tmp_path: Path) -> None:
    """An app collected (or a process ending normally) is no longer live to the others, so a
    server alone again counts in memory at its next look, not a minute later."""
    path = tmp_path / "limits.sqlite"
    one, two = (WorkLimit(path, Budget(60, 60), 2, 60) for _ in range(2))
    two.admit("203.0.113.7")  # never released: the process went with it running
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM processes").fetchone()[0] == 2
    del two
    gc.collect()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM processes").fetchone()[0] == 1
        assert db.execute("SELECT SUM(running) FROM work").fetchone()[0] == 0
    assert [one.admit("203.0.113.7") for _ in range(2)]
