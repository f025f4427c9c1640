"""The sign-in pages: `/login`, `/logout` and `/api/session`, with a pause after failed sign-ins.

Who is signed in and what they may do is `minami_kg.server.staff`'s.

Failed sign-ins are counted per account name and per client address in an
SQLite file beside the store (`signin.sqlite`, shared by every process like
the work limit's): after `signin_lockout` failures in a row, sign-in is paused
30 seconds, doubling with each further failure up to an hour (429 with
Retry-After); counts older than an hour are forgotten, and a success clears
the name's count.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import generate_csrf  # type: ignore[import-untyped]

from minami_kg.server.http import HttpError
from minami_kg.server.i18n import t
from minami_kg.server.staff import accounts, audit, client_address, current_account, loggable
from minami_kg.server.state import get_settings

LOCKOUT_KEY = "minami_kg.signin_lockout"
FIRST_PAUSE = 30.0  # seconds
LONGEST_PAUSE = 3600.0
FORGET_AFTER = 3600.0  # seconds after the last failure a count is forgotten

auth = Blueprint("auth", __name__)


class SignInLockout:
    """Counts failed sign-ins per key (`name:…`, `addr:…`) in an SQLite file."""

    def __init__(self, path: Path, allowed: int) -> None:
        self.path = path
        self.allowed = allowed
        self._local = threading.local()

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS failures (key TEXT PRIMARY KEY, "
                "count INTEGER NOT NULL, last REAL NOT NULL, until REAL NOT NULL)"
            )
            self._local.db = db
        return db

    def wait(self, keys: list[str], now: float | None = None) -> int:
        """Seconds until the keys may try again (0: now)."""
        now = time.time() if now is None else now
        marks = ",".join("?" * len(keys))
        row = (
            self._db()
            .execute(f"SELECT MAX(until) FROM failures WHERE key IN ({marks})", keys)
            .fetchone()
        )
        until = row[0] if row and row[0] else 0.0
        return max(0, math.ceil(until - now))

    def failed(self, keys: list[str], now: float | None = None) -> None:
        now = time.time() if now is None else now
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            for key in keys:
                row = db.execute("SELECT count, last FROM failures WHERE key = ?", [key]).fetchone()
                count = 1 if row is None or now - row[1] > FORGET_AFTER else row[0] + 1
                over = count - self.allowed
                pause = min(LONGEST_PAUSE, FIRST_PAUSE * 2 ** min(over, 20)) if over >= 0 else 0
                db.execute(
                    "INSERT OR REPLACE INTO failures (key, count, last, until) VALUES (?, ?, ?, ?)",
                    [key, count, now, now + pause],
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def succeeded(self, key: str) -> None:
        self._db().execute("DELETE FROM failures WHERE key = ?", [key])


@auth.record_once
def _attach_lockout(state: object) -> None:
    """Each app counts failed sign-ins in `signin.sqlite` beside its store."""
    app: Flask = state.app  # type: ignore[attr-defined]
    settings = get_settings(app)
    app.extensions[LOCKOUT_KEY] = SignInLockout(
        settings.store.parent / "signin.sqlite", settings.signin_lockout
    )


# ---------------------------------------------------------------- the pages


def _next_page(value: str | None) -> str:
    """Where to go after signing in: a path on this site, never another site."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


def _login_page(status: int = 200, error: str | None = None, **context: Any) -> Response:
    response = Response(
        render_template(
            "login.html",
            error=error,
            next_page=_next_page(request.values.get("next")),
            username=context.get("username", ""),
        ),
        status=status,
    )
    return response


@auth.get("/login")
def login_form() -> ResponseReturnValue:
    return _login_page()


@auth.post("/login")
def login() -> ResponseReturnValue:
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    address = client_address()
    keys = [f"name:{username}", f"addr:{address}"]
    lockout: SignInLockout = current_app.extensions[LOCKOUT_KEY]
    wait = lockout.wait(keys)
    if wait:
        audit.warning(
            "signin paused account=%s addr=%s wait=%ss", loggable(username), address, wait
        )
        raise HttpError(
            429,
            t(
                f"ログインの失敗が続いたため、{wait} 秒後まで受け付けません。",
                f"Too many failed sign-ins: try again in {wait} seconds.",
            ),
            {"Retry-After": str(wait)},
        )
    account = accounts().verify(username, password) if username and password else None
    if account is None:
        lockout.failed(keys)
        audit.warning("signin failed account=%s addr=%s", loggable(username), address)
        message = t("ユーザー名またはパスワードが違います。", "Wrong user name or password.")
        return _login_page(401, message, username=username)
    lockout.succeeded(keys[0])
    session.clear()  # a fresh session (and CSRF token): no fixation
    session["account"] = account.name
    session.permanent = True
    g.account = account
    audit.info("signin ok account=%s role=%s addr=%s", account.name, account.role, address)
    return redirect(_next_page(request.form.get("next")), code=303)


@auth.post("/logout")
def logout() -> ResponseReturnValue:
    account = current_account()
    session.clear()
    if account is not None:
        audit.info("signout account=%s addr=%s", account.name, client_address())
    return redirect("/", code=303)


@auth.get("/api/session")
def who() -> ResponseReturnValue:
    """Who is signed in, and the CSRF token a script sends back (`X-CSRFToken`)."""
    account = current_account()
    if account is None:
        response = jsonify(account=None)
    else:
        response = jsonify(
            account={
                "name": account.name,
                "role": account.role,
                "display_name": account.display_name,
            },
            csrf_token=generate_csrf(),
        )
    response.headers["Cache-Control"] = "private, no-store"
    return response
