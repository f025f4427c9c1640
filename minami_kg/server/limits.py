"""A limit on the work each client makes the server do, not on how often it asks.

Public SPARQL services give each client about a minute of query time a
minute. Counting requests instead refuses an analyst's script of cheap
lookups long before it costs anything, while letting a client fill every
query process with runaway queries. So, per client address, on /sparql and
/api/ together:

* a budget of work: each request is charged the seconds it took. The budget
  (`query_budget`, e.g. 60/minute) refills continuously; a client whose spent
  time is over it is answered 429 until enough has refilled, and
  `Retry-After` says when. 600 lookups of 2 ms in a minute spend 1.2 s.
* a cap on requests running at once (`client_concurrency`): one more waits
  up to `SLOT_WAIT` for one of them to end (a crawler's parallel lookups
  end in milliseconds), then is answered 429. So one client's parallel
  runaway queries never hold every query process (`query_workers` per web
  process is larger) and other clients' lookups go on.

The counters must be shared by every server process over the store (instances behind a proxy).
The `limits` package counts requests in windows: it cannot charge a cost
known only when a request ends, nor count requests in flight, and its
shared storages need a Redis or memcached server. An SQLite file in WAL mode
beside the store (`Settings.limits_path`) is shared by every process of the
machine with no server to run: two short transactions per request. A request
whose process died before it was released stops counting after `lease`
seconds.
"""

from __future__ import annotations

import fcntl
import math
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, g, request
from limits import parse

from minami_kg.config import Settings, SettingsError
from minami_kg.readmodels.urls import SPARQL_PATH
from minami_kg.server.http import HttpError
from minami_kg.server.state import get_settings

OFF = ("off", "none", "0")
SLOT_WAIT = 1.0  # seconds a request over the cap waits for a slot before 429
SLOT_POLL = 0.02
SWEEP_EVERY = 256  # releases between two sweeps of rows that no longer count
METERED = (SPARQL_PATH, "/api/")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spent (
  client TEXT PRIMARY KEY, seconds REAL NOT NULL, at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS running (
  id INTEGER PRIMARY KEY, client TEXT NOT NULL, since REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS running_client ON running (client);
"""


@dataclass(frozen=True)
class Budget:
    """`seconds` of work per `period` seconds, refilled continuously."""

    seconds: float
    period: float

    @property
    def refill(self) -> float:
        """Seconds of work that come back each second."""
        return self.seconds / self.period

    @classmethod
    def parse(cls, text: str) -> Budget | None:
        """ "60/minute", "600/hour", "5/second"; None for off."""
        text = text.strip()
        if text.lower() in OFF:
            return None
        try:
            item = parse(text)
        except ValueError:
            raise SettingsError(
                f"MINAMI_KG_QUERY_BUDGET={text!r}: not seconds of work per period such as "
                "60/minute or 600/hour (or off)"
            ) from None
        return cls(float(item.amount), float(item.get_expiry()))


@dataclass(frozen=True)
class Ticket:
    """A request let in: its row among those running, and when it started."""

    id: int
    client: str
    started: float


class TooMuchWork(Exception):
    """The client is over its budget or its cap; `retry_after` seconds, and why."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AtCap(TooMuchWork):
    """The client has as many requests running as it may."""


class WorkLimit:
    """Counts each client's work and running requests in the SQLite file at `path`."""

    def __init__(self, path: Path, budget: Budget, concurrency: int, lease: float) -> None:
        self.path = path
        self.budget = budget
        self.concurrency = concurrency
        self.lease = lease
        self._local = threading.local()
        self._released = 0
        self._prepare()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        db.execute("PRAGMA synchronous=OFF")  # counters: losing the last ones is harmless
        return db

    def _prepare(self) -> None:
        """The file in WAL mode with its tables, made once, before any thread asks.

        Switching a file to WAL takes a lock that SQLite does not wait for, so
        threads doing it at once got "database is locked". Several servers
        starting together still may: under a lock of
        their own, one at a time.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.with_suffix(".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            db = self._connect()
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
            finally:
                db.close()

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (sqlite3 connections stay in the thread that made them)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    def admit(self, client: str) -> Ticket:
        """Let a request of `client` in, waiting up to `SLOT_WAIT` for a slot, or raise
        `TooMuchWork`."""
        deadline = time.monotonic() + SLOT_WAIT
        while True:
            try:
                return self._try_admit(client)
            except AtCap:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(SLOT_POLL)

    def _try_admit(self, client: str) -> Ticket:
        now = time.time()
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            spent, running = db.execute(
                "SELECT (SELECT seconds - (? - at) * ? FROM spent WHERE client = ?), "
                "(SELECT COUNT(*) FROM running WHERE client = ? AND since >= ?)",
                (now, self.budget.refill, client, client, now - self.lease),
            ).fetchone()
            spent = max(0.0, spent or 0.0)
            if spent >= self.budget.seconds:
                wait = math.ceil((spent - self.budget.seconds) / self.budget.refill) + 1
                raise TooMuchWork(
                    f"Your address has used its {self.budget.seconds:g} s of query time per "
                    f"{self.budget.period:g} s. Wait {wait} s, or ask for less at a time.",
                    wait,
                )
            if running >= self.concurrency:
                raise AtCap(
                    f"Your address already has {running} requests running; at most "
                    f"{self.concurrency} run at once. Wait for one to finish.",
                    1,
                )
            cursor = db.execute("INSERT INTO running (client, since) VALUES (?, ?)", (client, now))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        assert cursor.lastrowid is not None
        return Ticket(cursor.lastrowid, client, time.perf_counter())

    def release(self, ticket: Ticket) -> None:
        """The request has ended: it stops running, and its seconds are charged."""
        seconds = time.perf_counter() - ticket.started
        now = time.time()
        refill = self.budget.refill
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM running WHERE id = ?", (ticket.id,))
            db.execute(
                "INSERT INTO spent (client, seconds, at) VALUES (?, ?, ?) ON CONFLICT (client) "
                "DO UPDATE SET seconds = max(0, seconds - (excluded.at - at) * ?) + "
                "excluded.seconds, at = excluded.at",
                (ticket.client, seconds, now, refill),
            )
            self._released += 1
            if self._released % SWEEP_EVERY == 0:  # forget what no longer counts
                db.execute("DELETE FROM spent WHERE seconds - (? - at) * ? <= 0", (now, refill))
                db.execute("DELETE FROM running WHERE since < ?", (now - self.lease,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def from_settings(settings: Settings) -> WorkLimit | None:
    budget = Budget.parse(settings.query_budget)
    if budget is None:
        return None
    lease = max(60.0, 3 * settings.sparql_timeout)
    return WorkLimit(settings.limits_path, budget, settings.client_concurrency, lease)


def init_app(app: Flask) -> None:
    """Meter /sparql and /api/: admit before the view, charge when the request ends."""
    limit = from_settings(get_settings(app))
    if limit is None:
        return

    @app.before_request
    def admit() -> None:
        if request.method == "OPTIONS" or not request.path.startswith(METERED):
            return
        try:
            g.work_ticket = limit.admit(request.remote_addr or "")
        except TooMuchWork as err:
            raise HttpError(429, str(err), {"Retry-After": str(err.retry_after)}) from None

    @app.teardown_request
    def charge(_: BaseException | None) -> None:
        ticket: Ticket | None = g.pop("work_ticket", None)
        if ticket is not None:
            limit.release(ticket)
