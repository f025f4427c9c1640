"""Canned SPARQL queries: one `.rq` file per question in `queries/`.

A query file opens with a header of `# key: value` comment lines, then the
query (the header is a SPARQL comment, so the file runs as it is):

    # title: 課が担う取組と根拠                    (Japanese title)
    # title-en: The measures a section carries     (English title)
    # description: what it answers
    # param: section iri {base}id/minami/section/koseki — the section

A parameter has a name, a type (`iri`, `string`, `integer`) and an optional
default, in which `{base}` stands for the configured base IRI. Values are
bound as RDF terms in a trailing `VALUES` block built from pyoxigraph terms,
never pasted into the query text, so a value cannot change the query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode

from minami_kg.rdf.namespaces import XSD

_HEADER_LINE = re.compile(r"^#\s*([A-Za-z_-]+)\s*:\s*(.*)$")
_PARAM = re.compile(r"^([A-Za-z_]\w*)\s+(iri|string|integer)(?:\s+(\S+))?(?:\s+—\s+(.*))?$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class QueryParameterError(ValueError):
    """A parameter value that does not fit its declared type, or an unknown name."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str  # iri | string | integer
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
        """The query with its parameters bound (given values, else defaults)."""
        unknown = set(values) - {p.name for p in self.parameters}
        if unknown:
            raise QueryParameterError(f"unknown parameter {sorted(unknown)[0]!r}")
        bindings = []
        for parameter in self.parameters:
            value = values.get(parameter.name, parameter.default)
            if value is None:
                raise QueryParameterError(f"{parameter.name}: a value is needed")
            bindings.append((parameter.name, parameter.term(value, base)))
        if not bindings:
            return self.text
        names = " ".join(f"?{name}" for name, _ in bindings)
        terms = " ".join(str(term) for _, term in bindings)
        return f"{self.text.rstrip()}\nVALUES ({names}) {{ ({terms}) }}\n"


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
