"""Staff accounts and sign-in: the accounts file, `minami-kg users`, /login, the session
cookie, CSRF on writes, the pause after failed sign-ins, and the audit log.

Each test has its own accounts file and its own (unbuilt) store folder, so the
failure counts of one test never pause another's sign-ins.
"""

from __future__ import annotations

import logging
import re
import stat
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from minami_kg.accounts import AccountError, Accounts
from minami_kg.cli import main
from minami_kg.config import Settings
from minami_kg.server import create_app

from .conftest import settings_for

PASSWORD = "correct horse battery staple"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path / "var" / "store").with_changes(
        users=tmp_path / "private" / "users.toml", signin_lockout=3
    )


@pytest.fixture
def app(settings: Settings) -> Flask:
    staff = Accounts(settings.users_path)
    staff.add("yamada", "reviewer", PASSWORD, "山田")
    staff.add("admin", "admin", PASSWORD, "管理者")
    return create_app(settings)


def form_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def sign_in(client: FlaskClient, name: str = "yamada", password: str = PASSWORD) -> int:
    token = form_token(client)
    response = client.post(
        "/login", data={"username": name, "password": password, "csrf_token": token}
    )
    return response.status_code


# --- the accounts file and the command ------------------------------------------------------


def test_accounts_file_is_private_and_holds_hashes_only(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    Accounts(path).add("sato", "admin", PASSWORD, "佐藤")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text
    entry = tomllib.loads(text)["account"]["sato"]
    assert entry["password"].startswith("$argon2id$")
    assert entry["display_name"] == "佐藤"


def test_verify(tmp_path: Path) -> None:
    staff = Accounts(tmp_path / "users.toml")
    staff.add("sato", "reviewer", PASSWORD)
    account = staff.verify("sato", PASSWORD)
    assert account is not None and account.role == "reviewer" and account.display_name == "sato"
    assert staff.verify("sato", PASSWORD + "x") is None
    assert staff.verify("nobody", PASSWORD) is None
    assert staff.verify("../etc", PASSWORD) is None


@pytest.mark.parametrize(
    ("name", "role", "password"),
    [("sato", "reviewer", ""), ("sato", "reviewer", "   "), ("sato", "owner", PASSWORD),
     ("Sato San", "reviewer", PASSWORD)],
)  # fmt: skip
def test_add_refuses(tmp_path: Path, name: str, role: str, password: str) -> None:
    with pytest.raises(AccountError):
        Accounts(tmp_path / "users.toml").add(name, role, password)
    assert not (tmp_path / "users.toml").exists()


def test_users_command(runner: CliRunner, tmp_path: Path) -> None:
    users = str(tmp_path / "users.toml")

    def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
        result = runner.invoke(main, ["users", *args, "--users", users], input=stdin)
        return result.exit_code, result.output

    code, out = run(
        "add", "yamada", "--role", "reviewer", "--display-name", "山田", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0, out
    assert run("add", "yamada", "--role", "admin", "--password-stdin", stdin="other\n")[0] == 1
    assert run("add", "sato", "--role", "owner", "--password-stdin", stdin="pw\n")[0] == 2
    code, out = run("add", "sato", "--role", "admin", "--password-stdin", stdin="\n")
    assert code == 1 and "empty" in out
    assert run("add", "sato", "--role", "admin", "--password-stdin", stdin="pw\n")[0] == 0
    code, out = run("list")
    assert code == 0
    assert out.splitlines() == ["sato\tadmin\tsato", "yamada\treviewer\t山田"]
    assert "argon2" not in out
    assert run("remove", "sato")[0] == 0
    assert run("remove", "sato")[0] == 1
    assert run("list")[1].splitlines() == ["yamada\treviewer\t山田"]
    assert Accounts(Path(users)).verify("yamada", PASSWORD) is not None


# --- signing in -----------------------------------------------------------------------------


def test_login_form(app: Flask) -> None:
    response = app.test_client().get("/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for field in ('name="username"', 'name="password"', 'name="csrf_token"', 'type="password"'):
        assert field in page
    assert 'lang="ja"' in page
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "form-action 'self'" in response.headers["Content-Security-Policy"]


def test_sign_in_and_out(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    client = app.test_client()
    anonymous = client.get("/")
    assert 'name="csrf-token"' not in anonymous.get_data(as_text=True)
    assert "Set-Cookie" not in anonymous.headers  # the public site sets no session
    caplog.set_level(logging.INFO, logger="minami_kg.audit")
    assert sign_in(client) == 303
    page = client.get("/")
    text = page.get_data(as_text=True)
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', text)
    assert "山田" in text
    assert page.headers["Cache-Control"] == "private, no-store"
    assert client.get("/api/session").json["account"]["role"] == "reviewer"
    token = re.search(r'name="csrf-token" content="([^"]+)"', text).group(1)  # type: ignore[union-attr]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/api/session").json["account"] is None
    logged = caplog.text
    assert "signin ok account=yamada" in logged and "signout account=yamada" in logged
    assert PASSWORD not in logged


def test_wrong_password(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="minami_kg.audit"):
        assert sign_in(client, password="wrong") == 401
    assert client.get("/api/session").json["account"] is None
    assert "signin failed account=yamada" in caplog.text and "wrong" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="minami_kg.audit"):
        assert sign_in(app.test_client(), "x\nsignin ok account=admin", "p") == 401
    assert [r.getMessage().count("\n") for r in caplog.records] == [0]  # one line, escaped


def test_login_needs_the_csrf_token(app: Flask) -> None:
    client = app.test_client()
    form_token(client)
    response = client.post("/login", data={"username": "yamada", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/api/session").json["account"] is None


def test_pause_after_repeated_failures(app: Flask) -> None:
    client = app.test_client()
    for _ in range(3):
        assert sign_in(client, password="wrong") == 401
    token = form_token(client)
    paused = client.post(
        "/login", data={"username": "yamada", "password": PASSWORD, "csrf_token": token}
    )
    assert paused.status_code == 429  # even the right password waits
    assert 25 <= int(paused.headers["Retry-After"]) <= 30
    assert client.get("/api/session").json["account"] is None
    # the other account from the same address is paused too (per address) …
    assert sign_in(app.test_client(), "admin") == 429


def test_pause_per_name_from_other_addresses(app: Flask) -> None:
    for n in range(3):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n}"
        assert sign_in(client, password="wrong") == 401
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert sign_in(other) == 429
    assert sign_in(other, "admin") == 303  # another name from a fresh address is let in


def test_session_cookie_flags(app: Flask) -> None:
    client = app.test_client()
    token = form_token(client)
    response = client.post(
        "/login", data={"username": "yamada", "password": PASSWORD, "csrf_token": token}
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("minami_kg_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback

    secure = app.test_client()
    token = form_token(secure, "https://localhost/login")
    response = secure.post(
        "https://localhost/login",
        data={"username": "yamada", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": "https://localhost/login"},
    )
    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]


def test_secure_cookie_behind_a_proxy(settings: Settings) -> None:
    Accounts(settings.users_path).add("yamada", "reviewer", PASSWORD)
    client = create_app(settings.with_changes(proxy_hops=1)).test_client()
    https = {"X-Forwarded-Proto": "https", "Referer": "https://localhost/login"}
    page = client.get("/login", headers=https).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login",
        data={"username": "yamada", "password": PASSWORD, "csrf_token": token},
        headers=https,
    )
    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]


def test_the_secret_key_survives_a_restart(settings: Settings) -> None:
    first, second = create_app(settings), create_app(settings)
    assert first.secret_key == second.secret_key
    key_file = settings.users_path.parent / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert create_app(settings.with_changes(secret_key="s" * 40)).secret_key == "s" * 40


def test_a_removed_account_is_signed_out(app: Flask, settings: Settings) -> None:
    client = app.test_client()
    assert sign_in(client) == 303
    Accounts(settings.users_path).remove("yamada")
    assert client.get("/api/session").json["account"] is None


# --- writes ---------------------------------------------------------------------------------


def test_anonymous_writes_are_refused(app: Flask) -> None:
    client = app.test_client()
    for path in ("/api/review", "/api/label", "/api/accounts", "/logout"):
        response = client.post(path, json={})
        assert response.status_code == 401, path
    assert client.delete("/api/accounts/yamada").status_code == 401


def test_anonymous_sparql_post_needs_no_token(app: Flask, tmp_path: Path) -> None:
    """/sparql keeps the SPARQL protocol: an anonymous POST query is no CSRF matter."""
    response = app.test_client().post(
        "/sparql", data={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code != 401 and response.status_code != 400, response.data


def test_admin_api(app: Flask, settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    admin = app.test_client()
    assert sign_in(admin, "admin") == 303
    token = admin.get("/api/session").json["csrf_token"]
    assert admin.get("/api/accounts").json["accounts"][0]["name"] == "admin"
    body = {"name": "sato", "role": "reviewer", "password": PASSWORD, "display_name": "佐藤"}
    assert admin.post("/api/accounts", json=body).status_code == 400  # no CSRF header
    with caplog.at_level(logging.INFO, logger="minami_kg.audit"):
        made = admin.post("/api/accounts", json=body, headers={"X-CSRFToken": token})
    assert made.status_code == 201, made.json
    assert "account added name=sato role=reviewer by=admin" in caplog.text
    assert PASSWORD not in caplog.text
    listed = admin.get("/api/accounts").json["accounts"]
    assert [a["name"] for a in listed] == ["admin", "sato", "yamada"]
    assert all("password" not in a for a in listed)
    assert admin.delete("/api/accounts/admin", headers={"X-CSRFToken": token}).status_code == 400
    assert admin.delete("/api/accounts/sato", headers={"X-CSRFToken": token}).status_code == 200
    assert Accounts(settings.users_path).get("sato") is None


def test_reviewer_cannot_manage_accounts(app: Flask, settings: Settings) -> None:
    before = settings.users_path.read_bytes()
    client = app.test_client()
    assert sign_in(client) == 303
    token = client.get("/api/session").json["csrf_token"]
    headers = {"X-CSRFToken": token}
    assert client.get("/api/accounts").status_code == 403
    body = {"name": "sato", "role": "admin", "password": PASSWORD}
    refused = client.post("/api/accounts", json=body, headers=headers)
    assert refused.status_code == 403 and "error" in refused.json
    assert client.delete("/api/accounts/admin", headers=headers).status_code == 403
    assert settings.users_path.read_bytes() == before
