"""API docs and form errors in Chromium: /docs and /redoc work under the strict CSP, and a CPR
typo on /staff answers with a field error and the form as it was typed."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.conftest import Live, assert_accessible, login, screenshot, switch_language

OPERATIONS = ("createView", "createConsent", "withdrawConsent", "accessLog")


def test_swagger_ui_lists_the_operations(page: Any, live: Live) -> None:
    page.goto(f"{live.base_url}/docs")
    # Swagger UI renders one block per operation, with its operation id in the element id.
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 30
    html = page.content()
    for operation in OPERATIONS:
        assert f"operations-views-{operation}" in html or operation in html, operation
    assert "/v1/views" in page.locator(".opblock-summary-path").all_inner_texts()


def test_redoc_lists_the_operations_and_the_problem_schema(page: Any, live: Live) -> None:
    page.goto(f"{live.base_url}/redoc")
    page.locator("[data-section-id^='operation/']").first.wait_for()
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
    assert "invalid CPR number" in page.get_by_test_id("cpr-error").inner_text()
    screenshot(page, "staff-cpr-error")
