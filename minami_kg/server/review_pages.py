"""The staff's pages: the review queue, a plain-form fallback for decisions, the accounts.

- `GET /review` (reviewers): the links waiting for a person (`models.review_queue`),
  filtered by plan, section, area and status; its JSON twin is `?format=json`.
  Nobody signed in: the page sends the browser to `/login?next=…`, the twin is a 401.
- `POST /review/decide` (reviewers): the same decision as `POST /api/review`, from
  a plain HTML form (`csrf_token` field), for a browser without scripts. It
  answers with a redirect back to the page (`next`), or an error page in the
  reader's language. With scripts, `review.js` sends the JSON call instead.
- `GET /admin/accounts` (admins): the accounts, a form to add one, a button to
  remove each; its JSON twin is `?format=json`. `POST /admin/accounts` and
  `POST /admin/accounts/<name>/remove` are plain forms over the same
  `Accounts` file as `/api/accounts`, audited alike.

The writes go through `minami_kg.review` and `minami_kg.accounts`, so a refusal
here is the API's refusal, with nothing changed. Every page here is private
(`auth` marks signed-in answers `no-store`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, jsonify, redirect, request
from flask.typing import ResponseReturnValue

from minami_kg.accounts import ROLES
from minami_kg.readmodels.decisions import mark_json
from minami_kg.readmodels.review_queue import Queue, read_queue
from minami_kg.review import NotFromSources, ReviewError, decide, set_label
from minami_kg.server.http import HttpError, page, wants_json
from minami_kg.server.i18n import t
from minami_kg.server.staff import accounts, add_account, current_account, remove_account, require
from minami_kg.server.state import get_settings, get_store

review_pages = Blueprint("review_pages", __name__)


def _safe_next(value: str | None, default: str) -> str:
    """A path on this site to go back to, never another site."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return default


def _sign_in_first() -> ResponseReturnValue | None:
    """A browser with nobody signed in goes to the sign-in form; an API client gets 401."""
    if current_account() is None and not wants_json():
        return redirect("/login?" + urlencode({"next": request.full_path.rstrip("?")}), code=303)
    return None


def queue_json(queue: Queue) -> dict[str, Any]:
    """The twin of `/review`: the filter, the progress and every item with its evidence."""
    return {
        "plan": queue.plan.key,
        "filter": {"section": queue.section, "area": queue.area, "status": queue.status},
        "progress": {"decided": len(queue.decided), "total": queue.total},
        "items": [asdict(item) for item in queue.items],
        "decided": [mark_json(mark) for mark in queue.decided],
    }


@review_pages.get("/review")
def queue_page() -> ResponseReturnValue:
    """The review queue, or its JSON twin (`?format=json`)."""
    bounce = _sign_in_first()
    if bounce is not None:
        return bounce
    require("reviewer")
    queue = read_queue(get_store(), get_settings().base, request.args.to_dict())
    if wants_json():
        response = jsonify(queue_json(queue))
        response.headers["Cache-Control"] = "private, no-store"
        return response
    here = "/review?" + urlencode(queue.params())
    return page("review.html", q=queue, here=here)


@review_pages.post("/review/decide")
def decide_by_form() -> ResponseReturnValue:
    """A decision from a plain form (no scripts): the API's checks, then back to `next`."""
    account = require("reviewer")
    form = request.form
    replaces = form.get("replaces") or None
    try:
        decide(
            get_settings(),
            get_store(),
            account,
            form.get("section", ""),
            form.get("measure", ""),
            form.get("decision", ""),
            form.get("note", ""),
            replaces,
        )
    except ReviewError as err:
        earlier = err.details.get("decision")
        message = t(err.ja, err.en)
        if isinstance(earlier, dict):
            who = earlier.get("reviewer") or t("ファイルの記述", "the file")
            message += f" — {who} {str(earlier.get('decided') or '')[:10]}: {earlier.get('note')}"
        raise HttpError(err.status, message) from None
    except NotFromSources as err:
        raise HttpError(409, str(err)) from None
    return redirect(_safe_next(form.get("next"), "/review"), code=303)


@review_pages.post("/review/label")
def label_by_form() -> ResponseReturnValue:
    """An English label from a plain form (no scripts): `POST /api/label`'s checks."""
    account = require("reviewer")
    form = request.form
    try:
        set_label(
            get_settings(), get_store(), account,
            form.get("iri", ""), form.get("en", ""), form.get("note", ""),
        )  # fmt: skip
    except ReviewError as err:
        raise HttpError(err.status, t(err.ja, err.en)) from None
    except NotFromSources as err:
        raise HttpError(409, str(err)) from None
    return redirect(_safe_next(form.get("next"), "/"), code=303)


# ---------------------------------------------------------------- accounts


def _accounts_json() -> list[dict[str, str]]:
    return [
        {"name": a.name, "role": a.role, "display_name": a.display_name} for a in accounts().list()
    ]


@review_pages.get("/admin/accounts")
def accounts_page() -> ResponseReturnValue:
    """The staff accounts (admins), or their JSON twin."""
    bounce = _sign_in_first()
    if bounce is not None:
        return bounce
    me = require("admin")
    if wants_json():
        response = jsonify(accounts=_accounts_json())
        response.headers["Cache-Control"] = "private, no-store"
        return response
    done = request.args.get("done", "")
    return page("admin_accounts.html", staff=accounts().list(), roles=ROLES, me=me, done=done)


@review_pages.post("/admin/accounts")
def add_by_form() -> ResponseReturnValue:
    require("admin")  # before the form is read
    form = request.form
    name, password = form.get("name", "").strip(), form.get("password", "")
    if not name or not password:
        raise HttpError(
            400,
            t("ユーザー名と初期パスワードは必須です。", "A user name and a password are required."),
        )
    made = add_account(
        name, form.get("role", ""), password, form.get("display_name", "").strip() or None
    )
    return redirect("/admin/accounts?" + urlencode({"done": f"added:{made.name}"}), code=303)


@review_pages.post("/admin/accounts/<name>/remove")
def remove_by_form(name: str) -> ResponseReturnValue:
    remove_account(name)
    return redirect("/admin/accounts?" + urlencode({"done": f"removed:{name}"}), code=303)
