"""Smoke test of the browser foundation: login page, CSP-clean pages, axe, screenshots."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Live, assert_accessible, login, screenshot, switch_language


def test_front_page_and_login(page: Any, live: Live) -> None:
    page.goto(live.base_url + "/")
    assert page.evaluate("document.documentElement.lang") == "da"
    assert_accessible(page)
    screenshot(page, "front")
    page.goto(f"{live.base_url}/auth/login?next=/portal")
    assert_accessible(page)
    screenshot(page, "login-choose")
    page.get_by_test_id("choose-borger-1").click()
    page.wait_for_url(f"{live.base_url}/portal")
    switch_language(page)
    assert page.evaluate("document.documentElement.lang") == "en"
    switch_language(page)
    assert page.evaluate("document.documentElement.lang") == "da"


def test_login_helper(page: Any, live: Live) -> None:
    login(page, live, "borger-2")
    assert page.url.endswith("/portal")
