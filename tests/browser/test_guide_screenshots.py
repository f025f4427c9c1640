"""The pictures of the staff guide (docs/staff-guide.ja.md), taken from the running site.

Each page is opened in Chromium at a fixed window (1280×800, Japanese), checked
for what the guide says is there, and saved as a screenshot of the window (not
the whole page) to test-artifacts/screenshots/guide-*.png. With
MINAMI_KG_UPDATE_GUIDE_IMAGES=1 the same pictures, shrunk to a 256-colour
palette, are also written to docs/images/, which the guide shows:

    MINAMI_KG_UPDATE_GUIDE_IMAGES=1 .venv/bin/pytest tests/browser/test_guide_screenshots.py

Plans and the year-over-year diff need two years of one ward; they are taken on
a store built from the fixture ward 架空区 (tests/fixtures/years), as the seed
has one plan.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from minami_kg.accounts import Accounts
from minami_kg.build import build
from minami_kg.config import PROJECT_ROOT, Settings

from ..conftest import FIXTURES, settings_for
from ..w3c.server import live_server
from .conftest import SCREENSHOTS, SEEDED_RANDOM, PageErrors, blocking_violations, screenshot

GUIDE_IMAGES = PROJECT_ROOT / "docs" / "images"
UPDATE = os.environ.get("MINAMI_KG_UPDATE_GUIDE_IMAGES") == "1"
VIEWPORT = {"width": 1280, "height": 800}
MAX_BYTES = 200_000

SECTION = "minami/section/kodomo-katei-shien"
OTHER_SECTION = "minami/section/koseki"
LINK = "minami/2022/contribution/chiiki-shinko/nigiwai-01"


@pytest.fixture(scope="module")
def years_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over the two years of the fixture ward 架空区."""
    settings = settings_for(tmp_path_factory.mktemp("guide-years") / "store")
    build(settings, FIXTURES / "years")
    with live_server(settings.store) as url:
        yield url


@pytest.fixture
def window(browser: Browser, page_errors: PageErrors) -> Iterator[Callable[[str], Page]]:
    """A function opening a fresh 1280×800 Japanese page on a given server."""
    contexts = []

    def open_on(base_url: str) -> Page:
        context = browser.new_context(base_url=base_url, locale="ja-JP", viewport=VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        page.on("console", page_errors.on_console)
        page.on("pageerror", page_errors.on_page_error)
        return page

    yield open_on
    for context in contexts:
        context.close()
    assert not page_errors.messages, "\n".join(page_errors.messages)


def picture(page: Page, name: str) -> Path:
    """Save the window as test-artifacts/screenshots/guide-NAME.png (and docs/images/NAME.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    artifact = SCREENSHOTS / f"guide-{name}.png"
    png = page.screenshot(path=str(artifact))
    small = shrink(png)
    assert len(small) < MAX_BYTES, f"{name}: {len(small)} bytes"
    if UPDATE:
        (GUIDE_IMAGES / f"{name}.png").write_bytes(small)
    return artifact


def shrink(png: bytes) -> bytes:
    """The screenshot in a 256-colour palette: a third of the size, the same to the eye."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
    return out.getvalue()


def test_home(window: Callable[[str], Page], server_url: str) -> None:
    page = window(server_url)
    page.goto("/")
    expect(page.get_by_role("link", name="ヘルプ")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("南区")
    picture(page, "home")


def test_search(window: Callable[[str], Page], server_url: str) -> None:
    page = window(server_url)
    page.goto("/")
    page.get_by_role("searchbox", name="検索").fill("こども")
    page.get_by_role("searchbox", name="検索").press("Enter")
    expect(page.locator("mark").first).to_be_visible()
    picture(page, "search")


def test_graph(window: Callable[[str], Page], server_url: str) -> None:
    page = window(server_url)
    page.add_init_script(SEEDED_RANDOM)
    page.goto(f"/graph?focus=http://127.0.0.1:8000/id/{SECTION}")
    page.wait_for_function("() => document.getElementById('graph-app').dataset.state === 'ready'")
    picture(page, "graph")


def test_matrix_and_its_downloads(window: Callable[[str], Page], server_url: str) -> None:
    page = window(server_url)
    page.goto("/matrix")
    expect(page.get_by_role("link", name="Excel").first).to_be_visible()
    picture(page, "matrix")


def test_section(window: Callable[[str], Page], server_url: str) -> None:
    page = window(server_url)
    page.goto("/sections/minami/kodomo-katei-shien")
    expect(page.locator("h1")).to_contain_text("こども家庭支援課")
    picture(page, "section")


def test_compare(window: Callable[[str], Page], server_url: str) -> None:
    page = window(server_url)
    page.goto(f"/compare?a={SECTION}&b={OTHER_SECTION}")
    expect(page.locator("main")).to_contain_text("戸籍課")
    picture(page, "compare")


def test_a_links_evidence(window: Callable[[str], Page], server_url: str) -> None:
    page = window(server_url)
    page.goto(f"/page/{LINK}")
    expect(page.locator("main")).to_contain_text("区民まつり")
    picture(page, "contribution")


def test_source_view(window: Callable[[str], Page], server_url: str) -> None:
    page = window(server_url)
    page.goto("/source/minami/2022?hl=71#L71")
    expect(page.locator("#L71")).to_be_visible()
    picture(page, "source")


def test_plans(window: Callable[[str], Page], years_url: str) -> None:
    page = window(years_url)
    page.goto("/plans")
    expect(page.locator("main")).to_contain_text("2024")
    picture(page, "plans")


def test_diff(window: Callable[[str], Page], years_url: str) -> None:
    page = window(years_url)
    page.goto("/diff/kaku/2023/2024")
    expect(page.locator("h1")).to_be_visible()
    picture(page, "diff")


def test_review_queue(
    window: Callable[[str], Page], server_url: str, seed_settings: Settings
) -> None:
    """The queue a signed-in reviewer sees, the first candidate's note open (nothing sent)."""
    staff = Accounts(seed_settings.users_path)
    if staff.get("guide-reviewer") is None:
        staff.add("guide-reviewer", "reviewer", "correct horse battery staple", "山田")
    page = window(server_url)
    page.goto("/login?next=/review")
    page.get_by_label("ユーザー名").fill("guide-reviewer")
    page.get_by_label("パスワード").fill("correct horse battery staple")
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/review")
    expect(page.locator("#rq-progress")).to_contain_text("件を確認")
    page.keyboard.press("a")
    page.locator(".rq-item").first.get_by_label("理由（必須）").fill(
        "目標の文と取組の内容が一致する"
    )
    picture(page, "review-queue")


def test_help_page(window: Callable[[str], Page], server_url: str) -> None:
    page = window(server_url)
    page.goto("/")
    page.get_by_role("link", name="ヘルプ").click()
    expect(page).to_have_url(f"{server_url}/docs/staff-guide.ja")
    expect(page.locator("h1")).to_contain_text("職員向けガイド")
    expect(page.locator("article.doc img").first).to_be_visible()
    assert blocking_violations(page) == []
    screenshot(page, "guide-help")


def test_every_picture_the_guide_shows_is_taken_here() -> None:
    """So that MINAMI_KG_UPDATE_GUIDE_IMAGES=1 renews every screenshot the guide shows."""
    guide = (PROJECT_ROOT / "docs" / "staff-guide.ja.md").read_text(encoding="utf-8")
    shown = {part.split(".png)", 1)[0] for part in guide.split("](images/")[1:] if ".png)" in part}
    assert shown == set(PICTURES)


PICTURES = (
    "home", "search", "graph", "matrix", "section", "compare", "contribution", "source",
    "plans", "diff", "review-queue",
)  # fmt: skip
"""The names `picture` is called with above."""
