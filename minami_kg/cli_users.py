"""`minami-kg users`: add, remove and list the staff accounts that may review links.

Kept apart from `cli.py` because it needs no store: only the accounts file
(`MINAMI_KG_USERS`, or `--users FILE`). The password is read from standard
input (`--password-stdin`, one line), never from the command line, where
`ps` and the shell's history would show it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from minami_kg.accounts import ROLES, AccountError, Accounts
from minami_kg.config import Settings, SettingsError

users_option = click.option(
    "--users",
    "users_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The accounts file [env MINAMI_KG_USERS; default var/users.toml].",
)


def _accounts(users_file: Path | None) -> Accounts:
    try:
        settings = Settings.from_env().with_changes(users=users_file)
    except SettingsError as err:
        raise click.ClickException(str(err)) from None
    return Accounts(settings.users_path)


@click.group("users")
def users() -> None:
    """Staff accounts: who may sign in and decide links (reviewer) or manage accounts (admin)."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="reviewer or admin.")
@click.option("--display-name", help="The name shown on the links the account decides.")
@click.option(
    "--password-stdin", is_flag=True, required=True, help="Read the password from standard input."
)
@users_option
def add(
    name: str, role: str, display_name: str | None, password_stdin: bool, users_file: Path | None
) -> None:
    """Add the account NAME; its password is the first line of standard input."""
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        account = _accounts(users_file).add(name, role, password, display_name)
    except AccountError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"added {account.name} ({account.role}, {account.display_name})")


@users.command("remove")
@click.argument("name")
@users_option
def remove(name: str, users_file: Path | None) -> None:
    """Remove the account NAME."""
    try:
        _accounts(users_file).remove(name)
    except AccountError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"removed {name}")


@users.command("list")
@users_option
def list_accounts(users_file: Path | None) -> None:
    """Every account: name, role and display name (never the password hash)."""
    try:
        accounts = _accounts(users_file).list()
    except AccountError as err:
        raise click.ClickException(str(err)) from None
    for account in accounts:
        click.echo(f"{account.name}\t{account.role}\t{account.display_name}")
