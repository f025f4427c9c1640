"""Canned SPARQL queries: one `.rq` file per question in `queries/`.

A query file opens with a header of `# key: value` comment lines, then the
query (the header is a SPARQL comment, so the file runs as it is):

    # title: 課が担う取組と根拠                    (Japanese title)
    # title-en: The measures a section carries     (English title)
    # description: what it answers
    # param: section iri {base}id/minami/section/koseki — the section
    # param: fy year — the fiscal year; empty for every year

A parameter has a name, a type and an optional default, in which `{base}`
stands for the configured base IRI. The types: `iri`, `string`, `integer`,
`ward` (a ward's slug such as `minami`, bound as the ward's IRI
`{base}id/minami`, the plan's `dcterms:publisher`) and `year` (a fiscal year
such as `2022`, bound as the `xsd:gYear` literal of `mkg:fiscalYear`).

Values are bound as RDF terms in a `VALUES` block built from pyoxigraph
terms, never pasted into the query text, so a value cannot change the query.
The block goes first in the WHERE group, not after the query: a trailing
VALUES joins after GROUP BY, so it could not narrow what an aggregate counts.
A parameter without a default is optional: when no value is given, its
variable is left out of the block, unbound, and the query matches every
value (every ward, every year).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Variable

from minami_kg.rdf.iris import Iris
from minami_kg.rdf.namespaces import XSD
from minami_kg.store.query_text import bind

_HEADER_LINE = re.compile(r"^#\s*([A-Za-z_-]+)\s*:\s*(.*)$")
_PARAM = re.compile(
    r"^([A-Za-z_]\w*)\s+(iri|string|integer|ward|year)(?:\s+(?!—)(\S+))?(?:\s+—\s+(.*))?$"
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class QueryParameterError(ValueError):
    """A parameter value that does not fit its declared type, or an unknown name."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str  # iri | string | integer | ward | year
    default: str | None = None
    description: str = ""

    def term(self, value: str, base: str) -> NamedNode | Literal:
        """The value as an RDF term of the declared type."""
        value = value.replace("{base}", base)
        if self.type == "iri":
            if not re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", value, re.I):
                raise QueryParameterError(f"{self.name}: {value!r} is not an IRI")
            return NamedNode(value)
        if self.type == "integer":
            if not re.fullmatch(r"[+-]?\d+", value):
                raise QueryParameterError(f"{self.name}: {value!r} is not an integer")
            return Literal(value, datatype=XSD.integer)
        if self.type == "ward":
            if not _NAME.fullmatch(value):
                raise QueryParameterError(f"{self.name}: {value!r} is not a ward (e.g. minami)")
            return Iris(base).ward(value)
        if self.type == "year":
            if not re.fullmatch(r"\d{4}", value):
                raise QueryParameterError(f"{self.name}: {value!r} is not a year (e.g. 2022)")
            return Literal(value, datatype=XSD.gYear)
        return Literal(value)


@dataclass(frozen=True)
class CannedQuery:
    name: str  # file name without .rq
    text: str  # the whole file, header included
    header: dict[str, str] = field(default_factory=dict)
    parameters: tuple[Parameter, ...] = ()

    @property
    def title(self) -> str:
        return self.header.get("title", self.name)

    @property
    def title_en(self) -> str:
        return self.header.get("title-en", self.title)

    @property
    def description(self) -> str:
        return self.header.get("description", "")

    def bound(self, values: Mapping[str, str], base: str) -> str:
        """The query with its parameters bound (given values, else defaults; else unbound)."""
        unknown = set(values) - {p.name for p in self.parameters}
        if unknown:
            raise QueryParameterError(f"unknown parameter {sorted(unknown)[0]!r}")
        bindings: dict[Variable, NamedNode | Literal] = {}
        for parameter in self.parameters:
            value = (values.get(parameter.name) or "").strip() or parameter.default
            if value is not None:
                bindings[Variable(parameter.name)] = parameter.term(value, base)
        return bind(self.text, bindings)


def read_query(path: Path) -> CannedQuery:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    parameters: list[Parameter] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER_LINE.match(line)
        if not match:
            continue
        key, value = match.group(1).lower(), match.group(2).strip()
        if key == "param":
            param = _PARAM.match(value)
            if param is None:
                raise ValueError(f"{path}: cannot read parameter line {value!r}")
            name, kind, default, description = param.groups()
            parameters.append(Parameter(name, kind, default, description or ""))
        else:
            header[key] = value
    return CannedQuery(path.stem, text, header, tuple(parameters))


def canned_queries(folder: Path) -> list[CannedQuery]:
    return [read_query(p) for p in sorted(folder.glob("*.rq"))]


def find_query(folder: Path, name: str) -> CannedQuery | None:
    """The canned query called `name` (no path tricks: names are [a-z0-9-])."""
    name = name.removesuffix(".rq")
    if not _NAME.match(name):
        return None
    path = folder / f"{name}.rq"
    return read_query(path) if path.is_file() else None
