"""The staff's review pages: the queue and its twin, review controls in place, the plain-form
fallback, the accounts page; who may see and do what.

Each test builds its own store with its own copy of data/curation (tests/test_review.py's
`site` fixture), so nothing here writes the repository's files or the session store.
"""

from __future__ import annotations

import re

from .test_review import CANDIDATE, SECTION, Site, site, token_of  # noqa: F401

QUEUE_SECTION = "minami/section/chiiki-shinko"


def test_queue_needs_a_reviewer(site: Site) -> None:  # noqa: F811
    anonymous = site.client(None)
    response = anonymous.get("/review")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")
    assert anonymous.get("/review?format=json").status_code == 401
    assert anonymous.get("/admin/accounts?format=json").status_code == 401
    reviewer = site.client()
    assert reviewer.get("/admin/accounts").status_code == 403
    assert reviewer.get("/admin/accounts?format=json").status_code == 403


def test_queue_lists_candidates_with_evidence_and_progress(site: Site) -> None:  # noqa: F811
    reviewer = site.client()
    body = reviewer.get(f"/review?format=json&section={QUEUE_SECTION}").json
    assert body["progress"] == {"decided": 0, "total": len(body["items"])}
    assert body["items"], "the section has candidates"
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)
    first = body["items"][0]
    assert first["decision"] == "accept" and first["status"] == "candidate"
    assert first["evidence"] and first["basis"]
    page = reviewer.get(f"/review?section={QUEUE_SECTION}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    html = page.get_data(as_text=True)
    assert f"{len(body['items'])} 件中 0 件を確認" in html
    assert 'data-api="/api/review"' in html and "queue.js" in html

    token = token_of(reviewer)
    item = next(i for i in body["items"] if i["measure"]["iri"] == CANDIDATE)
    answer = reviewer.post(
        "/api/review",
        json={"section": SECTION, "measure": CANDIDATE, "decision": "accept", "note": "一致"},
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 201, answer.json
    after = reviewer.get(f"/review?format=json&section={QUEUE_SECTION}").json
    assert after["progress"] == {"decided": 1, "total": body["progress"]["total"]}
    assert item["measure"]["iri"] not in {i["measure"]["iri"] for i in after["items"]}
    accepted = reviewer.get(f"/review?format=json&section={QUEUE_SECTION}&status=accepted").json
    assert all(i["decision"] == "reject" for i in accepted["items"])
    assert reviewer.get("/review?status=nonsense").status_code == 400
    assert reviewer.get("/review?section=nowhere").status_code == 400


def test_controls_only_for_reviewers(site: Site) -> None:  # noqa: F811
    paths = [
        "/page/minami/2022/measure/chiiki-no-chikara-06",
        "/sections/minami/chiiki-shinko",
        f"/matrix/cell?plan=minami/2022&section={QUEUE_SECTION}"
        "&measure=minami/2022/measure/chiiki-no-chikara-06",
    ]
    anonymous, reviewer = site.client(None), site.client()
    for path in paths:
        public = anonymous.get(path).get_data(as_text=True)
        assert "review-form" not in public and "review.js" not in public, path
        assert "職員ログイン" in public
        staff = reviewer.get(path).get_data(as_text=True)
        assert 'class="review-form"' in staff, path
        assert "職員ログイン" not in staff
    section = reviewer.get("/sections/minami/chiiki-shinko").get_data(as_text=True)
    assert "関係を追加" in section and '<select name="measure"' in section
    measure = reviewer.get(paths[0]).get_data(as_text=True)
    assert 'class="label-form"' in measure


def test_plain_form_fallback(site: Site) -> None:  # noqa: F811
    reviewer = site.client()
    token = token_of(reviewer)
    form = {"section": SECTION, "measure": CANDIDATE, "decision": "accept", "csrf_token": token}
    refused = reviewer.post("/review/decide", data={**form, "note": "  "})
    assert refused.status_code == 400
    assert "理由" in refused.get_data(as_text=True)
    no_token = reviewer.post("/review/decide", data={**form, "csrf_token": "", "note": "x"})
    assert no_token.status_code == 400
    done = reviewer.post("/review/decide", data={**form, "note": "合う", "next": "/review"})
    assert done.status_code == 303 and done.headers["Location"] == "/review"
    again = reviewer.post("/review/decide", data={**form, "note": "合う"})
    assert again.status_code == 409
    assert "山田" in again.get_data(as_text=True)


MEASURE_PAGE = "/page/minami/2022/measure/chiiki-no-chikara-06"


def _add_options(html: str) -> list[str]:
    """The sections 「関係を追加」 offers on a measure's page, in order."""
    found = re.search(r'<select name="section" required>(.*?)</select>', html, re.S)
    assert found, "the page has the add control"
    return re.findall(r'<option value="([^"]+)">', found.group(1))


def test_add_from_a_measure_page(site: Site) -> None:  # noqa: F811
    """「関係を追加」 on a measure's page: reviewers only, the plan's sections with neither a
    link nor a candidate to it, and the plain form adds the link."""
    public = site.client(None).get(MEASURE_PAGE).get_data(as_text=True)
    assert "review-add" not in public and '<select name="section"' not in public
    reviewer = site.client()
    html = reviewer.get(MEASURE_PAGE).get_data(as_text=True)
    assert "関係を追加" in html and 'class="review-control review-add"' in html
    assert f'<input type="hidden" name="measure" value="{CANDIDATE}">' in html
    options = _add_options(html)
    twin = reviewer.get(MEASURE_PAGE + ".json").json
    linked = {link["section"]["value"] for link in twin["sections"]}
    assert linked and SECTION in linked  # a candidate: not offered
    assert options and not set(options) & linked
    plan = reviewer.get("/sections?format=json&plan=minami/2022").json["sections"]
    ward = {s["iri"] for s in plan}
    assert set(options) <= ward
    assert set(options) | linked >= {s["iri"] for s in plan if s["measures"] or s["candidates"]}

    chosen = options[0]
    form = {
        "section": chosen,
        "measure": CANDIDATE,
        "decision": "add",
        "csrf_token": token_of(reviewer),
        "next": MEASURE_PAGE,
    }
    assert reviewer.post("/review/decide", data={**form, "note": " "}).status_code == 400
    done = reviewer.post("/review/decide", data={**form, "note": "取組の担当課"})
    assert done.status_code == 303 and done.headers["Location"] == MEASURE_PAGE
    after = reviewer.get(MEASURE_PAGE + ".json").json["sections"]
    added = next(link for link in after if link["section"]["value"] == chosen)
    assert added["accepted"] and added["review"]["decision"] == "add"
    assert chosen not in _add_options(reviewer.get(MEASURE_PAGE).get_data(as_text=True))
    shown = site.client(None).get(MEASURE_PAGE).get_data(as_text=True)
    assert "人手で確認：山田" in shown and "取組の担当課" in shown


def test_accounts_page(site: Site) -> None:  # noqa: F811
    admin = site.client("admin")
    listed = admin.get("/admin/accounts?format=json").json["accounts"]
    assert {a["name"] for a in listed} == {"yamada", "sato", "admin"}
    html = admin.get("/admin/accounts").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', html).group(1)  # type: ignore[union-attr]
    added = admin.post(
        "/admin/accounts",
        data={
            "name": "suzuki",
            "role": "reviewer",
            "password": "pw-1234567",
            "display_name": "鈴木",
            "csrf_token": token,
        },
    )
    assert added.status_code == 303
    assert "鈴木" in admin.get("/admin/accounts").get_data(as_text=True)
    assert admin.post("/admin/accounts/admin/remove", data={"csrf_token": token}).status_code == 400
    assert admin.post("/admin/accounts/suzuki/remove", data={}).status_code == 400  # no token
    removed = admin.post("/admin/accounts/suzuki/remove", data={"csrf_token": token})
    assert removed.status_code == 303
    names = {a["name"] for a in admin.get("/admin/accounts?format=json").json["accounts"]}
    assert "suzuki" not in names
    reviewer = site.client()
    rtoken = token_of(reviewer)
    refused = reviewer.post("/admin/accounts/sato/remove", data={"csrf_token": rtoken})
    assert refused.status_code == 403


def test_a_hostile_note_is_text(site: Site) -> None:  # noqa: F811
    """A note is shown as text everywhere: on the pages, in the queue's list of decisions."""
    reviewer = site.client()
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    answer = reviewer.post(
        "/api/review",
        json={"section": SECTION, "measure": CANDIDATE, "decision": "accept", "note": hostile},
        headers={"X-CSRFToken": token_of(reviewer)},
    )
    assert answer.status_code == 201
    for client, path in [
        (site.client(None), "/page/minami/2022/measure/chiiki-no-chikara-06"),
        (site.client(None), "/sections/minami/chiiki-shinko"),
        (reviewer, f"/review?section={QUEUE_SECTION}"),
        (reviewer, "/page/minami/2022/measure/chiiki-no-chikara-06"),
    ]:
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert(2)" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(2)" in html, path


def test_label_by_plain_form(site: Site) -> None:  # noqa: F811
    reviewer = site.client()
    page = "/page/minami/2022/measure/chiiki-no-chikara-06"
    form = {
        "iri": CANDIDATE,
        "en": "Helping residents look after roadside shrub beds",
        "csrf_token": token_of(reviewer),
        "next": page,
    }
    assert reviewer.post("/review/label", data={**form, "note": ""}).status_code == 400
    done = reviewer.post("/review/label", data={**form, "note": "より自然な英語に"})
    assert done.status_code == 303 and done.headers["Location"] == page
    html = site.client(None).get(page).get_data(as_text=True)
    assert "Helping residents look after roadside shrub beds" in html
