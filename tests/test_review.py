"""Staff review decisions: they take effect at once, last through a rebuild, say who and
why, and every refusal changes nothing.

Each test builds its own store from the seed with its own copy of
data/curation, so no test writes the repository's files or the session store.
"""

from __future__ import annotations

import re
import shutil
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from minami_kg.accounts import Account
from minami_kg.build import build
from minami_kg.config import PROJECT_ROOT, Settings
from minami_kg.queries import find_query
from minami_kg.review import ReviewError, decide
from minami_kg.server import create_app
from minami_kg.store import EmbeddedStore, open_store, select

from .conftest import STAFF_PASSWORD, settings_for, staffed_settings
from .remote_engines import RemoteServer

BASE = "http://127.0.0.1:8000/"
SECTION = BASE + "id/minami/section/chiiki-shinko"
CANDIDATE = BASE + "id/minami/2022/measure/chiiki-no-chikara-06"  # 地域振興課: a candidate
ACCEPTED = BASE + "id/minami/2022/measure/gensai-01"  # 総務課 carries it (shared-topic)
SOMU = BASE + "id/minami/section/somu"
OVERRIDES = "link-overrides.toml"
META_GRAPH = f"<{BASE}graph/meta>"


@dataclass
class Site:
    settings: Settings
    app: Flask
    store: EmbeddedStore

    def client(self, name: str | None = "yamada") -> FlaskClient:
        """A client signed in as `name` (None: anonymous)."""
        client = self.app.test_client()
        if name is not None:
            page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            response = client.post(
                "/login", data={"username": name, "password": STAFF_PASSWORD, "csrf_token": token}
            )
            assert response.status_code == 303
        return client

    def snapshot(self) -> tuple[dict[str, bytes], bytes, str]:
        """Every curation file's bytes, the store's quads, and its generation."""
        folder = self.settings.curation  # its lock files (.*.lock) are no curation
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name[0] != "."}
        return files, self.store.sorted_nquads(), self.store.generation()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    settings = staffed_settings(tmp_path)
    yield Site(settings, create_app(settings), EmbeddedStore(settings.store))


def token_of(client: FlaskClient) -> str:
    """The CSRF token a signed-in page carries in its <meta>."""
    page = client.get("/matrix").get_data(as_text=True)
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert found, "a signed-in page carries the CSRF token"
    return found.group(1)


def review(client: FlaskClient, token: str | None, **body: Any) -> Any:
    headers = {"X-CSRFToken": token} if token else {}
    return client.post("/api/review", json=body, headers=headers)


def without_meta(nquads: bytes) -> list[bytes]:
    """The store's quads but the build's own record (`graph/meta`), which changes per build."""
    return [line for line in nquads.splitlines() if not line.endswith(f"{META_GRAPH} .".encode())]


def ask(client: FlaskClient, query: str) -> bool:
    response = client.post(
        "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.data
    return bool(response.json["boolean"])


def cell(client: FlaskClient, section_key: str, measure_key: str) -> dict[str, Any]:
    table = client.get("/matrix?format=json").json
    return next(
        (c for c in table["cells"] if c["section"] == section_key and c["measure"] == measure_key),
        {},
    )


# --- a decision takes effect at once and lasts ----------------------------------------------


def test_accept_a_candidate(site: Site) -> None:
    reviewer = site.client()
    token = token_of(reviewer)
    anonymous = site.client(None)
    section_key, measure_key = (
        "minami/section/chiiki-shinko",
        "minami/2022/measure/chiiki-no-chikara-06",
    )
    assert cell(anonymous, section_key, measure_key)["status"] == "candidate"
    etag = anonymous.get("/matrix?format=json").headers["ETag"]

    response = review(
        reviewer,
        token,
        section=SECTION,
        measure=CANDIDATE,
        decision="accept",
        note="目標と一致する",
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["link"]["status"] == "accepted" and body["link"]["method"] == "curated"
    assert body["decision"]["reviewer"] == "山田" and body["decision"]["was"] == "candidate"

    # at once: the matrix, /sparql, a new ETag, the search index
    assert cell(anonymous, section_key, measure_key)["status"] == "accepted"
    assert ask(
        anonymous,
        f"ASK {{ <{SECTION}> <https://w3id.org/minami-kg/def#contributesTo> <{CANDIDATE}> }}",
    )
    assert anonymous.get("/matrix?format=json").headers["ETag"] != etag
    # the curation file: an [[add]] entry saying who, when, why
    entries = tomllib.loads((site.settings.curation / OVERRIDES).read_text("utf-8"))["add"]
    entry = next(e for e in entries if e.get("reviewer"))
    assert entry["section"] == "地域振興課" and entry["measure"] == "道路低木植樹帯の維持管理支援"
    assert entry["decision"] == "accept" and entry["note"] == "目標と一致する"
    assert entry["decided"].utcoffset().total_seconds() == 9 * 3600
    # provenance: a prov:Activity in the curated graph, the contribution generated by it
    activity = body["link"]["activity"]
    assert ask(
        anonymous,
        f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        ASK {{ GRAPH <{BASE}graph/curated> {{
          <{activity}> a prov:Activity ; prov:wasAssociatedWith ?who ; prov:endedAtTime ?t ;
             <http://www.w3.org/2000/01/rdf-schema#comment> "目標と一致する"@ja .
          ?who <http://www.w3.org/2000/01/rdf-schema#label> "山田" .
          <{body["link"]["contribution"]}> prov:wasGeneratedBy <{activity}> }} }}""",
    )
    # the anonymous site says who decided and why: the cell, the section and the measure pages
    panel = anonymous.get(
        f"/matrix/cell?plan=minami/2022&section={section_key}&measure={measure_key}"
    )
    assert "人手で確認：山田 " in panel.get_data(as_text=True)
    assert "目標と一致する" in panel.get_data(as_text=True)
    section_page = anonymous.get("/sections/minami/chiiki-shinko").get_data(as_text=True)
    assert re.search(r"人手で確認：山田 \d{4}-\d{2}-\d{2} — 目標と一致する", section_page)
    measure_page = anonymous.get("/page/minami/2022/measure/chiiki-no-chikara-06").get_data(
        as_text=True
    )
    assert "人手で確認：山田" in measure_page
    twin = anonymous.get("/sections/minami/chiiki-shinko?format=json").json
    reviewed = [
        link
        for area in twin["areas"]
        for link in area["links"]
        if link["measure"]["iri"] == CANDIDATE
    ]
    assert reviewed[0]["review"]["reviewer"] == "山田"
    assert reviewed[0]["review"]["version"] == body["decision"]["version"]

    # it lasts: a rebuild from the files gives exactly the store the decision made
    after_decision = site.store.sorted_nquads()
    build(site.settings)
    assert without_meta(site.store.sorted_nquads()) == without_meta(after_decision)
    assert cell(anonymous, section_key, measure_key)["status"] == "accepted"


def test_reject_and_add_equal_a_rebuild(site: Site) -> None:
    """Reject an accepted link, add a missing one: the store equals a fresh build's."""
    reviewer = site.client("sato")
    token = token_of(reviewer)
    rejected = review(
        reviewer, token, section=SOMU, measure=ACCEPTED, decision="reject", note="関係が薄い"
    )
    assert rejected.status_code == 201, rejected.json
    assert rejected.json["link"]["status"] == "none"
    missing = BASE + "id/minami/2022/measure/kodomo-01"
    added = review(reviewer, token, section=SOMU, measure=missing, decision="add", note="所管")
    assert added.status_code == 201, added.json
    anonymous = site.client(None)
    assert not ask(anonymous, f"ASK {{ <{SOMU}> ?p <{ACCEPTED}> }}")
    assert cell(anonymous, "minami/section/somu", "minami/2022/measure/gensai-01") == {}
    panel = anonymous.get(
        "/matrix/cell?plan=minami/2022&section=minami/section/somu"
        "&measure=minami/2022/measure/gensai-01&format=json"
    )
    assert panel.status_code == 200 and panel.json["review"]["decision"] == "reject"
    assert "佐藤" in panel.json["review"]["text"]["ja"]

    decided = site.store.sorted_nquads()
    fresh = settings_for(site.settings.store.parent.parent / "fresh" / "store").with_changes(
        curation=site.settings.curation
    )
    build(fresh)
    assert without_meta(EmbeddedStore(fresh.store).sorted_nquads()) == without_meta(decided)

    query = find_query(site.settings.queries, "review-decisions")
    assert query is not None
    rows = list(select(site.store, query.bound({"reviewer": "佐藤"}, BASE)))
    assert [(r["decision"].value, r["previous"].value) for r in rows] == [
        ("reject", "accepted"),
        ("add", "none"),
    ]
    assert list(select(site.store, query.bound({"reviewer": "山田"}, BASE))) == []


def test_english_label(site: Site) -> None:
    reviewer = site.client()
    token = token_of(reviewer)
    body = {"iri": CANDIDATE, "en": "Looking after roadside shrub beds", "note": "clearer"}
    assert reviewer.post("/api/label", json=body).status_code == 400  # no CSRF token
    response = reviewer.post("/api/label", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 200, response.json
    assert response.json["was"] == "Supporting the upkeep of roadside shrub beds"
    anonymous = site.client(None)
    assert ask(
        anonymous,
        f"ASK {{ <{CANDIDATE}> <http://www.w3.org/2004/02/skos/core#prefLabel> "
        f'"Looking after roadside shrub beds"@en }}',
    )
    assert ask(
        anonymous,
        f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX mkg: <https://w3id.org/minami-kg/def#>
        ASK {{ GRAPH <{BASE}graph/curated> {{
          <{response.json["activity"]}> a prov:Activity ; mkg:decision "label" ;
            prov:used <{CANDIDATE}> ; prov:endedAtTime ?t ;
            mkg:replacedLabel "Supporting the upkeep of roadside shrub beds"@en }} }}""",
    )
    hits = anonymous.get("/api/search?q=roadside shrub").json["results"]
    assert any(hit["iri"] == CANDIDATE for hit in hits)
    labels = tomllib.loads((site.settings.curation / "labels-en.toml").read_text("utf-8"))
    assert labels["label"]["minami"]["道路低木植樹帯の維持管理支援"] == body["en"]
    assert labels["review"][-1]["reviewer"] == "山田"
    decided = site.store.sorted_nquads()
    build(site.settings)
    assert without_meta(site.store.sorted_nquads()) == without_meta(decided)


# --- refusals change nothing ----------------------------------------------------------------


PARTNER = BASE + "id/partner/kusha"  # partners are named in partners.toml, not labelled here
GOOD = {"section": SECTION, "measure": CANDIDATE, "decision": "accept", "note": "理由"}


def test_refusals_change_nothing(site: Site) -> None:
    before = site.snapshot()
    anonymous, reviewer = site.client(None), site.client()
    token = token_of(reviewer)
    admin = site.client("admin")
    admin_token = token_of(admin)
    refusals = [
        (anonymous.post("/api/review", json=GOOD), 401),
        (review(anonymous, token, **GOOD), 401),  # another's token does not sign anyone in
        (review(reviewer, None, **GOOD), 400),  # no CSRF token
        (review(reviewer, "not-the-token", **GOOD), 400),
        (review(admin, token, **GOOD), 400),  # the token of another session
        (review(reviewer, token, **(GOOD | {"note": ""})), 400),
        (review(reviewer, token, **(GOOD | {"note": "   \n"})), 400),
        (review(reviewer, token, **{k: v for k, v in GOOD.items() if k != "note"}), 400),
        (review(reviewer, token, **(GOOD | {"decision": "maybe"})), 400),
        (review(reviewer, token, **(GOOD | {"measure": BASE + "id/minami/2022/measure/x"})), 404),
        (review(reviewer, token, **(GOOD | {"section": BASE + "id/minami/section/nope"})), 404),
        (review(reviewer, token, **(GOOD | {"decision": "reject"})), 409),  # a candidate
        (review(reviewer, token, **(GOOD | {"decision": "add"})), 409),
        (review(reviewer, token, section=SOMU, measure=ACCEPTED, decision="accept", note="x"), 409),
        (reviewer.post("/api/review", data="not json", headers={"X-CSRFToken": token}), 400),
        (reviewer.post("/api/accounts", json={"name": "x", "role": "admin", "password": "p"},
                       headers={"X-CSRFToken": token}), 403),
        (reviewer.post("/api/label", json={"iri": CANDIDATE, "en": "X", "note": ""},
                       headers={"X-CSRFToken": token}), 400),
        (reviewer.post("/api/label", json={"iri": PARTNER, "en": "X", "note": "n"},
                       headers={"X-CSRFToken": token}), 400),
        (admin.post("/api/review", json=GOOD | {"note": ""},
                    headers={"X-CSRFToken": admin_token}), 400),
    ]  # fmt: skip
    for number, (response, status) in enumerate(refusals):
        assert response.status_code == status, (number, response.status_code, response.data)
        assert response.is_json and response.json["error"], number
    assert site.snapshot() == before


def test_decide_without_flask(site: Site) -> None:
    """The core refuses the same way when called directly (the CLI or a script could)."""
    account = Account("yamada", "reviewer", "山田")
    with pytest.raises(ReviewError) as refused:
        decide(site.settings, site.store, account, SECTION, CANDIDATE, "accept", " ")
    assert refused.value.status == 400


# --- two reviewers, many threads ------------------------------------------------------------


def test_the_later_reviewer_must_confirm(site: Site) -> None:
    yamada, sato = site.client("yamada"), site.client("sato")
    first = review(yamada, token_of(yamada), **GOOD)
    assert first.status_code == 201
    sato_token = token_of(sato)
    before = site.snapshot()
    conflict = review(
        sato, sato_token, section=SECTION, measure=CANDIDATE, decision="reject", note="違う"
    )
    assert conflict.status_code == 409
    earlier = conflict.json["decision"]
    assert earlier["reviewer"] == "山田" and earlier["decision"] == "accept"
    assert site.snapshot() == before
    stale = review(
        sato, sato_token, section=SECTION, measure=CANDIDATE, decision="reject", note="違う",
        replaces="0000000000000000",
    )  # fmt: skip
    assert stale.status_code == 409
    seen = sato.get(f"/api/review?section={SECTION}&measure={CANDIDATE}").json
    assert seen["decision"]["version"] == earlier["version"]
    confirmed = review(
        sato, sato_token, section=SECTION, measure=CANDIDATE, decision="reject", note="違う",
        replaces=earlier["version"],
    )  # fmt: skip
    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["replaced"]["reviewer"] == "山田"
    entries = tomllib.loads((site.settings.curation / OVERRIDES).read_text("utf-8"))
    assert not [e for e in entries["add"] if e.get("reviewer")]  # the accept was replaced
    replaced = next(e for e in entries["reject"] if e.get("reviewer") == "佐藤")
    assert replaced["replaces"]["reviewer"] == "山田"
    assert ask(
        site.client(None),
        f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        ASK {{ <{confirmed.json["link"]["activity"]}>
              <https://w3id.org/minami-kg/def#replacesDecision> ?old .
            ?old prov:wasAssociatedWith/rdfs:label "山田" }}""",
    )


def test_parallel_decisions_never_corrupt_the_file(site: Site) -> None:
    rows = select(
        site.store,
        """PREFIX mkg: <https://w3id.org/minami-kg/def#>
        SELECT ?s ?m WHERE { ?c a mkg:Contribution ; mkg:accepted false ;
                                mkg:section ?s ; mkg:measure ?m } ORDER BY ?c LIMIT 4""",
    )
    pairs = [(row["s"].value, row["m"].value) for row in rows]
    errors: list[BaseException] = []

    def run(number: int, section: str, measure: str) -> None:
        account = Account(f"r{number}", "reviewer", f"確認者{number}")
        try:
            decide(site.settings, site.store, account, section, measure, "accept", f"理由 {number}")
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(n, *pair)) for n, pair in enumerate(pairs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    entries = tomllib.loads((site.settings.curation / OVERRIDES).read_text("utf-8"))
    assert sorted(e["note"] for e in entries["add"] if e.get("reviewer")) == [
        f"理由 {n}" for n in range(4)
    ]
    assert len(entries["add"]) == 2 + 4 and len(entries["reject"]) == 1
    text = (site.settings.curation / OVERRIDES).read_text("utf-8")
    assert text.startswith("# Section → measure links decided by a person")
    decided = site.store.sorted_nquads()
    build(site.settings)
    assert without_meta(site.store.sorted_nquads()) == without_meta(decided)


def test_a_hand_written_entry_for_every_plan_still_wins(site: Site) -> None:
    """A decision the file's other entries would overrule is refused and leaves no trace."""
    path = site.settings.curation / OVERRIDES
    with path.open("a", encoding="utf-8") as out:
        out.write(
            '\n[[reject]]\nsection = "総務課"\nmeasure = "子ども家庭総合支援拠点機能の充実"\n'
            'note = "手書き"\n'
        )
    build(site.settings)
    before = site.snapshot()
    reviewer = site.client()
    missing = BASE + "id/minami/2022/measure/kodomo-01"
    refused = review(
        reviewer, token_of(reviewer), section=SOMU, measure=missing, decision="add", note="所管"
    )
    assert refused.status_code == 409, refused.json
    assert site.snapshot() == before


def test_staff_calls_are_not_open_to_other_sites(site: Site) -> None:
    reviewer = site.client()
    assert "Access-Control-Allow-Origin" not in reviewer.get("/api/session").headers
    answer = review(reviewer, token_of(reviewer), **GOOD)
    assert answer.status_code == 201
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert site.client(None).get("/api/search?q=防災").headers["Access-Control-Allow-Origin"] == "*"


def test_a_decision_on_a_remote_store(engine: RemoteServer, tmp_path: Path) -> None:
    """A store without a folder of ours is rebuilt from the files through `build`."""
    curation = tmp_path / "curation"
    shutil.copytree(PROJECT_ROOT / "data" / "curation", curation)
    settings = engine.settings().with_changes(
        curation=curation, store=tmp_path / "var" / "store", dumps=tmp_path / "dumps"
    )
    build(settings)
    store = open_store(settings)
    account = Account("yamada", "reviewer", "山田")
    answer = decide(settings, store, account, SECTION, CANDIDATE, "accept", "遠隔でも")
    assert answer["link"]["status"] == "accepted"
    found = store.query(
        f"ASK {{ <{SECTION}> <https://w3id.org/minami-kg/def#contributesTo> <{CANDIDATE}> }}"
    )
    assert bool(found)
