"""Settings in one object, read once from the environment and passed down.

Nothing below the CLI or `create_app` reads the environment: they receive a
`Settings`. Each field maps to one `MINAMI_KG_*` variable (see `SETTINGS`),
and the README lists them all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE = "http://127.0.0.1:8000/"
MAX_BUILD_CHECK_SECONDS = 30
MIN_QUERY_PROCESSES = 4


@dataclass(frozen=True)
class Settings:
    """Where the data lives and how IRIs are minted."""

    store: Path = field(
        default=PROJECT_ROOT / "var" / "store",
        metadata={"env": "MINAMI_KG_STORE", "help": "Oxigraph store directory"},
    )
    base: str = field(
        default=DEFAULT_BASE,
        metadata={"env": "MINAMI_KG_BASE", "help": "base IRI; every minted IRI starts with it"},
    )
    sources: Path = field(
        default=PROJECT_ROOT / "data" / "sources",
        metadata={"env": "MINAMI_KG_SOURCES", "help": "folder of source documents"},
    )
    curation: Path = field(
        default=PROJECT_ROOT / "data" / "curation",
        metadata={"env": "MINAMI_KG_CURATION", "help": "folder of curated data (slugs, labels)"},
    )
    ontology: Path = field(
        default=PROJECT_ROOT / "ontology",
        metadata={"env": "MINAMI_KG_ONTOLOGY", "help": "folder with minami-kg.ttl and shapes.ttl"},
    )
    templates: Path = field(
        default=PROJECT_ROOT / "web" / "templates",
        metadata={"env": "MINAMI_KG_TEMPLATES", "help": "folder of the web UI's templates"},
    )
    queries: Path = field(
        default=PROJECT_ROOT / "queries",
        metadata={"env": "MINAMI_KG_QUERIES", "help": "folder of canned SPARQL queries (*.rq)"},
    )
    endpoint: str | None = field(
        default=None,
        metadata={
            "env": "MINAMI_KG_ENDPOINT",
            "help": "SPARQL 1.1 query endpoint of a remote store; unset: the embedded store",
        },
    )
    update_endpoint: str | None = field(
        default=None,
        metadata={
            "env": "MINAMI_KG_UPDATE_ENDPOINT",
            "help": "SPARQL 1.1 update endpoint of the remote store (default: the query endpoint)",
        },
    )
    sparql_timeout: float = field(
        default=10.0,
        metadata={"env": "MINAMI_KG_SPARQL_TIMEOUT", "help": "seconds a /sparql query may run"},
    )
    max_rows: int = field(
        default=10_000,
        metadata={"env": "MINAMI_KG_MAX_ROWS", "help": "most result rows /sparql returns"},
    )
    max_body_bytes: int = field(
        default=1_000_000,
        metadata={"env": "MINAMI_KG_MAX_BODY", "help": "largest request body accepted, in bytes"},
    )
    max_query_chars: int = field(
        default=20_000,
        metadata={
            "env": "MINAMI_KG_MAX_QUERY_CHARS",
            "help": "longest query or update /sparql accepts, in characters",
        },
    )
    query_budget: str = field(
        default="60/minute",
        metadata={
            "env": "MINAMI_KG_QUERY_BUDGET",
            "help": "seconds of work each client address may use on /sparql and /api/ "
            "per period (60/minute: a minute of work a minute; 600/hour), shared by every "
            "web process; off: no limit",
        },
    )
    client_concurrency: int = field(
        default=2,
        metadata={
            "env": "MINAMI_KG_CLIENT_CONCURRENCY",
            "help": "requests of one client address /sparql and /api/ run at once; "
            "more are answered 429 with Retry-After (keep it below query_workers)",
        },
    )
    query_workers: int | None = field(
        default=None,
        metadata={
            "env": "MINAMI_KG_QUERY_WORKERS",
            "help": "query processes per web process that run /sparql queries "
            "(each is stopped and replaced when a query outlives sparql_timeout); "
            f"unset: one per CPU the server may use, at least {MIN_QUERY_PROCESSES}",
        },
    )
    update_token: str | None = field(
        default=None,
        metadata={
            "env": "MINAMI_KG_UPDATE_TOKEN",
            "help": "bearer token that allows SPARQL updates on /sparql; unset: updates refused",
        },
    )
    dumps: Path | None = field(
        default=None,
        metadata={
            "env": "MINAMI_KG_DUMPS",
            "help": "folder the build writes the downloadable dumps to "
            "(default: dumps/ beside the store, i.e. var/dumps)",
        },
    )
    search_index: Path | None = field(
        default=None,
        metadata={
            "env": "MINAMI_KG_SEARCH_INDEX",
            "help": "this app instance's search index file, which the build writes and the app "
            "rebuilds when the store's build identifier changes "
            "(default: search.sqlite beside the store, i.e. var/search.sqlite)",
        },
    )
    build_check_seconds: float = field(
        default=10.0,
        metadata={
            "env": "MINAMI_KG_BUILD_CHECK_SECONDS",
            "help": "how often, at most, an app instance asks the store for its build "
            "identifier, to follow a rebuild or update made anywhere (its search index and "
            "cache validators); 0 to 30, 0: at every request",
            "zero_ok": True,
        },
    )
    proxy_hops: int = field(
        default=0,
        metadata={
            "env": "MINAMI_KG_PROXY_HOPS",
            "help": "reverse proxies in front of the app whose X-Forwarded-* headers "
            "are believed (werkzeug's ProxyFix); unset: none, the headers are ignored",
        },
    )
    access_log: str = field(
        default="off",
        metadata={
            "env": "MINAMI_KG_ACCESS_LOG",
            "help": "where minami-kg serve writes a line per request: - for standard output, "
            "or a file; off: nowhere",
        },
    )
    users: Path | None = field(
        default=None,
        metadata={
            "env": "MINAMI_KG_USERS",
            "help": "the staff accounts file (`minami-kg users` writes it; keep it out of data/) "
            "(default: users.toml beside the store, i.e. var/users.toml)",
        },
    )
    secret_key: str | None = field(
        default=None,
        metadata={
            "env": "MINAMI_KG_SECRET_KEY",
            "help": "key that signs the staff's session cookies; unset: one is generated and "
            "kept in secret_key beside the accounts file (mode 0600)",
        },
    )
    signin_lockout: int = field(
        default=5,
        metadata={
            "env": "MINAMI_KG_SIGNIN_LOCKOUT",
            "help": "failed sign-ins (per account name and per client address) after which "
            "sign-in pauses: 30 s, doubling with each further failure, up to an hour",
        },
    )
    publisher: str = field(
        default="minami-kg",
        metadata={
            "env": "MINAMI_KG_PUBLISHER",
            "help": "who publishes this dataset: the DCAT catalogue's publisher, and the name the "
            "licence and attribution lines give (pages' footers, /dataset, xlsx, dumps' README)",
        },
    )
    licence: str = field(
        default="https://creativecommons.org/licenses/by/4.0/",
        metadata={
            "env": "MINAMI_KG_LICENCE",
            "help": "licence IRI of the dataset: dcterms:license in the DCAT catalogue, and the "
            "licence the attribution lines name (pages' footers, /dataset, xlsx, dumps' README)",
        },
    )

    def __post_init__(self) -> None:
        if not self.base.endswith("/"):
            object.__setattr__(self, "base", self.base + "/")
        if not 0 <= self.build_check_seconds <= MAX_BUILD_CHECK_SECONDS:
            # longer would let instances serve an old build for longer than anyone expects
            raise SettingsError(
                "MINAMI_KG_BUILD_CHECK_SECONDS (build_check_seconds) must be from 0 to "
                f"{MAX_BUILD_CHECK_SECONDS}, "
                f"not {self.build_check_seconds:g}"
            )

    @property
    def dumps_dir(self) -> Path:
        """Where the dumps are: `dumps`, or `dumps/` beside the store when unset."""
        return self.dumps or self.store.parent / "dumps"

    @property
    def query_processes(self) -> int:
        """How many query processes a web process may run: `query_workers`, or one per CPU.

        A query process keeps one CPU busy while it runs a query, so a server with more
        CPUs can answer more clients at once; on 2 CPUs, fewer than MIN_QUERY_PROCESSES
        left them partly idle while answers went back and forth (docs/performance.md).
        The pool starts them only as queries come, so unused ones cost nothing.
        """
        return self.query_workers or max(MIN_QUERY_PROCESSES, len(os.sched_getaffinity(0)))

    @property
    def limits_path(self) -> Path:
        """The counters of the work limit, shared by the web processes: beside the store."""
        return self.store.parent / "limits.sqlite"

    @property
    def users_path(self) -> Path:
        """The staff accounts file: `users`, or `users.toml` beside the store."""
        return self.users or self.store.parent / "users.toml"

    @property
    def search_index_path(self) -> Path:
        """Where the search index is: `search_index`, or `search.sqlite` beside the store."""
        return self.search_index or self.store.parent / "search.sqlite"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults overridden by whichever `MINAMI_KG_*` variables are set."""
        environ = os.environ if environ is None else environ
        changes: dict[str, Any] = {}  # each value of its field's type
        for f in fields(cls):
            value = environ.get(f.metadata["env"])
            if value:
                zero_ok = f.metadata.get("zero_ok", False)
                changes[f.name] = _parse(f.name, f.metadata["env"], f.type, value, zero_ok=zero_ok)
        return replace(cls(), **changes)

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with the given fields replaced; `None` values are ignored."""
        given = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **given)


class SettingsError(ValueError):
    """An environment variable whose value does not fit its setting."""


def _parse(name: str, env: str, kind: object, value: str, *, zero_ok: bool = False) -> object:
    """`value` as a field of type `kind`: its annotation, a string (as `from __future__` has it)."""
    if kind in ("Path", "Path | None"):
        return Path(value)
    if kind in ("int", "float", "int | None"):
        try:
            number = float(value) if kind == "float" else int(value)
        except ValueError:
            raise SettingsError(f"{env}={value!r}: {name} must be a number") from None
        if number < 0 or (number == 0 and not zero_ok):
            raise SettingsError(
                f"{env}={value!r}: {name} must be " + ("0 or more" if zero_ok else "positive")
            )
        return number
    return value


SETTINGS: tuple[tuple[str, str, str], ...] = tuple(
    (
        f.metadata["env"],
        "(unset)" if f.default is None else str(f.default).replace(str(PROJECT_ROOT) + "/", ""),
        f.metadata["help"],
    )
    for f in fields(Settings)
)
"""(environment variable, default, meaning) of every setting, for docs and `--help`."""
