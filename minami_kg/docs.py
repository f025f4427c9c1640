"""The parts of the guides that are written from the code and the data, so they cannot drift.

A guide is a Markdown file people edit, with regions between two HTML comments
that `minami-kg docs` rewrites in place:

    <!-- begin generated: settings -->          every setting of `config.Settings`
    <!-- begin generated: canned-queries -->    every `queries/*.rq`: its header, its
                                                SPARQL and the first rows it gives
    <!-- begin example: NAME -->                a worked query: the ```sparql block
                                                inside is kept, its result rewritten
    <!-- end generated: … --> / <!-- end example: NAME -->

Everything outside the regions is left as it is. `tests/test_docs.py` runs the
generator against the seed store and fails when a file differs from what it
writes, so a new setting, a new canned query or a change in the data shows up
as a failing test until `minami-kg docs` is run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import MISSING, dataclass, fields
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, QueryBoolean, QuerySolutions

from minami_kg.config import PROJECT_ROOT, Settings
from minami_kg.queries import CannedQuery, canned_queries
from minami_kg.rdf.namespaces import compact_iri
from minami_kg.store import GraphStore, Term

DOCS = PROJECT_ROOT / "docs"
GENERATED_FILES = (
    DOCS / "analysts.md",
    DOCS / "operators.md",
    PROJECT_ROOT / "README.md",
)
"""The files `minami-kg docs` rewrites (only their generated regions)."""

SAMPLE_ROWS = 5
CELL_WIDTH = 60

_REGION = re.compile(
    r"(?P<open><!-- begin (?P<kind>generated|example): (?P<name>[a-z0-9-]+) -->\n)"
    r"(?P<body>.*?)"
    r"(?P<close><!-- end (?P=kind): (?P=name) -->)",
    re.S,
)
_SPARQL_BLOCK = re.compile(r"```sparql\n(.*?)```", re.S)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


class DocsError(ValueError):
    """A guide whose generated regions cannot be written (unknown name, no query)."""


@dataclass(frozen=True)
class Table:
    """A result as the guides show it: column names, the first rows, and how many in all."""

    columns: list[str]
    rows: list[list[str]]
    total: int


# --- the settings ---------------------------------------------------------------------------


def settings_rows() -> list[tuple[str, str, str, str]]:
    """(name, environment variable, default, meaning) of every field of `Settings`."""
    rows = []
    for f in fields(Settings):
        default = None if f.default is MISSING else f.default
        shown = "(unset)" if default is None else str(default)
        shown = shown.replace(str(PROJECT_ROOT) + "/", "")
        rows.append((f.name, f.metadata["env"], shown, f.metadata["help"]))
    return rows


def settings_table() -> str:
    lines = [
        "| setting | environment variable | default | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for name, env, default, meaning in settings_rows():
        lines.append(f"| `{name}` | `{env}` | `{default}` | {_escape(meaning)} |")
    return "\n".join(lines) + "\n"


# --- query results --------------------------------------------------------------------------


def run_table(store: GraphStore, sparql: str, base: str, limit: int = SAMPLE_ROWS) -> Table:
    """The first `limit` rows of a SELECT (or the answer of an ASK) as display text."""
    result = store.query(sparql)
    if isinstance(result, QueryBoolean):
        return Table(["boolean"], [[str(bool(result)).lower()]], 1)
    if not isinstance(result, QuerySolutions):
        raise DocsError("a worked example must be a SELECT or an ASK query")
    variables = list(result.variables)
    rows = [[cell_text(row[v], base) for v in variables] for row in result]
    return Table([v.value for v in variables], rows[:limit], len(rows))


def cell_text(term: Term | None, base: str) -> str:
    """A short, stable form: the path after the base IRI, `prefix:name`, or the value."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        return compact_iri(term.value, base)
    if isinstance(term, BlankNode):
        return "_:b"  # blank node labels change between runs
    value = " ".join(term.value.split()) if isinstance(term, Literal) else str(term)
    return value if len(value) <= CELL_WIDTH else value[: CELL_WIDTH - 1] + "…"


def markdown_table(table: Table) -> str:
    if not table.rows:
        return "(no rows)\n"
    lines = [
        "| " + " | ".join(_escape(c) for c in table.columns) + " |",
        "|" + " --- |" * len(table.columns),
    ]
    lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in table.rows]
    count = "1 row" if table.total == 1 else f"{table.total} rows"
    shown = f"; the first {len(table.rows)} are shown" if table.total > len(table.rows) else ""
    return "\n".join(lines) + f"\n\n{count} on the seed{shown}.\n"


def _escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


# --- the canned queries ---------------------------------------------------------------------


def query_body(query: CannedQuery) -> str:
    """The query without its `# key: value` header."""
    lines = query.text.splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "\n".join(lines).strip() + "\n"


def canned_query_section(query: CannedQuery, store: GraphStore, base: str) -> str:
    parameters = "".join(
        f"- `{p.name}` ({p.type}"
        + (f", default `{p.default}`" if p.default else ", optional")
        + f"){' — ' + _escape(p.description) if p.description else ''}\n"
        for p in query.parameters
    )
    table = run_table(store, query.bound({}, base), base)
    return (
        f"### {_escape(query.title_en)} — {_escape(query.title)}\n\n"
        f"`{query.name}` · [page](/queries/{query.name}) · "
        f"[JSON](/queries/{query.name}.json) · `minami-kg query {query.name}`\n\n"
        f"{_escape(query.description)}\n\n"
        + (f"Parameters:\n\n{parameters}\n" if parameters else "No parameters.\n\n")
        + f"```sparql\n{query_body(query)}```\n\n"
        + "Result with the defaults:\n\n"
        + markdown_table(table)
    )


def canned_queries_region(settings: Settings, store: GraphStore) -> str:
    queries = canned_queries(settings.queries)
    index = "".join(f"- [`{q.name}`](#{anchor(q)}): {_escape(q.title_en)}\n" for q in queries)
    sections = "\n".join(canned_query_section(q, store, settings.base) for q in queries)
    return f"{index}\n{sections}"


def anchor(query: CannedQuery) -> str:
    """The anchor of a query's heading, as `heading_id` gives it (and GitHub, mostly)."""
    return heading_id(f"{query.title_en} — {query.title}")


def heading_id(text: str) -> str:
    """An HTML id from a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


# --- the regions ----------------------------------------------------------------------------


def render(text: str, settings: Settings, store: GraphStore) -> str:
    """`text` with every generated region and worked example written afresh."""
    generators: dict[str, Callable[[], str]] = {
        "settings": settings_table,
        "canned-queries": lambda: canned_queries_region(settings, store),
    }

    def rewrite(match: re.Match[str]) -> str:
        kind, name = match["kind"], match["name"]
        if kind == "example":
            body = _example(match["body"], name, store, settings.base)
        elif name in generators:
            body = generators[name]()
        else:
            raise DocsError(f"unknown generated region {name!r}")
        return f"{match['open']}{body}{match['close']}"

    return _REGION.sub(rewrite, text)


def _example(body: str, name: str, store: GraphStore, base: str) -> str:
    block = _SPARQL_BLOCK.search(body)
    if block is None:
        raise DocsError(f"example {name!r} has no ```sparql block")
    table = run_table(store, block.group(1), base, limit=10)
    return f"```sparql\n{block.group(1)}```\n\n{markdown_table(table)}"


_MARKER_LINE = re.compile(r"^<!-- (?:begin|end) (?:generated|example): [a-z0-9-]+ -->\n", re.M)


def without_markers(text: str) -> str:
    """The guide without the comments around its regions (for renderers that show them)."""
    return _MARKER_LINE.sub("", text)


def regions(text: str) -> Iterable[str]:
    """The names of the generated regions and examples in `text`."""
    return [m["name"] for m in _REGION.finditer(text)]


def generate(
    settings: Settings, store: GraphStore, files: Iterable[Path] = GENERATED_FILES
) -> dict[Path, str]:
    """Each file's text as `minami-kg docs` would write it."""
    return {path: render(path.read_text(encoding="utf-8"), settings, store) for path in files}


def stale(settings: Settings, store: GraphStore) -> list[Path]:
    """The files whose generated regions differ from what the generator writes now."""
    return [
        path
        for path, text in generate(settings, store).items()
        if path.read_text(encoding="utf-8") != text
    ]
