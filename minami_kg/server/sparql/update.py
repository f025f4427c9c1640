"""SPARQL 1.1 Update through /sparql (Protocol §2.2), for whoever holds the update token.

* Allowed only with `Authorization: Bearer <MINAMI_KG_UPDATE_TOKEN>`
  (`protocol.check_token`): 403 when no token is set, 401 without one.
* On the embedded store only: a remote server (`MINAMI_KG_ENDPOINT`) has its
  own update endpoint and its own authorisation, so 501 here.
* LOAD is refused before the text reaches pyoxigraph (`checks`);
  `using-graph-uri` / `using-named-graph-uri` become USING / USING NAMED.
* The store applies the update to a copy and swaps it in, with a fresh build
  identifier in the same change (`minami_kg.store.build_id`): every app
  instance over the store sees the identifier change and follows (`follower`),
  and the search index and HTTP caches with it.
"""

from __future__ import annotations

from flask import Response, request

from minami_kg.server.http import HttpError
from minami_kg.server.sparql.checks import refuse_remote_access, with_protocol_dataset
from minami_kg.server.sparql.protocol import Operation, check_token
from minami_kg.server.state import get_settings, get_store
from minami_kg.store import EmbeddedStore
from minami_kg.store.build_id import random_build_id, stamp_update


def run_update(operation: Operation, base_iri: str) -> Response:
    """Apply the update of `operation`, relative IRIs resolved against `base_iri`."""
    settings = get_settings()
    check_token(request, settings.update_token)
    store = get_store()
    if not isinstance(store, EmbeddedStore):
        raise HttpError(501, "Updates through /sparql need the embedded store.")
    refuse_remote_access(operation.text, update=True)
    text = with_protocol_dataset(
        operation.text,
        operation.params.getlist("using-graph-uri"),
        operation.params.getlist("using-named-graph-uri"),
    )
    stamp = stamp_update(settings.base, random_build_id())
    try:
        store.update(text, base_iri=base_iri, then=(stamp,))
    except SyntaxError as err:
        raise HttpError(400, f"Update syntax error: {err}") from None
    return Response("Update applied.\n", mimetype="text/plain")
