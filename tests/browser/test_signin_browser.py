"""Signing in and out in a real browser: the form, the signed-in header, no axe violation.

Decisions are not made here: the live server runs over the session's seed store,
which no test may change (tests/test_review.py decides on stores of its own).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from minami_kg.accounts import Accounts
from minami_kg.config import Settings

from .conftest import PageErrors, blocking_violations, screenshot

PASSWORD = "correct horse battery staple"


@pytest.fixture
def reviewer(seed_settings: Settings) -> str:
    """An account in the accounts file beside the session's seed store (read per request)."""
    staff = Accounts(seed_settings.users_path)
    if staff.get("browser-reviewer") is None:
        staff.add("browser-reviewer", "reviewer", PASSWORD, "ブラウザ確認者")
    return "browser-reviewer"


def test_sign_in_and_out(page: Page, reviewer: str) -> None:
    page.goto("/login")
    assert blocking_violations(page) == []
    page.get_by_label("ユーザー名").fill(reviewer)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/")
    page.goto("/sections/minami/somu")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token and len(token) > 20
    expect(page.locator("header.site")).to_contain_text("ブラウザ確認者")
    screenshot(page, "signed-in-section")
    assert blocking_violations(page) == []
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url("**/")
    assert page.locator('meta[name="csrf-token"]').count() == 0


def test_wrong_password_stays_on_the_form(
    page: Page, page_errors: PageErrors, server_url: str, reviewer: str
) -> None:
    page_errors.expected.add(f"{server_url}/login")  # the 401 is the point
    page.goto("/login")
    page.get_by_label("ユーザー名").fill(reviewer)
    page.get_by_label("パスワード").fill("not the password")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_contain_text("パスワードが違います")
    assert blocking_violations(page) == []
