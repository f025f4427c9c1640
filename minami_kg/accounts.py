"""Staff accounts: who may decide links and labels, kept in one file outside the data.

The file (setting `users`, `MINAMI_KG_USERS`; default `var/users.toml`, beside
the store and never in `data/`, which is published) is TOML, one table per
account:

    [account.yamada]
    role = "reviewer"            # reviewer | admin
    display_name = "山田"         # shown on the links the account decided
    password = "$argon2id$v=19$…" # argon2id hash (argon2-cffi), never the password

Why these choices:

- argon2id through argon2-cffi, a maintained binding of the reference
  implementation, with its default (RFC 9106 "low memory") parameters; a hash
  made with older parameters is re-hashed at the next successful sign-in.
- The file is rewritten whole, under an exclusive `fcntl` lock on a
  `.<name>.lock` beside it, through a temporary file and `os.replace`, with
  mode 0600: two `users add` at once never lose an account, and a crash never
  leaves half a file.
- Names are short ASCII (`NAME_PATTERN`) so they are safe in logs and URLs;
  display names may be Japanese.

Plain data, no Flask: the CLI (`minami-kg users`) and the web app
(`minami_kg.server.staff`) both use it.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import tomlkit
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ROLES = ("reviewer", "admin")
"""Lowest first: an admin may do everything a reviewer may."""
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")
MAX_PASSWORD_CHARS = 1024  # argon2 takes any length; a megabyte "password" is an attack

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("minami-kg: no such account")
"""Verified against when the name is unknown, so a wrong name costs as long as a wrong password."""


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why (no secrets in it)."""


@dataclass(frozen=True)
class Account:
    """One member of staff, as the app sees them: never the hash."""

    name: str
    role: str
    display_name: str

    def may(self, role: str) -> bool:
        """Whether this account has `role` or a higher one."""
        return ROLES.index(self.role) >= ROLES.index(role)


def rank(role: str) -> int:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return ROLES.index(role)


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise AccountError(
            f"{name!r} is not a valid account name: 1–32 of a-z 0-9 . _ -, starting with a "
            "letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if not password or not password.strip():
        raise AccountError("the password is empty")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"the password is longer than {MAX_PASSWORD_CHARS} characters")
    return password


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on `.<name>.lock` beside `path`, held for the block (waits)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.parent / f".{path.name}.lock"
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_atomically(path: Path, text: str, mode: int = 0o644) -> None:
    """Replace `path` with `text` in one step: a temporary file beside it, then `os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class Accounts:
    """The accounts file at `path`; every method reads it afresh (other processes write it)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, dict[str, str]]:
        if not self.path.is_file():
            return {}
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise AccountError(f"{self.path}: {err}") from None
        table = data.get("account", {})
        return table if isinstance(table, dict) else {}

    def _write(self, table: dict[str, dict[str, str]]) -> None:
        doc = tomlkit.document()
        doc.add(tomlkit.comment("minami-kg staff accounts: `minami-kg users` edits this file."))
        doc.add(tomlkit.comment("Passwords are argon2id hashes. Keep the file private (0600)."))
        accounts = tomlkit.table(is_super_table=True)
        for name in sorted(table):
            entry = tomlkit.table()
            for key in ("role", "display_name", "password"):
                entry.add(key, table[name][key])
            accounts.add(name, entry)
        doc.add("account", accounts)
        write_atomically(self.path, tomlkit.dumps(doc), mode=0o600)

    def list(self) -> list[Account]:
        return [_account(name, entry) for name, entry in sorted(self._read().items())]

    def get(self, name: str) -> Account | None:
        entry = self._read().get(name)
        return _account(name, entry) if entry else None

    def add(self, name: str, role: str, password: str, display_name: str | None = None) -> Account:
        """A new account; refuses a taken name, an unknown role or an empty password."""
        check_name(name)
        rank(role)
        check_password(password)
        shown = (display_name or name).strip() or name
        with file_lock(self.path):
            table = self._read()
            if name in table:
                raise AccountError(f"there is already an account named {name!r}")
            table[name] = {
                "role": role,
                "display_name": shown,
                "password": _hasher.hash(password),
            }
            self._write(table)
        return Account(name, role, shown)

    def remove(self, name: str) -> None:
        with file_lock(self.path):
            table = self._read()
            if name not in table:
                raise AccountError(f"there is no account named {name!r}")
            del table[name]
            self._write(table)

    def verify(self, name: str, password: str) -> Account | None:
        """The account when `password` is its password, else None (in about the same time)."""
        entry = self._read().get(name) if NAME_PATTERN.fullmatch(name) else None
        stored = entry["password"] if entry else _DUMMY_HASH
        try:
            _hasher.verify(stored, password[:MAX_PASSWORD_CHARS])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if entry is None:
            return None
        if _hasher.check_needs_rehash(stored):
            with file_lock(self.path):
                table = self._read()
                if name in table and table[name]["password"] == stored:
                    table[name]["password"] = _hasher.hash(password)
                    self._write(table)
        return _account(name, entry)


def _account(name: str, entry: dict[str, str]) -> Account:
    role = entry.get("role", "reviewer")
    return Account(name, role if role in ROLES else "reviewer", entry.get("display_name") or name)
