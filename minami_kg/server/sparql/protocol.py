"""What a /sparql request asks for, read by the rules of SPARQL 1.1 Protocol §2.1–§2.2.

A query or an update comes by GET `?query=`, by a POSTed form (`query=` or
`update=`), or as the body of a POST typed `application/sparql-query` or
`application/sparql-update`; the dataset parameters may come with it
(§2.1.4, §2.2.3). Anything else is refused with the status the protocol
implies and a message saying what to send instead.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from flask import Request
from pyoxigraph import NamedNode
from werkzeug.datastructures import MultiDict

from minami_kg.server.http import HttpError

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


@dataclass
class Operation:
    """What the request asks for: a query, an update, or neither (a plain GET)."""

    kind: str | None  # "query" | "update" | None
    text: str = ""
    params: MultiDict[str, str] = field(default_factory=MultiDict)


def read_operation(request: Request, *, max_body: int, max_chars: int) -> Operation:
    """The query or update of the request (§2.1.1–§2.2.2), or an HttpError saying why not."""
    operation = _read(request, max_body)
    if len(operation.text) > max_chars:
        raise HttpError(413, f"The {operation.kind} is longer than {max_chars} characters.")
    return operation


def _read(request: Request, max_body: int) -> Operation:
    if request.method in ("GET", "HEAD"):
        if "update" in request.args:
            raise HttpError(400, "An update must be sent with POST (SPARQL 1.1 Protocol §2.2).")
        return _from_params(request.args)
    content_type = request.mimetype
    body = _body(request, max_body)
    if content_type == FORM:
        params = MultiDict(request.args)
        params.update(MultiDict(parse_qsl(_utf8(body), keep_blank_values=True)))
        operation = _from_params(params)
        if operation.kind is None:
            raise HttpError(400, "The form has neither a `query` nor an `update` field.")
        return operation
    if content_type in (QUERY_TYPE, UPDATE_TYPE):
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise HttpError(400, f"The body must be UTF-8, not {charset}.")
        kind = "query" if content_type == QUERY_TYPE else "update"
        if "query" in request.args or "update" in request.args:
            raise HttpError(400, f"Send the {kind} once: in the body, not also in the URL.")
        return Operation(kind, _utf8(body), request.args)
    raise HttpError(
        415,
        f"POST needs Content-Type {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}"
        + (f", not {content_type}." if content_type else "."),
    )


def _from_params(params: MultiDict[str, str]) -> Operation:
    queries, updates = params.getlist("query"), params.getlist("update")
    if len(queries) + len(updates) > 1:
        raise HttpError(400, "Give exactly one `query` or one `update`, not several.")
    if queries:
        return Operation("query", queries[0], params)
    if updates:
        return Operation("update", updates[0], params)
    return Operation(None, "", params)


def _body(request: Request, max_body: int) -> bytes:
    too_large = HttpError(413, f"The request body is larger than {max_body} bytes.")
    if request.content_length is not None and request.content_length > max_body:
        raise too_large
    body = request.stream.read(max_body + 1)  # a chunked body: the stream undoes the chunks
    if len(body) > max_body:
        raise too_large
    return body


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise HttpError(400, f"The body is not valid UTF-8: {err}") from None


def graph_iris(params: MultiDict[str, str], name: str) -> list[str]:
    """The values of a dataset parameter, each an absolute IRI (Protocol §2.1.4), or 400."""
    values = params.getlist(name)
    for value in values:
        try:
            NamedNode(value)
        except ValueError as err:
            raise HttpError(400, f"{name}={value[:200]!r} is not an absolute IRI: {err}") from None
    return values


def check_token(request: Request, token: str | None) -> None:
    """Protocol §2.2 leaves authorisation to the service: here a bearer token (RFC 6750)."""
    if not token:
        raise HttpError(403, "Updates are disabled on this endpoint.")
    given = request.headers.get("Authorization", "")
    if not given:
        raise HttpError(
            401,
            "Updates need Authorization: Bearer <token>.",
            {"WWW-Authenticate": 'Bearer realm="minami-kg sparql"'},
        )
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip(), token):
        raise HttpError(403, "The update token is not valid.")
