"""Staff sign-in: sessions, CSRF on every write, a pause after failed sign-ins, an audit log.

The public site is anonymous and read-only. Staff accounts (`minami_kg.accounts`)
sign in at `/login` and may then write: review decisions, labels, and (admins)
accounts. What this module promises the other views:

- `current_account() -> Account | None`: who is signed in (the accounts file is
  read afresh, so a removed account or a changed role counts at once).
- `require(role) -> Account`: the account, or `HttpError` 401 (nobody signed in)
  / 403 (a role too low).
- Templates get `current_account` and Flask-WTF's `csrf_token()`; base.html
  writes `<meta name="csrf-token" content="…">` for signed-in pages only.

Writes: every POST, PUT, PATCH and DELETE but `/sparql` (anonymous queries by
POST, updates behind their own bearer token) is refused 401 when nobody is
signed in (except the sign-in form itself), then needs the session's CSRF
token (Flask-WTF): the form field `csrf_token`, or the `X-CSRFToken` header for
JSON calls. A refusal goes through the one `HttpError` handler (400, JSON
under /api/).

Sessions are Flask's signed cookie (`minami_kg_session`): HttpOnly, SameSite=Lax,
Secure whenever the request came over HTTPS (directly, or through a proxy the
`proxy_hops` setting believes), 8 hours. Signing in starts a fresh session (a new
CSRF token too). The signing key is the `secret_key` setting or, unset, a random
key kept in `secret_key` beside the accounts file (0600), so sessions survive
a restart and every process over the same accounts file shares it.

Failed sign-ins are counted per account name and per client address in an
SQLite file beside the store (`signin.sqlite`, shared by every process like
the work limit's): after `signin_lockout` failures in a row, sign-in is paused
30 seconds, doubling with each further failure up to an hour (429 with
Retry-After); counts older than an hour are forgotten, and a success clears
the name's count.

The audit log is the logger `minami_kg.audit`: sign-in (ok, failed, paused),
sign-out, and every decision and account change, with the account name and
client address, never a password.
"""

from __future__ import annotations

import logging
import math
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Request,
    Response,
    g,
    redirect,
    render_template,
    request,
    session,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, CSRFProtect  # type: ignore[import-untyped]

from minami_kg.accounts import Account, AccountError, Accounts, write_atomically
from minami_kg.config import Settings
from minami_kg.readmodels.urls import SPARQL_PATH
from minami_kg.server.http import HttpError
from minami_kg.server.i18n import t

audit = logging.getLogger("minami_kg.audit")

SESSION_COOKIE = "minami_kg_session"
SESSION_HOURS = 8
ACCOUNTS_KEY = "minami_kg.accounts"
LOCKOUT_KEY = "minami_kg.signin_lockout"
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
ANONYMOUS_WRITES = ("/login",)  # writes that need a CSRF token but nobody signed in
FIRST_PAUSE = 30.0  # seconds
LONGEST_PAUSE = 3600.0
FORGET_AFTER = 3600.0  # seconds after the last failure a count is forgotten

auth = Blueprint("auth", __name__)
csrf = CSRFProtect()


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, Secure whenever this request came over HTTPS.

    A request without the cookie (every API client and most readers) gets an
    empty session without building a signer: Flask opens the session before
    every view, and that took a tenth of a /sparql lookup.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if "HTTP_COOKIE" not in request.environ and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def secret_key(settings: Settings) -> str:
    """The `secret_key` setting, or the key kept beside the accounts file (made once)."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.users_path.parent / "secret_key"
    if not path.is_file():
        from minami_kg.accounts import file_lock

        with file_lock(path):
            if not path.is_file():
                write_atomically(path, secrets.token_urlsafe(48) + "\n", mode=0o600)
    return path.read_text(encoding="utf-8").strip()


# ---------------------------------------------------------------- failed sign-ins


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


# ---------------------------------------------------------------- who is signed in


def accounts(app: Flask | None = None) -> Accounts:
    from flask import current_app

    return (app or current_app).extensions[ACCOUNTS_KEY]


def current_account() -> Account | None:
    """The signed-in account, or None. Anonymous requests (no cookie) never touch the session."""
    if "account" in g:
        return g.account
    account = None
    if SESSION_COOKIE in request.cookies:
        name = session.get("account")
        if isinstance(name, str):
            account = accounts().get(name)
            if account is None:  # removed since: the session is over
                session.clear()
    g.account = account
    return account


def require(role: str = "reviewer") -> Account:
    """The signed-in account if it has `role` (or higher); else 401 or 403."""
    account = current_account()
    if account is None:
        raise HttpError(401, t("ログインしてください。", "Sign in first."))
    if not account.may(role):
        raise HttpError(
            403, t(f"この操作には {role} の権限が必要です。", f"This needs the {role} role.")
        )
    return account


def client_address() -> str:
    return request.remote_addr or "-"


def loggable(name: str) -> str:
    """A name someone typed, safe on one log line: escaped, and not too long."""
    return name[:64].encode("unicode_escape").decode("ascii").replace(" ", "\\x20") or "-"


# ---------------------------------------------------------------- accounts, by an admin


def add_account(name: str, role: str, password: str, display_name: str | None) -> Account:
    """An admin adds an account (the JSON API and the form alike): 400 when it cannot be."""
    admin = require("admin")
    try:
        made = accounts().add(name, role, password, display_name)
    except AccountError as err:
        raise HttpError(400, str(err)) from None
    audit.info(
        "account added name=%s role=%s by=%s addr=%s", made.name, made.role, admin.name,
        client_address(),
    )  # fmt: skip
    return made


def remove_account(name: str) -> None:
    """An admin removes an account, never their own: 400, or 404 when there is none."""
    admin = require("admin")
    if name == admin.name:
        raise HttpError(400, t("自分のアカウントは削除できません。", "You cannot remove yourself."))
    try:
        accounts().remove(name)
    except AccountError as err:
        raise HttpError(404, str(err)) from None
    audit.info("account removed name=%s by=%s addr=%s", name, admin.name, client_address())


# ---------------------------------------------------------------- the app's set-up


def init_app(app: Flask, settings: Settings) -> None:
    """Sessions, CSRF on every write but /sparql, and signed-in pages never cached."""
    app.secret_key = secret_key(settings)
    app.session_interface = _SessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in `guard_writes`, which knows /sparql
        WTF_CSRF_TIME_LIMIT=None,  # valid as long as the session is
    )
    app.extensions[ACCOUNTS_KEY] = Accounts(settings.users_path)
    app.extensions[LOCKOUT_KEY] = SignInLockout(
        settings.store.parent / "signin.sqlite", settings.signin_lockout
    )
    csrf.init_app(app)

    @app.before_request
    def guard_writes() -> None:
        if request.method not in UNSAFE or request.path == SPARQL_PATH:
            return
        if request.path not in ANONYMOUS_WRITES and current_account() is None:
            raise HttpError(401, t("ログインしてください。", "Sign in first."))
        try:
            csrf.protect()
        except CSRFError as err:
            raise HttpError(
                400, t("CSRF トークンがないか正しくありません。", f"CSRF: {err.description}")
            ) from None

    @app.after_request
    def private_when_signed_in(response: Response) -> Response:
        """A page with a CSRF token or a name on it is nobody else's: never stored."""
        if request.path in ANONYMOUS_WRITES or g.get("account") is not None:
            response.headers["Cache-Control"] = "private, no-store"
        return response

    @app.context_processor
    def signed_in() -> dict[str, Callable[[], Account | None]]:
        return {"current_account": current_account}

    app.register_blueprint(auth)


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
    from flask import current_app

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
    from flask import jsonify
    from flask_wtf.csrf import generate_csrf

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
