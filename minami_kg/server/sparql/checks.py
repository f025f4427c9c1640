"""Reading SPARQL text just far enough to refuse what must never reach the store.

pyoxigraph follows `SERVICE <url>` in a query and `LOAD <url>` in an update
to any address, from the server's network position. A public endpoint must
refuse both before the text reaches pyoxigraph, so this module finds the
keywords the way a SPARQL parser would (SPARQL 1.1 Query §19, grammar):

* the text is read twice: as written, and with the codepoint escapes `\\uXXXX`
  and `\\UXXXXXXXX` undone, because the grammar applies them anywhere in the
  text (§19.2: `\\u0053ERVICE` is SERVICE) while pyoxigraph 0.5 undoes them only
  inside strings and IRIs. Either reading may hide a keyword the other shows
  (`"\\u0022" SERVICE …` is a string then code, or one long string), so a
  keyword found in either is refused;
* comments, string literals (all four quotings), IRIs and language tags are
  skipped, so `"SERVICE"`, `<http://x/SERVICE>` and `# SERVICE` are harmless;
* a keyword is a whole word: `ex:service`, `service:x`, `?service` and
  `_:service` are names, not keywords.

The same tokens let `with_protocol_dataset` add the `using-graph-uri` and
`using-named-graph-uri` of SPARQL 1.1 Protocol §2.2.3 to an update as `USING`
clauses, since pyoxigraph's `Store.update` takes no dataset argument.
"""

from __future__ import annotations

from minami_kg.store.sparql_lexer import IRI, Token, tokens, unescape_codepoints


class UnsafeQuery(ValueError):
    """The text asks the store to reach out to another address (SERVICE, LOAD)."""


class DatasetError(ValueError):
    """Protocol `using-*` parameters that cannot apply: the update names its own
    dataset (USING, WITH), uses DELETE WHERE, or a value is not an IRI."""


def refuse_remote_access(text: str, *, update: bool = False) -> None:
    """Raise `UnsafeQuery` when the text uses SERVICE (or, in an update, LOAD).

    Tokenising costs about 0.3 ms for a typical query, so it is skipped when the
    word appears nowhere in the text, not even inside an IRI or a string: then no
    token can be the keyword (`is_keyword` compares the upper case too). A text
    without escapes has one reading, read once.
    """
    forbidden = ("SERVICE", "LOAD") if update else ("SERVICE",)
    unescaped = unescape_codepoints(text)
    readings = (text,) if unescaped == text else (text, unescaped)
    for reading in readings:
        shouted = reading.upper()
        if not any(name in shouted for name in forbidden):
            continue
        keyword = next((t for t in tokens(reading) if t.is_keyword(*forbidden)), None)
        if keyword is not None:
            name = keyword.text.rstrip(".").upper()
            raise UnsafeQuery(
                f"{name} is not allowed on this endpoint: it would make the server "
                "fetch data from another address. Query the data held here instead."
            )


def with_protocol_dataset(update: str, using: list[str], using_named: list[str]) -> str:
    """The update with `USING <g>` / `USING NAMED <g>` before each operation's WHERE.

    SPARQL 1.1 Protocol §2.2.3: the parameters give the dataset of every
    DELETE/INSERT … WHERE operation, and a request that also names a dataset in
    the text (USING or WITH) is refused (`DatasetError`, answered with 400).
    DELETE WHERE has no place for USING in the grammar, so it is refused too.
    """
    if not using and not using_named:
        return update
    text = update
    clause = " ".join(
        [f"USING <{_iri(g)}>" for g in using] + [f"USING NAMED <{_iri(g)}>" for g in using_named]
    )
    inserts: list[int] = []
    depth = 0
    operation: list[Token] = []
    for token in [*tokens(text), Token("punct", ";", len(text))]:
        if depth == 0 and token.kind == "punct" and token.text == ";":
            where = _where_of_modify(operation)
            if where is not None:
                inserts.append(where)
            operation = []
        elif depth == 0:
            operation.append(token)  # the top level, and each opening brace
        if token.kind == "punct" and token.text in "{}":
            depth += 1 if token.text == "{" else -1
    for position in reversed(inserts):
        text = f"{text[:position]}{clause} {text[position:]}"
    return text


def _where_of_modify(operation: list[Token]) -> int | None:
    """Where USING goes in a DELETE/INSERT … WHERE operation (its top-level tokens)."""
    for token in operation:
        if token.is_keyword("WITH", "USING"):
            raise DatasetError(
                "using-graph-uri / using-named-graph-uri cannot be combined with "
                "USING or WITH in the update (SPARQL 1.1 Protocol §2.2.3)"
            )
    verb = next((i for i, t in enumerate(operation) if t.is_keyword("INSERT", "DELETE")), None)
    if verb is None:
        return None
    following = operation[verb + 1] if verb + 1 < len(operation) else None
    if following is not None and following.is_keyword("DATA"):
        return None
    if following is not None and following.is_keyword("WHERE"):
        raise DatasetError(
            "using-graph-uri / using-named-graph-uri cannot apply to DELETE WHERE; "
            "write DELETE { … } WHERE { … } instead"
        )
    for token in operation[verb + 1 :]:
        if token.is_keyword("WHERE"):
            return token.start
    return None


def _iri(value: str) -> str:
    if not IRI.fullmatch(f"<{value}>"):
        raise DatasetError(f"not an IRI: {value!r}")
    return value
