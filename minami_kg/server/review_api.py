"""The staff's JSON API: decide links, set English labels, manage accounts.

Every call needs a signed-in session (`minami_kg.server.staff`) and, for writes,
the session's CSRF token in the `X-CSRFToken` header (signed-in pages carry it
in `<meta name="csrf-token">`; `GET /api/session` answers it too). Errors are
`{"error": "…"}` with the status below, through the one `HttpError` handler;
a refused call changes nothing.

Reviewer (or admin):

- `POST /api/review` `{"section": IRI, "measure": IRI, "decision":
  "accept"|"reject"|"add", "note": "…", "replaces": VERSION?}` → 201 (200 when
  it overruled an earlier decision): `{"decision": {decision, note, reviewer,
  decided, was, version, replaces}, "link": {status, method, contribution,
  activity}, "replaced": …, "seconds": …}`. 400 bad JSON, decision or blank
  note; 404 unknown IRI; 409 the link's state does not fit, or an earlier
  decision (in `"decision"` of the error) that `replaces` did not name.
- `GET /api/review?section=IRI&measure=IRI` → `{"link": {status, method},
  "decision": … | null}`: what a reviewer sees before deciding (its `version`
  is what `replaces` takes).
- `POST /api/label` `{"iri": IRI, "en": "…", "note": "…"}` → 200 `{iri, ja, en,
  was, reviewer, decided, note, seconds}`; 400 / 404 as above.

Admin:

- `GET /api/accounts` → `{"accounts": [{name, role, display_name}]}`
- `POST /api/accounts` `{"name", "role", "password", "display_name"?}` → 201
- `DELETE /api/accounts/<name>` → 200 (not your own account: 400)

A reviewer calling these gets 403; anybody not signed in, 401.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from minami_kg.build import read_sources
from minami_kg.curation import load_curation
from minami_kg.review import NotFromSources, ReviewError, decide, set_label
from minami_kg.review.decide import current_decision, find_pair, link_status
from minami_kg.server.http import HttpError
from minami_kg.server.i18n import t
from minami_kg.server.staff import accounts, add_account, remove_account, require
from minami_kg.server.state import get_settings, get_store
from minami_kg.store import StoreError

review_api = Blueprint("review_api", __name__)


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise HttpError(400, t("JSON のオブジェクトを送ってください。", "Send a JSON object."))
    return data


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise HttpError(400, t(f"{name} がありません。", f"`{name}` is missing."))
    return value


def _refused(err: ReviewError) -> HttpError:
    return HttpError(err.status, t(err.ja, err.en), details=err.details)


def _unwritable(err: OSError) -> HttpError:
    """A curation file the server may not write (permissions, a full disk): nothing changed."""
    return HttpError(
        503, f"The curation files cannot be written: {err.strerror or err} ({err.filename})"
    )


@review_api.post("/api/review")
def post_review() -> ResponseReturnValue:
    account = require("reviewer")
    data = _body()
    note = data.get("note")
    replaces = data.get("replaces")
    try:
        answer = decide(
            get_settings(),
            get_store(),
            account,
            _text(data, "section"),
            _text(data, "measure"),
            str(data.get("decision", "")),
            note if isinstance(note, str) else "",
            replaces if isinstance(replaces, str) else None,
        )
    except ReviewError as err:
        raise _refused(err) from None
    except NotFromSources as err:
        raise HttpError(409, str(err)) from None
    except StoreError:
        raise  # the app's handler: 503 with Retry-After
    except OSError as err:
        raise _unwritable(err) from None
    return jsonify(answer), 200 if answer["replaced"] else 201


@review_api.get("/api/review")
def get_review() -> ResponseReturnValue:
    require("reviewer")
    settings = get_settings()
    curation = load_curation(settings.curation)
    plans = read_sources(settings.sources, curation)
    try:
        pair = find_pair(
            settings,
            plans,
            curation,
            request.args.get("section", ""),
            request.args.get("measure", ""),
        )
    except ReviewError as err:
        raise _refused(err) from None
    status, method = link_status(pair, curation)
    decision = current_decision(pair, curation)
    response = jsonify(
        link={"status": status, "method": method},
        decision=decision.as_json() if decision else None,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@review_api.post("/api/label")
def post_label() -> ResponseReturnValue:
    account = require("reviewer")
    data = _body()
    note = data.get("note")
    try:
        answer = set_label(
            get_settings(),
            get_store(),
            account,
            _text(data, "iri"),
            str(data.get("en") or ""),
            note if isinstance(note, str) else "",
        )
    except ReviewError as err:
        raise _refused(err) from None
    except NotFromSources as err:
        raise HttpError(409, str(err)) from None
    except StoreError:
        raise
    except OSError as err:
        raise _unwritable(err) from None
    return jsonify(answer)


@review_api.get("/api/accounts")
def list_accounts() -> ResponseReturnValue:
    require("admin")
    response = jsonify(
        accounts=[
            {"name": a.name, "role": a.role, "display_name": a.display_name}
            for a in accounts().list()
        ]
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@review_api.post("/api/accounts")
def add_account_json() -> ResponseReturnValue:
    require("admin")  # before the body is read
    data = _body()
    display = data.get("display_name")
    made = add_account(
        _text(data, "name"),
        str(data.get("role") or ""),
        _text(data, "password"),
        display if isinstance(display, str) else None,
    )
    return jsonify(name=made.name, role=made.role, display_name=made.display_name), 201


@review_api.delete("/api/accounts/<name>")
def remove_account_json(name: str) -> ResponseReturnValue:
    remove_account(name)
    return jsonify(removed=name)
