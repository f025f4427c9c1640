"""Query text for a remote server: the query's form and WHERE group, and bound terms.

`RemoteStore` (minami_kg.store.remote) cannot hand pyoxigraph's
substitutions to a server, so it finds the WHERE group with a quick scan of
the query's top level and places a VALUES block first in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, Variable

from minami_kg.store.base import Term
from minami_kg.store.sparql_lexer import tokens


@dataclass(frozen=True)
class QueryShape:
    """What a quick scan of a query's top level finds (positions index the text)."""

    form: str | None  # SELECT, CONSTRUCT, DESCRIBE, ASK; None when not found
    declares_dataset: bool  # a FROM or FROM NAMED clause
    where_open: int | None  # the "{" of the WHERE group
    where_close: int | None  # its matching "}"
    sub_select: bool  # the WHERE group is a sub-SELECT


_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


def query_shape(query: str) -> QueryShape:
    """Find the query form, a dataset clause and the WHERE group, outside strings and IRIs."""
    form: str | None = None
    declares_dataset = False
    where_open = where_close = None
    sub_select = False
    template_next = False  # CONSTRUCT's template is the first group unless WHERE comes first
    braces = parens = 0
    previous_was_open = form_group_only = False
    for token in tokens(query):
        text, start = token.text, token.start
        word = text.rstrip(".").upper() if token.kind == "word" and ":" not in text else None
        if previous_was_open:
            sub_select = word == "SELECT"
            previous_was_open = False
        top = braces == 0 and parens == 0
        if top and word in _FORMS and form is None:
            form = word
            template_next = word == "CONSTRUCT"
        elif top and word == "FROM" and form:
            declares_dataset = True
        elif top and word == "WHERE":
            if template_next:  # CONSTRUCT WHERE { template }: no room for VALUES inside
                form_group_only = True
            template_next = False
        if token.kind != "punct":
            continue
        if text == "(":
            parens += 1
        elif text == ")":
            parens = max(parens - 1, 0)
        elif text == "{":
            if top and form and where_open is None:
                if template_next:
                    template_next = False
                else:
                    where_open = start
                    previous_was_open = True
            braces += 1
        elif text == "}":
            braces = max(braces - 1, 0)
            if braces == 0 and where_open is not None and where_close is None:
                where_close = start
    if form_group_only:
        where_open = where_close = None
    return QueryShape(form, declares_dataset, where_open, where_close, sub_select)


def values_block(substitutions: Mapping[Variable, Term]) -> str:
    """`VALUES (?a ?b) { (t1 t2) }` from pyoxigraph terms, whose `str()` is SPARQL syntax."""
    names, terms = [], []
    for variable, term in substitutions.items():
        if not isinstance(variable, Variable):
            raise ValueError(f"substitution keys must be Variables, not {variable!r}")
        if not isinstance(term, NamedNode | Literal):
            raise ValueError(f"{variable}: only IRIs and literals can be bound, not {term!r}")
        names.append(str(variable))
        terms.append(str(term))
    return f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"


def bind(
    query: str, substitutions: Mapping[Variable, Term], shape: QueryShape | None = None
) -> str:
    """The query with `substitutions` pre-bound by a VALUES block first in its WHERE group.

    A WHERE group that is a sub-SELECT is wrapped in a group after the block;
    a query without a WHERE group (`DESCRIBE <x>`) or whose group is its
    template (`CONSTRUCT WHERE { … }`) gets a trailing VALUES clause.
    """
    if not substitutions:
        return query
    shape = shape or query_shape(query)
    values = values_block(substitutions)
    if shape.where_open is None or shape.where_close is None:
        return f"{query.rstrip()}\n{values}\n"
    inside = shape.where_open + 1
    if shape.sub_select:
        end = shape.where_close
        return f"{query[:inside]}\n  {values}\n  {{{query[inside:end]}}}{query[end:]}"
    return f"{query[:inside]}\n  {values}{query[inside:]}"
