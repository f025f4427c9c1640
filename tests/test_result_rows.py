"""`max_rows` on /sparql: solutions are cut at the limit, in every format.

Every cut answer must be exactly the first `max_rows` solutions, in every
format, whatever the literals hold, and a whole answer must be byte for byte
what pyoxigraph writes without a limit. The oracle is pyoxigraph itself:
the full result, parsed back.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import (
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    QuerySolutions,
    Store,
    parse_query_results,
)

from minami_kg.results.formats import parse_accept
from minami_kg.results.write import Answer, Job, execute

FORMATS = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "tsv": QueryResultsFormat.TSV,
    "csv": QueryResultsFormat.CSV,
}
# Bytes that look like the places where a format starts a solution.
TRICKY = ['"', ",", "{", "}", "[", "]", "<", ">", "\n", "\t", "\\", ":", "result", "{}", "a", "語"]
EVERYTHING = "SELECT ?s ?o ?none WHERE { ?s ?p ?o } ORDER BY ?s"
NOTHING_BOUND = "SELECT ?none WHERE { ?s ?p ?o }"


def store_with(texts: list[str]) -> Store:
    store = Store()
    for i, text in enumerate(texts):
        store.add(
            Quad(NamedNode(f"http://example.org/s{i:05d}"), NamedNode("http://p"), Literal(text))
        )
    return store


def answer(store: Store, query: str, fmt: str, max_rows: int) -> Answer:
    job = Job(query, accept=parse_accept("*/*"), format_names=(fmt,), max_rows=max_rows)
    reply = execute(store, job)
    assert isinstance(reply, Answer), reply
    return reply


def rows(body: bytes, fmt: str) -> list[tuple[str | None, ...]]:
    if fmt == "csv":  # lossy, so pyoxigraph does not read it back: Python's reader does
        return [tuple(row) for row in csv.reader(io.StringIO(body.decode(), newline=""))][1:]
    solutions = parse_query_results(body, format=FORMATS[fmt])
    assert isinstance(solutions, QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [tuple(str(s[n]) if s[n] is not None else None for n in names) for s in solutions]


def check(store: Store, query: str, fmt: str, max_rows: int) -> None:
    full = store.query(query)
    assert isinstance(full, QuerySolutions)
    whole = full.serialize(format=FORMATS[fmt])
    expected = rows(whole, fmt)
    got = answer(store, query, fmt, max_rows)
    assert rows(got.body, fmt) == expected[:max_rows]
    assert got.truncated == (len(expected) > max_rows)
    if not got.truncated:
        assert got.body == whole


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("max_rows", [1, 2, 499, 500, 501, 2_999, 3_000, 10_000])
def test_a_cut_keeps_exactly_the_first_rows(fmt: str, max_rows: int) -> None:
    """3,000 solutions make pyoxigraph write in many pieces, so rows fall between them."""
    texts = [TRICKY[i % len(TRICKY)] * (i % 7 + 1) + f" {i}" for i in range(3_000)]
    check(store_with(texts), EVERYTHING, fmt, max_rows)


@pytest.mark.parametrize("fmt", FORMATS)
def test_solutions_without_bindings_are_counted_too(fmt: str) -> None:
    """Solutions that bind nothing are still solutions, each counted."""
    store = store_with([f"x{i}" for i in range(300)])
    check(store, NOTHING_BOUND, fmt, 10)
    check(store, NOTHING_BOUND, fmt, 300)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(
        st.lists(st.sampled_from(TRICKY), min_size=0, max_size=6).map("".join),
        min_size=0,
        max_size=40,
    ),
    fmt=st.sampled_from(sorted(FORMATS)),
    max_rows=st.integers(min_value=1, max_value=45),
)
def test_any_literals_any_limit(texts: list[str], fmt: str, max_rows: int) -> None:
    check(store_with(texts), EVERYTHING, fmt, max_rows)
