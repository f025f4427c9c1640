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

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE = "http://127.0.0.1:8000/"


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

    def __post_init__(self) -> None:
        if not self.base.endswith("/"):
            object.__setattr__(self, "base", self.base + "/")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults overridden by whichever `MINAMI_KG_*` variables are set."""
        environ = os.environ if environ is None else environ
        changes: dict[str, object] = {}
        for f in fields(cls):
            value = environ.get(f.metadata["env"])
            if value:
                changes[f.name] = value if f.type == "str" else Path(value)
        return replace(cls(), **changes)

    def with_changes(self, **changes: object) -> Settings:
        """A copy with the given fields replaced; `None` values are ignored."""
        given = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **given)


SETTINGS: tuple[tuple[str, str, str], ...] = tuple(
    (f.metadata["env"], str(f.default).replace(str(PROJECT_ROOT) + "/", ""), f.metadata["help"])
    for f in fields(Settings)
)
