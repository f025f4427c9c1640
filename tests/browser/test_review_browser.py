"""A reviewer decides links in a real browser: the queue by keyboard, refusals, who sees what.

The live server here runs over a store of its own, built from the seed with a copy of
data/curation and an accounts file in a temporary folder (the session's store and the
repository's files are never written). Sign in → /review → accept the first candidate
with `a`, a note and Ctrl+Enter → the link is in /matrix (page and JSON) and /sparql at
once, survives a rebuild, and the anonymous site says who decided and why.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from minami_kg.build import build
from minami_kg.config import Settings

from ..conftest import STAFF_PASSWORD, staffed_settings
from ..w3c.server import live_server
from .conftest import PageErrors, blocking_violations, screenshot

NOTE = "目標の「地域の力」と取組の内容が一致するため"
OVERRIDES = "link-overrides.toml"
MX = "https://w3id.org/minami-kg/def#"


@dataclass
class ReviewSite:
    settings: Settings
    url: str

    def overrides(self) -> bytes:
        path = self.settings.curation / OVERRIDES
        return path.read_bytes() if path.is_file() else b""


@pytest.fixture(scope="module")
def review_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReviewSite]:
    root = tmp_path_factory.mktemp("review-ui")
    settings = staffed_settings(root, admin="kanri")
    env = {
        "MINAMI_KG_CURATION": str(settings.curation),
        "MINAMI_KG_USERS": str(settings.users_path),
        "MINAMI_KG_BUILD_CHECK_SECONDS": "0.2",
    }
    with live_server(settings.store, env=env) as url:
        yield ReviewSite(settings, url)


def _context(browser: Browser, site: ReviewSite, errors: PageErrors) -> BrowserContext:
    context = browser.new_context(
        base_url=site.url, locale="ja-JP", viewport={"width": 1280, "height": 900}
    )
    context.on(
        "page",
        lambda p: (p.on("console", errors.on_console), p.on("pageerror", errors.on_page_error)),
    )
    return context


@pytest.fixture
def staff(browser: Browser, review_site: ReviewSite, page_errors: PageErrors) -> Iterator[Page]:
    """A fresh browser context (no cookies yet) on the review site; fails on a JS error."""
    context = _context(browser, review_site, page_errors)
    yield context.new_page()
    context.close()
    assert not page_errors.messages, "\n".join(page_errors.messages)


def sign_in(page: Page, name: str, next_page: str = "/") -> None:
    page.goto(f"/login?next={next_page}")
    page.get_by_label("ユーザー名").fill(name)
    page.get_by_label("パスワード").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"**{next_page}*")


def token(page: Page) -> str:
    found = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert found
    return found


def key(iri: str) -> str:
    return iri.split("/id/", 1)[1]


def test_accept_from_the_queue_by_keyboard(
    staff: Page, browser: Browser, review_site: ReviewSite, page_errors: PageErrors
) -> None:
    page = staff
    sign_in(page, "yamada", "/review")
    progress = page.locator("#rq-progress")
    total = int(progress.get_attribute("data-total") or 0)
    assert total > 0
    expect(progress).to_have_text(f"{total} 件中 0 件を確認")
    assert blocking_violations(page) == []
    screenshot(page, "review-queue")

    first = page.locator(".rq-item").first
    expect(first).to_be_focused()  # the queue starts on its first item
    section, measure = first.get_attribute("data-section"), first.get_attribute("data-measure")
    assert section and measure
    page.keyboard.press("a")
    note = first.get_by_label("理由（必須）")
    expect(note).to_be_focused()
    note.fill(NOTE)
    screenshot(page, "review-queue-note")
    page.keyboard.press("Control+Enter")
    expect(progress).to_have_text(f"{total} 件中 1 件を確認")
    expect(first).to_have_class(re.compile("rq-done"))
    expect(page.locator(".rq-item").nth(1)).to_be_focused()  # on to the next one
    screenshot(page, "review-queue-decided")

    # an empty note: the form says so, and nothing is sent
    before = review_site.overrides()
    page.keyboard.press("a")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".rq-item").nth(1).get_by_role("alert")).to_have_text(
        "理由を書いてください。"
    )
    assert review_site.overrides() == before
    entries = tomllib.loads(before.decode("utf-8"))["add"]
    assert any(e.get("note") == NOTE and e.get("reviewer") == "山田" for e in entries)

    # at once: /matrix (JSON and the page) and /sparql
    def in_matrix() -> None:
        table = page.request.get("/matrix?format=json").json()
        found = [
            c
            for c in table["cells"]
            if (c["section"], c["measure"]) == (key(section), key(measure))
        ]
        assert found and found[0]["status"] == "accepted", found

    in_matrix()
    page.goto(f"/matrix?section={key(section)}")
    cell = page.locator(f'td.mx-accepted a[href*="measure={key(measure).replace("/", "%2F")}"]')
    expect(cell).to_have_count(1)
    answer = page.request.post(
        "/sparql",
        form={"query": f"ASK {{ <{section}> <{MX}contributesTo> <{measure}> }}"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.json()["boolean"] is True

    # it lasts: rebuild with the same settings, then read again
    build(review_site.settings)
    page.wait_for_timeout(500)  # the server's follower notices the new build
    in_matrix()
    page.reload()
    expect(cell).to_have_count(1)

    # the anonymous site says who decided and why
    public = _context(browser, review_site, page_errors)
    anonymous = public.new_page()
    anonymous.goto(f"/page/{key(measure)}")
    expect(anonymous.locator("#sections")).to_contain_text(
        re.compile(rf"人手で確認：山田 \d{{4}}-\d{{2}}-\d{{2}} — {re.escape(NOTE)}")
    )
    assert anonymous.locator("form.review-form").count() == 0
    expect(anonymous.locator("footer")).to_contain_text("職員ログイン")
    screenshot(anonymous, "review-public-measure")
    public.close()


def test_refusals_change_nothing(
    staff: Page, browser: Browser, review_site: ReviewSite, page_errors: PageErrors
) -> None:
    page = staff
    sign_in(page, "sato", "/review")
    item = page.locator(".rq-item").first
    body = {
        "section": item.get_attribute("data-section"),
        "measure": item.get_attribute("data-measure"),
        "decision": "accept",
        "note": "根拠あり",
    }
    before = review_site.overrides()
    public = _context(browser, review_site, page_errors)
    anonymous = public.request.post("/api/review", data=body)
    assert anonymous.status == 401
    public.close()
    assert page.request.post("/api/review", data=body).status == 400  # no CSRF token
    wrong = page.request.post("/api/review", data=body, headers={"X-CSRFToken": "forged"})
    assert wrong.status == 400
    blank = page.request.post(
        "/api/review", data={**body, "note": " "}, headers={"X-CSRFToken": token(page)}
    )
    assert blank.status == 400 and "理由" in blank.json()["error"]
    admin_only = page.request.post(
        "/api/accounts",
        data={"name": "intruder", "role": "admin", "password": "x" * 12},
        headers={"X-CSRFToken": token(page)},
    )
    assert admin_only.status == 403
    page_errors.expected.add(review_site.url + "/admin/accounts")  # the 403 is the point
    refused = page.goto("/admin/accounts")
    assert refused is not None and refused.status == 403
    expect(page.locator("main")).to_contain_text("admin の権限が必要です")
    assert "intruder" not in review_site.settings.users_path.read_text("utf-8")
    assert review_site.overrides() == before


def test_conflict_shows_the_earlier_decision(
    staff: Page, browser: Browser, review_site: ReviewSite, page_errors: PageErrors
) -> None:
    """Two reviewers on one candidate: the second sees who decided first, and why."""
    page = staff
    page_errors.expected.add(review_site.url + "/api/review")  # the 409s are the point
    sign_in(page, "sato", "/review")
    item = page.locator(".rq-item").first
    section, measure = item.get_attribute("data-section"), item.get_attribute("data-measure")
    assert section and measure
    # meanwhile, 山田 accepts it through the API (another session)
    other = _context(browser, review_site, page_errors)
    other_page = other.new_page()
    sign_in(other_page, "yamada", "/review")
    made = other_page.request.post(
        "/api/review",
        data={"section": section, "measure": measure, "decision": "accept", "note": "先に確認"},
        headers={"X-CSRFToken": token(other_page)},
    )
    assert made.status == 201, made.text()
    other.close()
    item.locator("details.review-control > summary").click()
    item.get_by_label("理由（必須）").fill("後から確認")
    item.get_by_role("button", name="採用する").click()
    alert = item.get_by_role("alert")
    expect(alert).to_contain_text(re.compile(r"山田さんが \d{4}-\d{2}-\d{2} に採用済み：先に確認"))
    confirm = item.get_by_role("button", name="この判断を置き換えて送る")
    expect(confirm).to_be_focused()
    screenshot(page, "review-conflict")
    confirm.click()  # it is accepted already: a candidate's "accept" no longer fits
    expect(item.get_by_role("alert")).to_contain_text("候補ではないので採用できません")


def test_in_place_and_admin_pages_pass_axe(staff: Page, review_site: ReviewSite) -> None:
    page = staff
    sign_in(page, "kanri", "/admin/accounts")
    expect(page.locator("table.accounts")).to_contain_text("山田")
    assert blocking_violations(page) == []
    screenshot(page, "review-admin-accounts")
    page.get_by_label("ユーザー名（半角英小文字・数字）").fill("suzuki")
    page.get_by_label("表示名（公開サイトに判断者として表示されます）").fill("鈴木")
    page.get_by_label("初期パスワード").fill("another long password")
    page.get_by_role("button", name="追加", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("suzuki を追加しました")
    page.get_by_role("button", name="削除 suzuki").click()
    expect(page.get_by_role("status")).to_contain_text("suzuki を削除しました")

    page.goto("/page/minami/2022/measure/chiiki-no-chikara-06")
    controls = page.locator("#sections details.review-control")
    assert controls.count() > 0
    controls.first.locator("summary").click()
    expect(controls.first.get_by_label("理由（必須）")).to_be_focused()
    assert blocking_violations(page) == []
    screenshot(page, "review-measure-signed-in")

    page.goto("/sections/minami/chiiki-shinko")
    add = page.locator("details.review-add")
    add.locator("summary").click()
    add.get_by_role("button", name="関係を追加する").click()  # no note
    expect(add.get_by_role("alert")).to_have_text("理由を書いてください。")
    assert blocking_violations(page) == []
    screenshot(page, "review-section-add")

    page.goto("/matrix?section=minami/section/chiiki-shinko")
    page.locator("td.mx-candidate a[data-cell]").first.click()
    panel = page.locator("#mx-panel")
    panel.locator("details.review-control > summary").click()
    expect(panel.get_by_label("理由（必須）")).to_be_focused()
    expect(panel.get_by_role("button", name="採用する")).to_be_visible()
    assert blocking_violations(page) == []
    screenshot(page, "review-matrix-panel")

    page.get_by_role("button", name="ログアウト").click()
    page.goto("/login")
    assert blocking_violations(page) == []


def test_add_a_link_from_a_measure_page(staff: Page, review_site: ReviewSite) -> None:
    """「関係を追加」 on a measure's page: choose a section, write why; the link is there."""
    page = staff
    measure_page = "/page/minami/2022/measure/gensai-01"
    sign_in(page, "yamada", measure_page)
    add = page.locator("#sections details.review-add")
    add.locator("summary").click()
    chosen = add.locator('select[name="section"]')
    expect(chosen).to_be_focused()
    assert blocking_violations(page) == []
    screenshot(page, "review-measure-add")
    section = chosen.locator("option").first
    name, iri = section.text_content(), section.get_attribute("value")
    assert name and iri
    chosen.select_option(iri)
    note = "防災の取組の実施を担当するため"
    add.get_by_label("理由（必須）").fill(note)
    with page.expect_navigation():  # saved, the page reloads itself
        add.get_by_role("button", name="関係を追加する").click()
    page.reload()
    row = page.locator("#sections tbody tr", has=page.get_by_role("link", name=name, exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(re.compile(rf"人手で確認：山田 \d{{4}}-\d{{2}}-\d{{2}} — {note}"))
    expect(page.locator(f'#sections option[value="{iri}"]')).to_have_count(0)
    entries = tomllib.loads(review_site.overrides().decode("utf-8"))["add"]
    assert any(e.get("note") == note and e.get("reviewer") == "山田" for e in entries)
