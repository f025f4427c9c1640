"""What the app keeps between requests, and the one way views reach it.

Flask's `db.py` habit: `init_app` puts the store handle in `app.extensions`,
and views ask `get_store()` / `get_settings()` for the current app's. Nothing
imports the package's `__init__` or another blueprint to find them, so one
process can hold two apps over two stores (the tests do).
"""

from __future__ import annotations

from flask import Flask, current_app

from minami_kg.config import Settings
from minami_kg.store import GraphStore, open_store

STORE_KEY = "minami_kg.store"


def init_app(app: Flask, settings: Settings) -> None:
    app.config["MINAMI_KG"] = settings
    app.extensions[STORE_KEY] = open_store(settings)


def get_settings(app: Flask | None = None) -> Settings:
    return (app or current_app).config["MINAMI_KG"]


def get_store(app: Flask | None = None) -> GraphStore:
    return (app or current_app).extensions[STORE_KEY]
