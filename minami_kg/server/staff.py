"""Staff sessions: who is signed in, what they may do, and CSRF on every write.

The public site is anonymous and read-only. Staff accounts (`minami_kg.accounts`)
sign in at `/login` (the `auth` blueprint) and may then write: review decisions,
labels, and (admins) accounts. What this module promises the views, as Flask's
`db.py` does for a database, so that no blueprint imports another:

- `current_account() -> Account | None`: who is signed in (the accounts file is
  read afresh, so a removed account or a changed role counts at once).
- `require(role) -> Account`: the account, or `HttpError` 401 (nobody signed in)
  / 403 (a role too low).
- `add_account` / `remove_account`: an admin's changes, audited.
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

The audit log is the logger `minami_kg.audit`: sign-in (ok, failed, paused),
sign-out, and every decision and account change, with the account name and
client address, never a password.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, Request, Response, current_app, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
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
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
ANONYMOUS_WRITES = ("/login",)  # writes that need a CSRF token but nobody signed in

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


# ---------------------------------------------------------------- who is signed in


def accounts(app: Flask | None = None) -> Accounts:
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
