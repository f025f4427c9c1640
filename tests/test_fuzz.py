"""Fuzzing with hypothesis: whatever comes in, the parser and the web app answer cleanly.

* The parser: random text, random bytes and the seed document mutated line by
  line give a `Plan` or a `PlanError`, never another exception.
* The web app: random strings in every parameter of `/sparql`, `/api/search`,
  `/search`, `/id/…`, `/page/…`, `/data/…`, `/source/…`, `/queries/<name>`,
  `/matrix`, `/compare`, `/graph` and `/api/graph/…` never give a 5xx. The app
  runs with `PROPAGATE_EXCEPTIONS` off, so an exception shows as the 500 a
  user would get rather than as a test error.

Each test runs `EXAMPLES` examples (`MINAMI_KG_FUZZ_EXAMPLES`, default 100),
`PARSER_EXAMPLES` for the parser (three times as many: it is fast). No example
database is written (`database=None`), so every run draws afresh.
"""

from __future__ import annotations

import os
from dataclasses import replace
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minami_kg.build import BuildResult
from minami_kg.config import Settings
from minami_kg.extract import PlanError, decode, parse_plan
from minami_kg.extract.model import Plan
from minami_kg.queries import canned_queries
from minami_kg.server import create_app

from .conftest import SEED

EXAMPLES = int(os.environ.get("MINAMI_KG_FUZZ_EXAMPLES", "100"))
PARSER_EXAMPLES = 3 * EXAMPLES
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PARSER_FUZZ = settings(FUZZ, max_examples=PARSER_EXAMPLES)

SEED_LINES = SEED.read_text(encoding="utf-8").splitlines()

# Characters that mean something somewhere: the document's markers, HTML, SPARQL,
# URLs, FTS5, formulas, bidi and zero-width controls, surrogate-free odd Unicode.
SPECIAL = [
    *"●▶■◆①②③【】（）「」・：:；;\"'<>&{}[]()#?%/\\.*^$|=+-@_~`!,\t\r\n\x00\x0b\x0c",
    *("\u202e", "\u200b", "\u200f", "\ufeff", "\u0301", "\U0001f600", "..", "%2e%2e", "%00"),
]
odd_text = st.lists(
    st.one_of(st.characters(codec="utf-8", exclude_categories=("Cs",)), st.sampled_from(SPECIAL)),
    max_size=60,
).map("".join)
printable = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=80)
PARAM_VALUES = st.one_of(
    odd_text,
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "99999999999999999999",
            "1e309",
            "nan",
            "minami/2022",
            "minami/9999",
            "../../etc/passwd",
            "http://127.0.0.1:8000/id/minami/2022",
            "javascript:alert(1)",
            "<script>alert(1)</script>",
            '"} ; DROP ALL ; #',
            "a" * 5000,
        ]
    ),
)


# --- the parser -------------------------------------------------------------------------


def _parses_or_refuses(text: str) -> None:
    try:
        plan = parse_plan(text, filename="fuzz.txt")
    except PlanError as err:
        assert str(err), "a PlanError says what is wrong"
        return
    assert isinstance(plan, Plan)


@PARSER_FUZZ
@given(st.text(max_size=2000))
def test_random_text_parses_or_is_a_plan_error(text: str) -> None:
    _parses_or_refuses(text)


@PARSER_FUZZ
@given(st.binary(max_size=2000), st.sampled_from([None, "utf-8", "cp932", "utf-16"]))
def test_random_bytes_decode_to_text_or_a_plan_error(data: bytes, encoding: str | None) -> None:
    try:
        text = decode(data, encoding=encoding, filename="fuzz.txt")
    except PlanError:
        return
    assert isinstance(text, str)
    _parses_or_refuses(text)


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    """The seed document with lines deleted, repeated, moved, cut or written over."""
    lines = list(SEED_LINES)
    for _ in range(draw(st.integers(1, 12))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "repeat", "move", "cut", "insert", "marker"]))
        if action == "delete":
            del lines[at]
        elif action == "repeat":
            lines.insert(at, lines[at])
        elif action == "move":
            lines.insert(draw(st.integers(0, len(lines) - 1)), lines.pop(at))
        elif action == "cut":
            line = lines[at]
            lines[at] = line[: draw(st.integers(0, len(line)))]
        elif action == "insert":
            lines.insert(at, draw(odd_text))
        else:
            marker = draw(st.sampled_from(["●", "▶", "■", "◆", "①", "【", "1 ", "(1)", "　"]))
            lines[at] = marker + lines[at]
    if draw(st.booleans()):
        lines = lines[: draw(st.integers(0, len(lines)))]
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)


@PARSER_FUZZ
@given(mutated_seed())
def test_mutated_seed_parses_or_is_a_plan_error(text: str) -> None:
    _parses_or_refuses(text)


# --- the web app ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_app(seed_settings: Settings, seed_build: BuildResult) -> Flask:
    """The app over the seed, with exceptions turned into 500s as in production."""
    app = create_app(replace(seed_settings, sparql_timeout=5.0))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.testing = False
    return app


def _no_server_error(client: FlaskClient, path: str, **kwargs: object) -> None:
    answer = client.open(path, **kwargs)  # type: ignore[arg-type]
    assert answer.status_code < 500, (path, kwargs, answer.status_code, answer.data[:400])


QUERIES = [
    "SELECT ?s ?label WHERE { ?s skos:prefLabel ?label } LIMIT 5",
    "ASK { ?s a mkg:Measure }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s a mkg:Section ; ?p ?o } LIMIT 20",
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    'SELECT * WHERE { ?m skos:prefLabel ?l FILTER(CONTAINS(?l, "防災")) } ORDER BY ?l',
    "DESCRIBE <http://127.0.0.1:8000/id/minami/2022>",
]
PREFIXES = (
    "PREFIX mkg: <https://w3id.org/minami-kg/def#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
)


@st.composite
def mutated_query(draw: st.DrawFn) -> str:
    """A working query with characters deleted, replaced or inserted."""
    text = PREFIXES + draw(st.sampled_from(QUERIES))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        piece = draw(st.one_of(st.sampled_from(SPECIAL), st.text(max_size=4)))
        if draw(st.booleans()):
            text = text[:at] + piece + text[at + 1 :]
        else:
            text = text[:at] + piece + text[at:]
    return text


ACCEPT = st.one_of(
    printable,
    st.sampled_from(
        [
            "text/html",
            "*/*",
            "application/sparql-results+json",
            "text/csv;q=0.5, text/turtle;q=abc",
            "application/x-nonsense",
            ";;;,,,",
        ]
    ),
)


@FUZZ
@given(
    query=st.one_of(mutated_query(), odd_text),
    fmt=st.one_of(st.none(), PARAM_VALUES),
    default_graph=st.one_of(st.none(), PARAM_VALUES),
    named_graph=st.one_of(st.none(), PARAM_VALUES),
    accept=ACCEPT,
    method=st.sampled_from(["GET", "POST-form", "POST-direct"]),
)
def test_sparql_never_answers_5xx(
    fuzz_app: Flask,
    query: str,
    fmt: str | None,
    default_graph: str | None,
    named_graph: str | None,
    accept: str,
    method: str,
) -> None:
    params = {
        k: v
        for k, v in {
            "format": fmt,
            "default-graph-uri": default_graph,
            "named-graph-uri": named_graph,
        }.items()
        if v is not None
    }
    client = fuzz_app.test_client()
    headers = {"Accept": accept}
    if method == "GET":
        _no_server_error(
            client, "/sparql", query_string={"query": query, **params}, headers=headers
        )
    elif method == "POST-form":
        _no_server_error(
            client, "/sparql", method="POST", data={"query": query, **params}, headers=headers
        )
    else:
        _no_server_error(
            client,
            "/sparql",
            method="POST",
            query_string=params,
            data=query.encode("utf-8"),
            headers={**headers, "Content-Type": "application/sparql-query"},
        )


@FUZZ
@given(
    body=st.binary(max_size=300),
    content_type=st.one_of(
        printable,
        st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "application/sparql-query; charset=latin-1",
                "application/sparql-update",
                "multipart/form-data",
            ]
        ),
    ),
)
def test_sparql_posts_of_any_body_never_answer_5xx(
    fuzz_app: Flask, body: bytes, content_type: str
) -> None:
    client = fuzz_app.test_client()
    _no_server_error(
        client, "/sparql", method="POST", data=body, headers={"Content-Type": content_type}
    )


SEARCH_PARAMS = ("q", "type", "area", "section", "limit", "offset", "page", "format", "lang")


@FUZZ
@given(
    path=st.sampled_from(["/api/search", "/search"]),
    values=st.dictionaries(st.sampled_from(SEARCH_PARAMS), PARAM_VALUES, max_size=5),
)
def test_search_never_answers_5xx(fuzz_app: Flask, path: str, values: dict[str, str]) -> None:
    _no_server_error(fuzz_app.test_client(), path, query_string=values)


RESOURCE_PATHS = st.one_of(
    odd_text,
    st.sampled_from(
        [
            "minami/2022",
            "minami/2022/measure/gensai-01",
            "minami/section/somu",
            "../../../etc/passwd",
            "minami/2022/../../..",
            "%2e%2e/%2e%2e/etc/passwd",
            "minami/2022.json",
            "minami/2022.ttl",
            "",
        ]
    ),
)


@FUZZ
@given(
    prefix=st.sampled_from(["/id/", "/page/", "/data/", "/graph/", "/source/"]),
    path=RESOURCE_PATHS,
    values=st.dictionaries(st.sampled_from(["format", "page", "hl", "lang"]), PARAM_VALUES),
    accept=ACCEPT,
)
def test_linked_data_never_answers_5xx(
    fuzz_app: Flask, prefix: str, path: str, values: dict[str, str], accept: str
) -> None:
    _no_server_error(
        fuzz_app.test_client(),
        prefix + quote(path, safe="/"),
        query_string=values,
        headers={"Accept": accept},
    )


@pytest.fixture(scope="module")
def canned_parameters(seed_settings: Settings) -> dict[str, list[str]]:
    return {q.name: [p.name for p in q.parameters] for q in canned_queries(seed_settings.queries)}


@FUZZ
@given(
    data=st.data(),
    suffix=st.sampled_from(["", ".json", ".csv", ".xlsx", ".rq"]),
    extra=st.dictionaries(st.sampled_from(["format", "lang", "x"]), PARAM_VALUES, max_size=2),
)
def test_canned_query_parameters_never_answer_5xx(
    fuzz_app: Flask,
    canned_parameters: dict[str, list[str]],
    data: st.DataObject,
    suffix: str,
    extra: dict[str, str],
) -> None:
    name = data.draw(st.sampled_from([*sorted(canned_parameters), "no-such-query"]))
    names = canned_parameters.get(name) or ["x"]
    values = data.draw(st.dictionaries(st.sampled_from(names), PARAM_VALUES, max_size=3))
    _no_server_error(
        fuzz_app.test_client(), f"/queries/{name}{suffix}", query_string={**values, **extra}
    )


UI_PARAMS = {
    "/matrix": ["plan", "area", "section", "show", "min_score", "sort_sections", "sort_measures"],
    "/matrix.csv": ["plan", "area", "section", "show", "min_score"],
    "/matrix.xlsx": ["plan", "area", "show", "min_score"],
    "/matrix/cell": ["plan", "section", "measure"],
    "/compare": ["a", "b", "plan"],
    "/graph": ["focus", "plan", "view"],
    "/api/graph/node": ["iri", "limit", "plan"],
    "/api/graph/sections": ["plan"],
    "/": ["plan"],
    "/sections": ["plan"],
    "/plans": [],
    "/dataset": ["part"],
}


@FUZZ
@given(data=st.data(), path=st.sampled_from(sorted(UI_PARAMS)))
def test_ui_parameters_never_answer_5xx(fuzz_app: Flask, data: st.DataObject, path: str) -> None:
    names = [*UI_PARAMS[path], "format", "lang"]
    values = data.draw(st.dictionaries(st.sampled_from(names), PARAM_VALUES, max_size=4))
    _no_server_error(fuzz_app.test_client(), path, query_string=values)


@FUZZ
@given(
    segments=st.lists(st.one_of(printable, st.sampled_from(["..", "2022", "minami"])), max_size=4)
)
def test_section_and_diff_paths_never_answer_5xx(fuzz_app: Flask, segments: list[str]) -> None:
    client = fuzz_app.test_client()
    tail = "/".join(quote(s, safe="") for s in segments)
    _no_server_error(client, f"/sections/{tail}")
    _no_server_error(client, f"/diff/{tail}")
