"""The citizen portal in Chromium: the acceptance walk of issue 4.

Log in as a demo citizen, approve a request created through the API, see it listed, revoke
it, check that a view requested through the API right after is withheld, see both accesses in
Min log; switch to English and back; a second citizen cannot reach the first's consent by URL.
Every page is checked with axe-core and photographed (Danish and English, 320 px and 1280 px).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.simulators.seed import citizens
from tests.e2e.conftest import (
    Live,
    assert_accessible,
    current_lang,
    login,
    screenshot,
    switch_language,
)

CPR_1 = citizens()[0].cpr


def check(page: Any, name: str) -> None:
    """axe in both languages, screenshots in both languages and widths; back to Danish."""
    assert current_lang(page) == "da"
    assert_accessible(page)
    screenshot(page, name)
    switch_language(page)
    assert current_lang(page) == "en"
    assert_accessible(page)
    screenshot(page, name)
    switch_language(page)
    assert current_lang(page) == "da"


def create_request(live: Live) -> str:
    with live.api("sagsbehandler-jobcenter") as api:
        response = api.post(
            "/v1/consent-requests",
            json={
                "cpr": CPR_1,
                "purpose": "tvaerfagligt_team",
                "categories": ["health.wellbeing", "social.services", "jobcenter.plan"],
                "recipient_departments": ["jobcenter"],
                "valid_until": (datetime.now(UTC) + timedelta(days=180)).isoformat(),
                "message": "Hej. Før vores møde vil jeg gerne se, hvordan du har det, og hvilken "
                "støtte du får fra kommunen. Du bestemmer selv.",
            },
        )
        assert response.status_code == 201, response.text
        return str(response.json()["request_id"])


def view_sections(live: Live) -> dict[str, str]:
    with live.api("sagsbehandler-jobcenter") as api:
        response = api.post("/v1/views", json={"cpr": CPR_1, "purpose": "tvaerfagligt_team"})
        assert response.status_code == 200, response.text
        return {s["category"]: s["status"] for s in response.json()["sections"]}


def test_citizen_walk(page: Any, live: Live) -> None:
    request_id = create_request(live)
    page.goto(live.base_url + "/")
    check(page, "01-front")
    page.get_by_test_id("login-citizen").click()
    page.wait_for_url("**/dev/authorize?**")
    check(page, "02-login")
    page.get_by_test_id("choose-borger-1").click()
    page.wait_for_url(f"{live.base_url}/portal")
    assert page.get_by_test_id("pending-request").count() == 1
    check(page, "03-overview-pending")

    page.get_by_test_id("answer-request").click()
    page.wait_for_url(f"**/portal/requests/{request_id}")
    assert "Du bestemmer selv" in page.get_by_test_id("request-message").inner_text()
    check(page, "04-request")
    page.get_by_test_id("approve").click()
    page.wait_for_url("**/portal/consents/*")
    consent_url = page.url
    assert "registreret" in page.get_by_test_id("flash").inner_text()
    assert page.get_by_test_id("status").inner_text() == "Gælder"
    with live.api("sagsbehandler-jobcenter") as api:
        outcome = api.get(f"/v1/consent-requests/{request_id}").json()
    assert outcome["status"] == "approved"

    # The approved consent shows up in the overview, in plain words.
    page.get_by_test_id("nav-consents").click()
    page.wait_for_url(f"{live.base_url}/portal")
    assert page.get_by_test_id("pending-request").count() == 0
    assert page.get_by_test_id("consent-card").count() == 1
    check(page, "05-overview-consent")

    # A caseworker's view while the consent holds: granted.
    assert view_sections(live)["health.wellbeing"] == "granted"

    page.goto(consent_url)
    check(page, "06-consent")
    page.get_by_test_id("receipt-print").click()
    page.wait_for_url("**/print")
    assert page.get_by_test_id("jws").inner_text().count(".") == 2
    check(page, "07-receipt-print")
    page.goto(consent_url)

    # Revoke with a confirmation step (htmx swaps it in), then the result is visible at once.
    page.get_by_test_id("revoke").click()
    page.get_by_test_id("revoke-confirm").wait_for()
    assert_accessible(page)
    screenshot(page, "08-revoke-confirm")
    page.get_by_test_id("revoke-yes").click()
    page.wait_for_url(consent_url)
    assert page.get_by_test_id("status").inner_text() == "Tilbagekaldt"
    assert page.get_by_test_id("flash").is_visible()
    check(page, "09-revoked")

    # Right after: the API's view is withheld.
    sections = view_sections(live)
    assert sections["health.wellbeing"] == "withheld"
    assert sections["social.services"] == "withheld"

    # Min log shows both accesses: one shown, one withheld.
    page.get_by_test_id("nav-log").click()
    page.wait_for_url(f"{live.base_url}/portal/log")
    views = page.locator('[data-testid="log-row"][data-action="view.read"]')
    assert views.count() == 2
    assert page.locator('[data-action="view.read"] [data-testid="withheld"]').count() >= 1
    assert "Jobcenter" in views.first.inner_text()
    # Receipts appear once the sequencer has put the entries in a checkpoint (about 1 s).
    deadline = time.monotonic() + 15
    while page.get_by_test_id("log-receipt").count() == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        page.reload()
    assert page.get_by_test_id("log-receipt").count() >= 2
    with page.expect_download() as download:
        page.get_by_test_id("log-receipt").first.click()
    assert download.value.suggested_filename.startswith("tvaers-")
    check(page, "10-min-log")


def test_second_citizen_cannot_reach_first_by_url(page: Any, live: Live) -> None:
    with live.api("sagsbehandler-jobcenter") as api:
        response = api.post(
            "/v1/consents",
            json={
                "cpr": CPR_1,
                "purpose": "tvaerfagligt_team",
                "categories": ["social.services"],
                "recipient_departments": ["jobcenter"],
                "valid_until": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
                "collection_method": "written_form",
                "evidence_ref": "Samtykkeerklæring j.nr. 2026-0042",
            },
        )
        consent_id = response.json()["consent"]["consent_id"]
    login(page, live, "borger-2")
    assert consent_id not in page.content()
    for path in ("", "/print", "/revoke"):
        response = page.goto(f"{live.base_url}/portal/consents/{consent_id}{path}")
        assert response is not None and response.status == 404
        assert page.get_by_test_id("error-message").is_visible()
    assert_accessible(page)
    screenshot(page, "11-not-found")


def test_narrow_screen_walk(narrow_page: Any, live: Live) -> None:
    login(narrow_page, live, "borger-3")
    width = narrow_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"page scrolls sideways at 320 px ({width} px)"
    narrow_page.get_by_test_id("nav-log").click()
    narrow_page.wait_for_url("**/portal/log")
    assert narrow_page.evaluate("document.documentElement.scrollWidth") <= 320
    # Keyboard: the skip link is the first stop and is visible when focused.
    narrow_page.keyboard.press("Tab")
    focused = narrow_page.evaluate("document.activeElement.className")
    assert focused == "skipnav"
