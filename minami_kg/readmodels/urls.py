"""Every address the site hands out for a thing, minted in one place.

A thing's IRI is `{base}id/{key}`; its page is `/page/{key}` (and the JSON
twin `/page/{key}.json`), its data `/data/{key}.{ext}`. A plan's key is
`<ward>/<fiscal year>`, a section's `<ward>/section/<slug>`. Nothing here
knows about Flask, so read models and views share it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from minami_kg.rdf.iris import Iris

PLAN_KEY = re.compile(r"([a-z0-9-]+)/(\d{4})")
"""A plan's key: `minami/2022`. Group 1 is the ward, group 2 the fiscal year."""

SECTION_KEY = re.compile(r"([a-z0-9-]+)/section/([a-z0-9-]+)")
"""A section's key: `minami/section/somu`. Group 1 is the ward, group 2 the slug."""


@dataclass(frozen=True)
class Urls:
    base: str  # the IRI base, ending with "/"

    @property
    def id_base(self) -> str:
        return Iris(self.base).id_base

    def iri(self, key: str) -> str:
        return self.id_base + key

    def key(self, iri: str) -> str | None:
        """The key of an IRI under `{base}id/` (its fragment dropped), None for any other."""
        if not iri.startswith(self.id_base):
            return None
        return iri[len(self.id_base) :].split("#")[0]


def page_url(key: str, fmt: str = "html") -> str:
    """The page of a thing, or its JSON twin (`fmt="json"`)."""
    return f"/page/{key}.json" if fmt == "json" else f"/page/{key}"


def data_url(key: str, ext: str) -> str:
    """A thing's description as RDF: `ext` is ttl, jsonld, nt or rdf."""
    return f"/data/{key}.{ext}"


def plan_table_url(ward: str, fiscal_year: int | str, table: str, ext: str = "csv") -> str:
    """One of a plan's open-data tables (measures, sections, links) as CSV or its JSON twin."""
    return f"/plans/{ward}/{fiscal_year}/{table}.{ext}"


def plan_key(ward: str, fiscal_year: int | str) -> str:
    return f"{ward}/{fiscal_year}"


SPARQL_PATH = "/sparql"
"""The SPARQL endpoint: its errors are text for SPARQL clients, whatever they accept."""
