"""Search: `/search` (HTML, with its JSON twin) and `/api/search` (JSON).

Both read this instance's index file (`search_index`; by default the one the
build wrote beside the store, `minami_kg.search`), never the store itself.
The app's follower (`follower`) rebuilds it in the background when the store
was rebuilt or updated; the old file answers until the new one is renamed
over it. So answers carry validators of the index file, not of the store.
Filters name a type (`measure`) or a focus area or section, by IRI or by the
path after `id/` (`minami/2022/area/kodomo`). While there is no index yet
(a new instance), the answer is 503 with Retry-After, saying it is being
built; a query that is empty or too long answers 400.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from minami_kg.publish import StoreVersion
from minami_kg.readmodels.urls import Urls, page_url
from minami_kg.search import (
    MAX_QUERY_CHARS,
    FacetValue,
    Filters,
    Hit,
    IndexMissing,
    QueryError,
    SearchIndex,
    SearchResult,
    clean_query,
)
from minami_kg.search import (
    search as run_search,
)
from minami_kg.search.corpus import TYPE_NAMES
from minami_kg.server.follower import get_follower
from minami_kg.server.http import HttpError, use_version, wants_json
from minami_kg.server.http import page as html_page
from minami_kg.server.i18n import t
from minami_kg.server.state import get_settings

search = Blueprint("search", __name__)

INDEX_KEY = "minami_kg.search"
PAGE_SIZE = 20
MAX_LIMIT = 100


def _index() -> SearchIndex:
    """The index file's reader, opened on first use and kept with the app."""
    index = current_app.extensions.get(INDEX_KEY)
    if index is None:
        index = SearchIndex(get_settings().search_index_path)
        current_app.extensions[INDEX_KEY] = index
    return index


RETRY_SECONDS = 5


def _index_version() -> StoreVersion | None:
    """The index file's identity (inode and modification time), taken before it is read.

    Taken first, a swap during the search gives an answer newer than its tag,
    which the next revalidation replaces; never an old answer under a new tag.
    """
    try:
        info = os.stat(get_settings().search_index_path)
    except OSError:
        return None
    modified = datetime.fromtimestamp(int(info.st_mtime), tz=UTC)
    return StoreVersion(tag=f"index-{info.st_ino}-{info.st_mtime_ns}", modified=modified)


def _being_built(err: IndexMissing) -> tuple[str, dict[str, str]]:
    """Why there is no answer yet, and when to ask again: the follower is building the index."""
    follower = get_follower()
    follower.kick()  # unless it is already at it
    message = (
        "The search index of this instance is being built from the store; "
        f"try again in a few seconds ({err}; `minami-kg index` writes it at once)."
    )
    if follower.error:
        message += f" The last attempt failed: {follower.error}"
    return message, {"Retry-After": str(RETRY_SECONDS)}


def _urls() -> Urls:
    return Urls(get_settings().base)


def _filter_value(name: str) -> str | None:
    """A filter as stored in the index: an IRI (a bare `id/` path is completed)."""
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    if name == "type" or value.startswith(("http://", "https://")):
        return value
    return _urls().iri(value.lstrip("/"))


def _short(iri: str) -> str:
    return iri.removeprefix(_urls().id_base)


def _number(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise QueryError(f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def _filters() -> Filters:
    return Filters(
        type=_filter_value("type"), area=_filter_value("area"), section=_filter_value("section")
    )


def _run(query: str, *, limit: int, offset: int) -> SearchResult:
    use_version(_index_version())
    return run_search(_index(), query, filters=_filters(), limit=limit, offset=offset)


def _hit_json(hit: Hit) -> dict[str, object]:
    return {
        "iri": hit.iri,
        "label": t(hit.label_ja, hit.label_en),
        "type": hit.type,
        "snippet": str(hit.snippet),
        "score": hit.score,
        "label_ja": hit.label_ja,
        "label_en": hit.label_en or None,
        "type_label": t(*TYPE_NAMES.get(hit.type, TYPE_NAMES["other"])),
        "href": page_url(_short(hit.iri)),
    }


def _facet_json(value: FacetValue) -> dict[str, object]:
    return {
        "value": value.value,
        "label": t(value.label_ja, value.label_en),
        "count": value.count,
        "selected": value.selected,
    }


def _result_json(result: SearchResult, limit: int, offset: int) -> dict[str, object]:
    return {
        "query": result.query,
        "total": result.total,
        "limit": limit,
        "offset": offset,
        "relaxed": result.relaxed,
        "results": [_hit_json(h) for h in result.hits],
        "facets": {
            kind: [_facet_json(v) for v in values] for kind, values in result.facets.items()
        },
    }


@search.get("/api/search")
def api() -> ResponseReturnValue:
    """`{"results": [{"iri", "label", "type", "snippet", "score"}, …], "total", "facets"}`."""
    try:
        query = clean_query(request.args.get("q"))
        limit = _number("limit", PAGE_SIZE, 1, MAX_LIMIT)
        offset = _number("offset", 0, 0, 100_000)
        result = _run(query, limit=limit, offset=offset)
    except QueryError as err:
        raise HttpError(400, str(err)) from None
    except IndexMissing as err:
        raise HttpError(503, *_being_built(err)) from None
    return jsonify(_result_json(result, limit, offset))


@search.get("/search")
def page() -> ResponseReturnValue:
    """The search page: a form, the hits with snippets, facets as links; works without JS."""
    if wants_json():
        return api()
    raw = request.args.get("q") or ""
    context: dict[str, object] = {"q": raw, "search_text": raw, "max_chars": MAX_QUERY_CHARS}
    if not raw.strip():
        return _page(context, 200)
    try:
        query = clean_query(raw)
        number = _number("page", 1, 1, 10_000)
        result = _run(query, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    except QueryError as err:
        return _page({**context, "error": str(err)}, 400)
    except IndexMissing as err:
        message, headers = _being_built(err)
        response = _page({**context, "error": message, "missing": True}, 503)
        response.headers.update(headers)
        return response
    context.update(
        result=result,
        number=number,
        page_size=PAGE_SIZE,
        pages=max(1, -(-result.total // PAGE_SIZE)),
        filters=_filters(),
        link=_link,
        href=lambda iri: page_url(_short(iri)),
        type_name=lambda key: t(*TYPE_NAMES.get(key, TYPE_NAMES["other"])),
        short=_short,
    )
    return _page(context, 200)


def _link(**changes: str | int | None) -> str:
    """This search's URL with some parameters changed (None removes one); page resets."""
    params = {k: v for k, v in request.args.items() if k in ("q", "type", "area", "section")}
    params.update({k: str(v) for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        params.pop(key, None)
    return "/search?" + urlencode(params)


def _page(context: dict[str, object], status: int) -> Response:
    """The search page (with the message of a query that could not run)."""
    response = html_page("search.html", None, **context)
    response.status_code = status
    return response
