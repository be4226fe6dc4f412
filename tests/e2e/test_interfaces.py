"""API docs and form errors in Chromium: /docs and /redoc work under the strict CSP, and a CPR
typo on /staff answers with a field error and the form as it was typed."""

from __future__ import annotations

import time
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from typer.testing import CliRunner

from connectors.simulators.seed import citizens
from gateway.audit.proofs.notes import NoteVerifier
from gateway.cli import app as cli_app
from tests.e2e.conftest import Live, assert_accessible, login, screenshot, switch_language

OPERATIONS = ("createView", "createConsent", "withdrawConsent", "accessLog")


def test_swagger_ui_lists_the_operations(page: Any, live: Live) -> None:
    page.goto(f"{live.base_url}/docs")
    # Swagger UI renders one block per operation, with its operation id in the element id.
    page.locator(".opblock").first.wait_for(timeout=30_000)  # a 1.4 MB bundle, on a busy CI
    assert page.locator(".opblock").count() >= 30
    html = page.content()
    for operation in OPERATIONS:
        assert f"operations-views-{operation}" in html or operation in html, operation
    assert "/v1/views" in page.locator(".opblock-summary-path").all_inner_texts()
    screenshot(page, "api-docs")


def test_redoc_lists_the_operations_and_the_problem_schema(page: Any, live: Live) -> None:
    page.goto(f"{live.base_url}/redoc")
    page.locator("[data-section-id^='operation/']").first.wait_for(timeout=30_000)
    sections = page.locator("[data-section-id^='operation/']")
    ids = {sections.nth(i).get_attribute("data-section-id") for i in range(sections.count())}
    for operation in OPERATIONS:
        assert f"operation/{operation}" in ids, operation
    assert "application/problem+json" in page.content()


def test_docs_pages_load_nothing_from_another_origin(live: Live) -> None:
    for path in ("/docs", "/redoc"):
        response = httpx.get(f"{live.base_url}{path}")
        assert response.status_code == 200
        assert "cdn" not in response.text.lower()
        assert "<script>" not in response.text  # no inline script: scripts are same-origin files
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe-inline' " not in csp.split("style-src")[0]


def test_cpr_typo_on_staff_keeps_the_form_and_marks_the_field(page: Any, live: Live) -> None:
    login(page, live, "sagsbehandler-jobcenter", next_path="/staff")
    page.get_by_test_id("cpr").fill("3213456789")  # day 32: right shape, impossible date
    page.get_by_test_id("purpose").select_option("tvaerfagligt_team")
    page.get_by_test_id("show-overview").click()
    error = page.get_by_test_id("cpr-error")
    error.wait_for()
    assert "Ugyldigt CPR-nummer" in error.inner_text()
    # The form is still there, as typed; the navigation too; nothing was looked up.
    assert page.get_by_test_id("cpr").input_value() == "3213456789"
    assert page.get_by_test_id("cpr").get_attribute("aria-invalid") == "true"
    assert page.get_by_test_id("purpose").input_value() == "tvaerfagligt_team"
    assert page.locator("nav").count() >= 1
    assert page.get_by_test_id("overview-result").count() == 0
    assert "Noget gik galt" not in page.content()
    assert_accessible(page)
    screenshot(page, "staff-cpr-error")
    switch_language(page)
    page.goto(f"{live.base_url}/staff")
    page.get_by_test_id("cpr").fill("3213456789")
    page.get_by_test_id("show-overview").click()
    page.get_by_test_id("cpr-error").wait_for()
    assert "Invalid CPR number" in page.get_by_test_id("cpr-error").inner_text()
    assert_accessible(page)
    screenshot(page, "staff-cpr-error")


def _log_with_receipts(page: Any, live: Live, username: str, cpr: str) -> None:
    with live.api("sagsbehandler-jobcenter") as api:
        response = api.post("/v1/views", json={"cpr": cpr, "purpose": "tvaerfagligt_team"})
        assert response.status_code == 200, response.text
    login(page, live, username, next_path="/portal/log")
    # Receipts appear once the sequencer has put the entries in a checkpoint (about 1 s).
    deadline = time.monotonic() + 15
    while page.get_by_test_id("verify-receipt").count() == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        page.reload()


def test_receipt_is_verified_in_the_browser_with_webcrypto(page: Any, live: Live) -> None:
    _log_with_receipts(page, live, "borger-3", citizens()[2].cpr)
    button = page.get_by_test_id("verify-receipt").first
    assert button.is_visible()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    button.click()
    result = page.get_by_test_id("verify-result").first
    page.wait_for_function(
        "el => el.dataset.verdict !== undefined", arg=result.element_handle(), timeout=10_000
    )
    assert result.get_attribute("data-verdict") == "ok", result.inner_text()
    assert result.inner_text().startswith("Bekræftet")
    # Only the two files were fetched: the check itself is done in the browser.
    assert sorted(u.rsplit("/", 1)[-1] for u in requests) == ["entry", "receipt"]
    assert "tvaers audit verify receipt" in page.get_by_test_id("verify-cli").text_content()
    assert_accessible(page)
    screenshot(page, "portal-receipt-verified")
    switch_language(page)
    page.get_by_test_id("verify-receipt").first.click()
    result = page.get_by_test_id("verify-result").first
    page.wait_for_function(
        "el => el.dataset.verdict === 'ok'", arg=result.element_handle(), timeout=10_000
    )
    assert result.inner_text().startswith("Verified")
    assert_accessible(page)
    screenshot(page, "portal-receipt-verified")


def test_a_tampered_entry_is_not_verified(page: Any, live: Live) -> None:
    _log_with_receipts(page, live, "borger-3", citizens()[2].cpr)

    def tamper(route: Any) -> None:
        original = route.fetch()
        body = original.body().replace(b'"outcome":"', b'"outcome":"x', 1)
        route.fulfill(response=original, body=body)

    page.route("**/portal/log/*/entry", tamper)
    page.get_by_test_id("verify-receipt").first.click()
    result = page.get_by_test_id("verify-result").first
    page.wait_for_function(
        "el => el.dataset.verdict !== undefined", arg=result.element_handle(), timeout=10_000
    )
    assert result.get_attribute("data-verdict") == "inclusion"
    assert "Ikke bekræftet" in result.inner_text()


def test_a_receipt_under_another_key_is_not_verified(page: Any, live: Live) -> None:
    _log_with_receipts(page, live, "borger-3", citizens()[2].cpr)
    # A real Ed25519 key with the log's name that did not sign the checkpoint (a swapped key).
    real = NoteVerifier.parse(page.locator("[data-log-key]").get_attribute("data-log-key"))
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    forged = str(NoteVerifier.from_public_key(real.name, other))
    page.evaluate("k => document.querySelector('[data-log-key]').dataset.logKey = k", forged)
    page.get_by_test_id("verify-receipt").first.click()
    result = page.get_by_test_id("verify-result").first
    page.wait_for_function(
        "el => el.dataset.verdict !== undefined", arg=result.element_handle(), timeout=10_000
    )
    assert result.get_attribute("data-verdict") == "signature"


def test_min_log_names_who_looked_and_filters_by_period(page: Any, live: Live) -> None:
    _log_with_receipts(page, live, "borger-3", citizens()[2].cpr)
    names = page.get_by_test_id("log-name").all_inner_texts()
    assert "Mette Sørensen" in names  # sagsbehandler-jobcenter, who looked
    rows = page.get_by_test_id("log-row").count()
    page.get_by_test_id("period").select_option("30")
    page.get_by_role("button", name="Vis", exact=True).click()
    page.wait_for_url("**/portal/log?period=30")
    assert page.get_by_test_id("log-row").count() == rows  # all of today's entries
    assert page.get_by_test_id("period").input_value() == "30"
    assert_accessible(page)
    screenshot(page, "portal-min-log")
    switch_language(page)
    assert page.get_by_test_id("period").input_value() == "30"
    assert_accessible(page)
    screenshot(page, "portal-min-log")


def test_asking_twice_shows_the_pending_request_and_my_requests_lists_it(
    page: Any, live: Live
) -> None:
    cpr = citizens()[7].cpr
    login(page, live, "koordinator-jobcenter", next_path="/staff")
    page.get_by_test_id("cpr").fill(cpr)
    page.get_by_test_id("purpose").select_option("tvaerfagligt_team")
    page.get_by_test_id("show-overview").click()
    page.get_by_test_id("overview-result").wait_for()
    page.get_by_test_id("request-consent").first.click()
    page.get_by_test_id("send-request").first.click()
    sent = page.get_by_test_id("request-sent").first
    sent.wait_for()
    assert sent.get_attribute("data-pending") == "new"
    # Asking again from a fresh overview: the pending request is shown, no new one is made.
    page.get_by_test_id("cpr").fill(cpr)
    page.get_by_test_id("show-overview").click()
    page.get_by_test_id("overview-result").wait_for()
    page.get_by_test_id("request-consent").first.click()
    page.get_by_test_id("send-request").first.click()
    again = page.get_by_test_id("request-sent").first
    again.wait_for()
    assert again.get_attribute("data-pending") == "existing"
    page.get_by_test_id("nav-requests").click()
    page.wait_for_url("**/staff/requests")
    mine = page.get_by_test_id("my-requests").get_by_test_id("request-row")
    assert mine.count() == 1 and mine.first.get_attribute("data-status") == "pending"
    assert cpr not in page.content()
    assert_accessible(page)
    screenshot(page, "staff-my-requests")
    switch_language(page)
    assert "My requests" in page.content()
    assert_accessible(page)
    screenshot(page, "staff-my-requests")


def test_accessibility_statement_is_linked_from_every_page(page: Any, live: Live) -> None:
    page.goto(f"{live.base_url}/")
    page.get_by_test_id("a11y-link").click()
    page.wait_for_url("**/tilgaengelighed")
    statement = page.get_by_test_id("accessibility-statement")
    assert "Tilgængelighedserklæring" in statement.inner_text()
    assert (
        "WCAG 2.1" in statement.inner_text()
        and "Digitaliseringsstyrelsen" in statement.inner_text()
    )
    assert_accessible(page)
    switch_language(page)
    assert "Accessibility statement" in page.get_by_test_id("accessibility-statement").inner_text()
    assert_accessible(page)


def test_the_summary_line_counts_again_after_a_successful_retry(page: Any, live: Live) -> None:
    live.set_simulator("jobcenter", fault="error500")
    try:
        login(page, live, "sagsbehandler-jobcenter", next_path="/staff")
        page.get_by_test_id("cpr").fill(citizens()[9].cpr)
        page.get_by_test_id("purpose").select_option("tvaerfagligt_team")
        page.get_by_test_id("show-overview").click()
        page.get_by_test_id("overview-result").wait_for()
        summary = page.get_by_test_id("summary")
        before = summary.inner_text()
        unavailable = page.locator("[data-testid=section][data-status=unavailable]")
        assert unavailable.count() >= 1, before
    finally:
        live.set_simulator("jobcenter", fault="none")
    category = unavailable.first.get_attribute("data-category")
    page.locator(f"[data-category='{category}'] [data-testid=retry]").click()
    page.wait_for_selector(f"[data-category='{category}']:not([data-status=unavailable])")
    after = summary.inner_text()
    assert after != before
    n_unavailable = page.locator("[data-testid=section][data-status=unavailable]").count()
    assert f"{n_unavailable} utilgængelige" in after


def test_public_key_command_works_from_anywhere_given_the_url(live: Live) -> None:
    runner = CliRunner()
    # The key comes from the running gateway, not from local settings or key files.
    result = runner.invoke(cli_app, ["audit", "public-key", "--url", live.base_url])
    assert result.exit_code == 0, result.output
    published = httpx.get(f"{live.base_url}/v1/audit/public-key").json()["verifier_key"]
    assert result.output.strip() == published
    refused = runner.invoke(cli_app, ["audit", "public-key", "--url", "ftp://example"])
    assert refused.exit_code == 2
    # A page that is not a key is refused, not printed.
    wrong = runner.invoke(cli_app, ["audit", "public-key", "--url", f"{live.base_url}/healthz#"])
    assert wrong.exit_code == 1
