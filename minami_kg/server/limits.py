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

Where the counts live. The `limits` package counts requests in windows: it
cannot charge a cost known only when a request ends, nor count requests in
flight, and its shared storages need a Redis or memcached server. So the
counts are shared through an SQLite file in WAL mode beside the store
(`Settings.limits_path`), with no server to run, in one of two ways:

* alone: when no other live process uses the file (one `minami-kg serve`
  over a store, the usual case), each request is counted in memory (a lock
  and a dict), and while requests come, one transaction at most every
  `SYNC_EVERY` seconds writes the seconds this process's clients spent and
  reads the others' counts. Two transactions a request had cost a seventh
  of the web process's CPU for a /sparql lookup under load
  (docs/performance.md).
* shared: while another live process uses the file (instances behind a
  proxy), every admission is one transaction that reads the others'
  counts, decides and writes ours, and every end is one more: a client's
  cap holds across the processes exactly.

A process that starts is seen by the others at their next look: their
next request a tenth of a second or more after their last look. Until
then it does not see their running requests, and a client may run more at
once than its cap. The counts of a process that has gone stop counting
after `lease` seconds, when no request of it can still be running; for as
long, the others count it as live, unless it left the file on its way out
(a normal exit: `minami-kg serve` stops so on SIGTERM too).
"""

from __future__ import annotations

import contextlib
import fcntl
import math
import sqlite3
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from flask import Flask, g, request
from limits import parse

from minami_kg.config import Settings, SettingsError
from minami_kg.readmodels.urls import SPARQL_PATH
from minami_kg.server.http import HttpError
from minami_kg.server.state import get_settings

T = TypeVar("T")

OFF = ("off", "none", "0")
SLOT_WAIT = 1.0  # seconds a request over the cap waits for a slot before 429
SLOT_POLL = 0.02  # seconds between two looks at the other processes' counts while waiting
SYNC_EVERY = 0.1  # seconds between two looks at the file when alone on it
METERED = (SPARQL_PATH, "/api/")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS work (
  process TEXT NOT NULL, client TEXT NOT NULL,
  running INTEGER NOT NULL, seconds REAL NOT NULL, at REAL NOT NULL,
  PRIMARY KEY (process, client)
);
CREATE INDEX IF NOT EXISTS work_client ON work (client);
CREATE TABLE IF NOT EXISTS processes (process TEXT PRIMARY KEY, seen REAL NOT NULL);
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
    """A request let in: whose it is, and when it started."""

    client: str
    started: float


@dataclass
class _Count:
    """A client's requests running and seconds spent (as of `at`, wall clock)."""

    running: int = 0
    seconds: float = 0.0
    at: float = 0.0


class TooMuchWork(Exception):
    """The client is over its budget or its cap; `retry_after` seconds, and why."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AtCap(TooMuchWork):
    """The client has as many requests running as it may."""


class WorkLimit:
    """Counts each client's work and running requests; shares them through the file at `path`."""

    def __init__(self, path: Path, budget: Budget, concurrency: int, lease: float) -> None:
        self.path = path
        self.budget = budget
        self.concurrency = concurrency
        self.lease = lease
        self._process = uuid.uuid4().hex  # this limit's rows in the file
        self._changed = threading.Condition()  # guards all below; told when a request ends
        self._mine: dict[str, _Count] = {}
        self._theirs: dict[str, _Count] = {}  # the other processes' counts, as last read
        self._alone = False  # no other live process on the file, as last read
        self._looked = -math.inf  # time.monotonic() of the last look at every client
        self._db = self._prepare()
        with self._changed:
            self._transaction(lambda: None)  # be seen by the others from the start
        weakref.finalize(self, _leave, path, self._process)  # when collected, or at exit

    def _prepare(self) -> sqlite3.Connection:
        """The file in WAL mode with its tables, made once, before any thread asks.

        Switching a file to WAL takes a lock that SQLite does not wait for, so
        servers starting together could get "database is locked": under a lock
        of their own, one at a time. The connection is used under `_changed`
        only, by whichever thread holds it.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.with_suffix(".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            db = sqlite3.connect(
                self.path, timeout=5.0, isolation_level=None, check_same_thread=False
            )
            db.execute("PRAGMA synchronous=OFF")  # counters: losing the last ones is harmless
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
        return db

    def _spent(self, count: _Count | None, now: float) -> float:
        """What is left of `count`'s seconds at `now`, after the refill."""
        if count is None:
            return 0.0
        return max(0.0, count.seconds - (now - count.at) * self.budget.refill)

    def admit(self, client: str) -> Ticket:
        """Let a request of `client` in, waiting up to `SLOT_WAIT` for a slot, or raise
        `TooMuchWork`."""
        deadline = time.monotonic() + SLOT_WAIT
        with self._changed:
            while True:
                if time.monotonic() - self._looked >= SYNC_EVERY:
                    self._transaction(lambda: None)
                if self._alone:
                    admitted = self._decide(client)
                else:
                    admitted = self._transaction(lambda: self._decide(client), client)
                if admitted:
                    return Ticket(client, time.perf_counter())
                if time.monotonic() >= deadline:
                    running = self._mine[client].running + self._running_elsewhere(client)
                    raise AtCap(
                        f"Your address already has {running} requests running; at most "
                        f"{self.concurrency} run at once. Wait for one to finish.",
                        1,
                    )
                self._changed.wait(SLOT_POLL)  # one of ours ends, or time to look at theirs

    def release(self, ticket: Ticket) -> None:
        """The request has ended: it stops running, and its seconds are charged."""
        seconds = time.perf_counter() - ticket.started
        now = time.time()
        with self._changed:
            count = self._mine[ticket.client]
            count.seconds, count.at = self._spent(count, now) + seconds, now
            count.running -= 1
            if not self._alone:
                self._transaction(lambda: None, ticket.client)
            self._changed.notify_all()

    def _running_elsewhere(self, client: str) -> int:
        theirs = self._theirs.get(client)
        return theirs.running if theirs else 0

    def _decide(self, client: str) -> bool:
        """Count a request of `client` in, if its budget and cap allow; False when at the cap.

        Raises TooMuchWork when over the budget. Called with `_changed` held.
        """
        now = time.time()
        mine = self._mine.setdefault(client, _Count(at=now))
        spent = self._spent(mine, now) + self._spent(self._theirs.get(client), now)
        if spent >= self.budget.seconds:
            wait = math.ceil((spent - self.budget.seconds) / self.budget.refill) + 1
            raise TooMuchWork(
                f"Your address has used its {self.budget.seconds:g} s of query time per "
                f"{self.budget.period:g} s. Wait {wait} s, or ask for less at a time.",
                wait,
            )
        if mine.running + self._running_elsewhere(client) >= self.concurrency:
            return False
        # `at` becomes the admission: a row younger than `lease` may hold it running
        mine.seconds, mine.at = self._spent(mine, now), now
        mine.running += 1
        return True

    def _transaction(self, decide: Callable[[], T], client: str | None = None) -> T:
        """Read the other processes' counts, run `decide`, write ours: one transaction.

        A look (no `client`) reads and writes every client's counts and forgets
        what no longer counts; an admission or an end while shared (a `client`)
        only that client's, so that its cost does not grow with the number of
        clients. Called with `_changed` held. Rows older than `lease` hold no
        running request; a process counts as live while it has looked within
        `lease`.
        """
        now = time.time()
        refill = self.budget.refill
        if client is None:
            idle = [c for c, n in self._mine.items() if not n.running and not self._spent(n, now)]
            for name in idle:
                del self._mine[name]  # nothing left to count
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            rows = db.execute(
                "SELECT client, SUM(CASE WHEN at >= ?2 THEN running ELSE 0 END), "
                "SUM(max(0, seconds - (?1 - at) * ?3)) FROM work "
                "WHERE process != ?4 AND (?5 IS NULL OR client = ?5) GROUP BY client",
                (now, now - self.lease, refill, self._process, client),
            ).fetchall()
            others = db.execute(
                "SELECT COUNT(*) FROM processes WHERE process != ? AND seen >= ?",
                (self._process, now - self.lease),
            ).fetchone()[0]
            theirs = {c: _Count(int(r), float(s), now) for c, r, s in rows if r or s}
            if client is None:
                self._theirs = theirs
            else:
                self._theirs.pop(client, None)
                self._theirs.update(theirs)
            decided = decide()
            if client is None:
                db.execute("DELETE FROM work WHERE process = ?", (self._process,))
            written = self._mine.items() if client is None else [(client, self._mine[client])]
            # alone, nobody reads our running requests, and an end need not be written:
            # a process that starts reads none of them (see the module's docstring)
            db.executemany(
                "INSERT OR REPLACE INTO work VALUES (?, ?, ?, ?, ?)",
                [
                    (self._process, c, n.running if others else 0, n.seconds, n.at)
                    for c, n in written
                ],
            )
            db.execute("INSERT OR REPLACE INTO processes VALUES (?, ?)", (self._process, now))
            if client is None:
                db.execute(
                    "DELETE FROM work WHERE at < ?1 AND seconds - (?2 - at) * ?3 <= 0",
                    (now - self.lease, now, refill),
                )
                db.execute("DELETE FROM processes WHERE seen < ?", (now - self.lease,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._alone = others == 0
        if client is None:
            self._looked = time.monotonic()
        return decided


def _leave(path: Path, process: str) -> None:
    """A limit's process is going: its rows hold no running request any more and it is no
    longer live, so that the others count alone again at once. What its clients spent
    stays, for the others and for a server started after it."""
    with contextlib.suppress(sqlite3.Error):  # the file may be gone, or busy: it is an end
        db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=1.0, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("UPDATE work SET running = 0 WHERE process = ?", (process,))
            db.execute("DELETE FROM processes WHERE process = ?", (process,))
            db.execute("COMMIT")
        finally:
            db.close()


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
