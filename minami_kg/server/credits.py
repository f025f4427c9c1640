"""The current app's attribution (`minami_kg.publish.attribution`), for every face that shows it.

The footer of every page, `/dataset`, the xlsx and CSV downloads all ask
`current_attribution()`. The sources are read from the store once per store
version (a rebuild changes them, nothing else does), or for a minute from a
remote store, which has no version. When the store cannot be
read, the licence and publisher are still known: the footer of an error page
then names them without the sources, rather than failing itself.
"""

from __future__ import annotations

import time

from flask import Flask, Response, current_app

from minami_kg.publish import store_version
from minami_kg.publish.attribution import Attribution, read_attribution
from minami_kg.server.state import get_settings, get_store
from minami_kg.store import StoreError

CACHE_KEY = "minami_kg.attribution"
REMOTE_MAX_AGE = 60
"""Seconds the sources read from a remote store are reused (as long as a page may be cached)."""


def current_attribution() -> Attribution:
    settings, store = get_settings(), get_store()
    try:
        version = store_version(store)
        # a remote store has no version: its sources are read again after REMOTE_MAX_AGE
        key = version.tag if version else int(time.monotonic() // REMOTE_MAX_AGE)
        cached = current_app.extensions.get(CACHE_KEY)
        if cached and cached[0] == key:
            return cached[1]
        credit = read_attribution(store, settings.licence, settings.publisher)
    except StoreError:
        return Attribution(licence=settings.licence, publisher=settings.publisher)
    current_app.extensions[CACHE_KEY] = (key, credit)
    return credit


def licence_links(response: Response) -> Response:
    """A download that has no room for the attribution points at it (RFC 8288 `license`):
    the licence itself, and `/dataset`, which writes out the 出典 and 加工 lines."""
    credit = current_attribution()
    response.headers.add("Link", f'<{credit.licence}>; rel="license"')
    response.headers.add("Link", f'<{get_settings().base}dataset>; rel="describedby"')
    return response


def init_app(app: Flask) -> None:
    """Templates call `attribution()` (the footer), so only pages that show it read it."""
    app.jinja_env.globals.update(attribution=current_attribution)
