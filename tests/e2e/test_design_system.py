"""Det Fælles Designsystem (DKFDS) in Chromium: vendored files load under the strict CSP (a
CSP violation or page error fails every test here), its JavaScript starts from a file, the
keyboard focus is visible, and the DPO's date fields are DKFDS date pickers in dd.mm.åååå."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from tests.e2e.conftest import Live, assert_accessible, login, screenshot, switch_language


def focus_ring(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        """() => { const e = document.activeElement; const c = getComputedStyle(e);
            return {cls: e.className, tag: e.tagName, style: c.outlineStyle,
                    width: parseFloat(c.outlineWidth), shadow: c.boxShadow}; }"""
    )
    return result


def test_pages_are_dkfds_and_the_keyboard_focus_shows(page: Any, live: Live) -> None:
    login(page, live, "borger-1")
    # DKFDS's stylesheet, font (IBM Plex Sans, vendored) and script are in use.
    assert "IBM Plex Sans" in page.evaluate("getComputedStyle(document.body).fontFamily")
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px \"IBM Plex Sans\"')")
    assert page.evaluate("typeof window.DKFDS === 'object' && typeof DKFDS.init === 'function'")
    assert page.locator("header.header .portal-info").count() == 1
    assert page.locator("header.header .solution-info").count() == 1
    # Keyboard: the first Tab reaches DKFDS's skip link, then the header's controls; every
    # focused element has a visible ring (outline plus halo), not the browser default "none".
    page.keyboard.press("Tab")
    first = focus_ring(page)
    assert first["cls"] == "skipnav" and first["style"] != "none" and first["width"] >= 2
    assert page.get_by_test_id("skip-link").is_visible()
    seen = []
    for _ in range(4):
        page.keyboard.press("Tab")
        ring = focus_ring(page)
        assert ring["style"] != "none" and ring["width"] >= 2, ring
        assert ring["shadow"] != "none", ring
        seen.append(ring["tag"])
    assert "BUTTON" in seen and "A" in seen
    assert_accessible(page)
    # The menu stays whole at every width (no items moved into a script-made "Mere" menu).
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(200)
        assert page.locator(".more-option").count() == 0
        for item in ("nav-consents", "nav-log", "nav-inbox"):
            assert page.get_by_test_id(item).count() == 1 and page.get_by_test_id(item).is_visible()


def test_dpo_date_fields_are_danish_date_pickers(page: Any, live: Live) -> None:
    login(page, live, "dpo", next_path="/staff/dpo")
    picker = page.locator(".date-picker.date-picker--initialized")
    assert picker.count() == 2  # DKFDS.init() ran (from /static/js/dkfds-init.js)
    since = page.locator("#f-since")
    assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", since.input_value())
    assert page.locator(".date-picker__button").count() == 2  # the calendar buttons
    day = datetime.now() - timedelta(days=3)
    typed = day.strftime("%d.%m.%Y")
    since.fill(typed)
    page.get_by_test_id("filter-submit").click()
    page.wait_for_load_state()
    assert page.locator("#f-since").input_value() == typed
    assert page.get_by_test_id("results").is_visible()
    assert_accessible(page)
    # The calendar button opens DKFDS's calendar, a labelled modal dialog.
    page.locator(".date-picker__button").first.click()
    page.wait_for_function("!document.querySelector('.date-picker .dialog-wrapper').hidden")
    dialog = page.locator(".date-picker .dialog-wrapper").first
    assert dialog.get_attribute("role") == "dialog" and dialog.get_attribute("aria-label")
    page.keyboard.press("Escape")
    screenshot(page, "staff-dpo-dates")
    switch_language(page)
    assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", page.locator("#f-since").input_value())
    assert_accessible(page)


def test_accessibility_statement_has_the_model_sections_and_the_contact(
    page: Any, live: Live
) -> None:
    page.goto(f"{live.base_url}/tilgaengelighed")
    statement = page.get_by_test_id("accessibility-statement")
    headings = statement.locator("h2").all_inner_texts()
    assert headings == [
        "Overholdelsesstatus",
        "Ikke-tilgængeligt indhold",
        "Udarbejdelse af denne tilgængelighedserklæring",
        "Feedback og kontaktoplysninger",
        "Håndhævelsesprocedure",
    ]
    assert "Digitaliseringsstyrelsen" in statement.inner_text()
    # The live server has no contact configured: the page says so instead of inventing one.
    assert page.get_by_test_id("a11y-contact-missing").is_visible()
    assert_accessible(page)
    screenshot(page, "a11y-statement")
    switch_language(page)
    assert page.get_by_test_id("accessibility-statement").locator("h2").first.inner_text() == (
        "Compliance status"
    )
    assert_accessible(page)
    screenshot(page, "a11y-statement")
