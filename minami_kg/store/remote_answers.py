"""Reading a SPARQL server's answers into pyoxigraph's types, deviations absorbed.

`RemoteStore` (minami_kg.store.remote) sends the requests; this module turns
the bytes that come back into what the embedded store would have given, and
says when an answer was cut. Each rule below is a deviation seen on a real
server (Virtuoso 7.2.5 on this machine; see docs/operators.md), tested in
tests/test_remote_engines.py on both engines:

* Virtuoso writes a stored `xsd:boolean` as `"1"`/`"0"` (`"true"`/`"false"`
  everywhere else, and in the embedded store). SELECT results are rewritten
  to the canonical lexical form before they are parsed, so `sorted_nquads` is
  byte for byte the embedded store's; CONSTRUCT results need nothing, as they
  pass through a pyoxigraph `Store`, which keeps booleans as values. (A
  boolean *computed* by a Virtuoso query, e.g. `(BOUND(?x) AS ?b)`, comes
  back as an `xsd:integer` 0/1 and cannot be told from a real integer: the
  app's queries project no such expression.)
* Virtuoso cuts every result at `ResultSetMaxRows` (10,000 by default) and
  answers 200. A SELECT that was cut carries `X-SPARQL-MaxRows: N` with
  exactly N rows; a CONSTRUCT that was cut carries nothing at all, so a
  Virtuoso answer of at least the cap's number of triples is taken as cut.
* Virtuoso's JSON uses `"typed-literal"` for typed literals; pyoxigraph's
  parser reads it as `"literal"`, so nothing is done here for it.
* Language tags come back lower-cased (`ja-jp`). pyoxigraph itself keeps every
  language tag lower-cased (`Literal("x", language="ja-JP")` is `"x"@ja-jp`,
  in the embedded store too), so the answers already match the embedded
  store; nothing can restore the original case through pyoxigraph's types.
"""

from __future__ import annotations

import json
import re
from email.message import Message

from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
)

from minami_kg.store.embedded import StoreError

XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
VIRTUOSO_DEFAULT_MAX_ROWS = 10_000
"""Virtuoso's `[SPARQL] ResultSetMaxRows` when its ini file does not set one."""

_BOOLEAN_WORDS = {"1": "true", "0": "false"}
_XML_BOOLEAN = re.compile(
    rb'(<literal datatype="' + re.escape(XSD_BOOLEAN.encode()) + rb'">)\s*([01])\s*(</literal>)'
)


def row_cap(headers: Message) -> int | None:
    """The row limit a server says it applied (Virtuoso's `X-SPARQL-MaxRows`), if any."""
    value = (headers.get("X-SPARQL-MaxRows") or "").strip()
    return int(value) if value.isdigit() else None


def is_virtuoso(headers: Message) -> bool:
    return (headers.get("Server") or "").startswith("Virtuoso/")


def canonical_booleans(body: bytes, content_type: str) -> bytes:
    """SPARQL JSON or XML results with `xsd:boolean` "1"/"0" written as "true"/"false".

    The rewrite is done only when a boolean literal is in the answer at all,
    so ordinary answers are not parsed twice.
    """
    if XSD_BOOLEAN.encode() not in body:
        return body
    if "xml" in content_type:
        return _XML_BOOLEAN.sub(
            lambda m: m[1] + _BOOLEAN_WORDS[m[2].decode()].encode() + m[3], body
        )
    try:
        document = json.loads(body)
    except ValueError:
        return body  # left for the parser to report
    for row in (document.get("results") or {}).get("bindings") or []:
        for term in row.values():
            if term.get("datatype") == XSD_BOOLEAN and term.get("value") in _BOOLEAN_WORDS:
                term["value"] = _BOOLEAN_WORDS[term["value"]]
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def read_results(
    body: bytes, content_type: str, where: str
) -> tuple[QuerySolutions | QueryBoolean, int]:
    """SELECT or ASK results and their number of rows, checked to parse to the end.

    Oxigraph's `--timeout-s` answers 200 and then cuts the body: a result that
    does not parse completely is the server's failure, not an empty answer.
    """
    fmt = QueryResultsFormat.from_media_type(content_type) or QueryResultsFormat.JSON
    body = canonical_booleans(body, content_type)
    rows = 0
    try:
        results = parse_query_results(body, format=fmt)
        if isinstance(results, QuerySolutions):
            for _ in results:
                rows += 1
    except (SyntaxError, ValueError) as err:
        raise StoreError(
            f"{where}: incomplete or unreadable answer ({one_line(err)}); it ends {tail(body)!r}"
        ) from None
    return parse_query_results(body, format=fmt), rows


def read_triples(body: bytes, content_type: str, where: str) -> list[Triple]:
    """CONSTRUCT or DESCRIBE results, parsed to the end."""
    fmt = RdfFormat.from_media_type(content_type)
    if fmt is None or fmt.supports_datasets:
        fmt = RdfFormat.N_TRIPLES  # e.g. `text/plain`, N-Triples' old media type
    try:
        return [
            Triple(quad.subject, quad.predicate, quad.object) for quad in parse(body, format=fmt)
        ]
    except (SyntaxError, ValueError) as err:
        raise StoreError(
            f"{where}: incomplete or unreadable answer ({one_line(err)}); it ends {tail(body)!r}"
        ) from None


# -- messages -----------------------------------------------------------------------


def one_line(value: object) -> str:
    return " ".join(str(value).split())[:300]


def tail(body: bytes) -> str:
    """The last words of an answer: where a server that gave up says why."""
    return one_line(body[-120:].decode("utf-8", errors="replace"))
