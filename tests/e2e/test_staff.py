"""Staff console in Chromium: the caseworker's overview and the DPO's audit console."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from connectors.simulators.seed import citizens
from gateway.cli import app as cli_app
from tests.e2e.conftest import Live, assert_accessible, login, screenshot, switch_language

# A seeded citizen outside the demo trio, so the portal's tests see their own data only.
CITIZEN = citizens()[2].cpr  # borger-3: health data needs the citizen's own consent
CASEWORKER = "sagsbehandler-jobcenter"
CATALOGUE = json.loads(
    (Path(__file__).resolve().parents[2] / "policies" / "catalogue" / "data.json").read_text(
        encoding="utf-8"
    )
)
SNOOPER = "vikar-jobcenter"


def partial_consent(live: Live) -> str:
    """Consent to wellbeing and social measures only: contacts stay withheld."""
    with live.api("borger-3") as api:
        response = api.post(
            "/v1/consents",
            json={
                "purpose": "tvaerfagligt_team",
                "categories": ["health.wellbeing", "social.services"],
                "recipient_departments": ["jobcenter"],
                "valid_until": (datetime.now(UTC) + timedelta(days=60)).isoformat(),
                "collection_method": "citizen_portal",
            },
        )
        assert response.status_code == 201, response.text
        consent_id: str = response.json()["consent"]["consent_id"]
        return consent_id


def request_ids(live: Live) -> set[str]:
    """The caseworker's consent requests (the live server is shared by the package's tests)."""
    with live.api(CASEWORKER) as api:
        body = api.get("/v1/consent-requests").json()
    return {r["request_id"] for r in (body["items"] if isinstance(body, dict) else body)}


def open_overview(page: Any, live: Live) -> None:
    login(page, live, CASEWORKER, next_path="/staff")
    page.get_by_test_id("cpr").fill(CITIZEN)
    page.get_by_test_id("purpose").select_option("tvaerfagligt_team")
    page.get_by_test_id("show-overview").click()
    page.get_by_test_id("overview-result").wait_for()


def test_caseworker_sees_granted_and_withheld_and_requests_consent(page: Any, live: Live) -> None:
    consent_id = partial_consent(live)
    open_overview(page, live)
    assert CITIZEN not in page.url
    granted = page.locator("[data-testid=section][data-status=granted]")
    withheld = page.locator("[data-testid=section][data-status=withheld]")
    wellbeing = page.locator("[data-category='health.wellbeing']")
    assert wellbeing.get_attribute("data-status") == "granted"
    assert consent_id in wellbeing.get_by_test_id("basis").inner_text()
    status = {
        c: page.locator(f"[data-category='{c}']").get_attribute("data-status")
        for c in ("jobcenter.plan", "health.contact")
    }
    assert status == {"jobcenter.plan": "granted", "health.contact": "withheld"}
    assert granted.count() >= 4
    assert withheld.count() == 2
    # The WHO-5 trend is drawn by Chart.js from the page's JSON (no inline script).
    page.wait_for_selector("canvas[data-chart=who5][data-drawn='1']")
    assert "samtykke" in withheld.first.inner_text().lower()
    assert_accessible(page)
    # Saved under test-artifacts/screenshots/ (make screenshots copies some to docs/).
    screenshot(page, "staff-overview")

    # A withheld section's button asks for what THAT section needs, shown before sending.
    titles = {c: v["title"]["da"] for c, v in CATALOGUE["categories"].items()}
    section = page.locator("[data-testid=section][data-category='health.contact']")
    covers = section.get_by_test_id("request-covers").inner_text()
    assert titles["health.contact"] in covers and titles["social.contact"] not in covers
    before = request_ids(live)
    section.get_by_test_id("request-consent").click()
    preview = section.get_by_test_id("request-preview")
    preview.wait_for()
    needed = preview.get_by_test_id("preview-categories").locator("li")
    assert needed.count() == 1
    assert needed.first.get_attribute("data-category") == "health.contact"
    # The fields the purpose needs from it (catalogue), the purpose and who may see it.
    assert "Navn" in needed.first.inner_text() and "Telefon" in needed.first.inner_text()
    assert CATALOGUE["purposes"]["tvaerfagligt_team"]["title"]["da"] in preview.inner_text()
    # The other withheld category is offered, not chosen.
    also = preview.get_by_test_id("preview-also")
    assert also.count() == 1 and also.first.get_attribute("data-category") == "social.contact"
    assert not also.first.is_checked()
    assert request_ids(live) == before  # the preview sent nothing
    assert_accessible(page)
    screenshot(page, "staff-request-preview")
    preview.get_by_test_id("send-request").click()
    section.get_by_test_id("request-sent").wait_for()
    with live.api(CASEWORKER) as api:
        mine = api.get("/v1/consent-requests").json()
    items = mine["items"] if isinstance(mine, dict) else mine
    (latest,) = [r for r in items if r["request_id"] not in before]
    assert latest["categories"] == ["health.contact"]
    assert latest["purpose"] == "tvaerfagligt_team"
    assert latest["status"] == "pending"
    screenshot(page, "staff-overview-requested")


def test_dpo_finds_the_access_sees_the_anomaly_exports_and_verifies(
    page: Any, live: Live, tmp_path: Path
) -> None:
    with live.api("dpo") as dpo:
        assert dpo.post("/v1/audit/demo/snooping-pattern").status_code == 201
    with live.api(CASEWORKER) as api:
        viewed = api.post("/v1/views", json={"cpr": CITIZEN, "purpose": "tvaerfagligt_team"})
        assert viewed.status_code == 200
        request_id = viewed.json()["request_id"]

    login(page, live, "dpo", next_path="/staff/dpo")
    anomaly = page.locator(f"[data-testid=anomaly][data-actor={SNOOPER}][data-kind=many_citizens]")
    assert "24" in anomaly.inner_text()
    assert page.locator(f"[data-testid=anomaly][data-actor={SNOOPER}]").count() >= 3

    page.get_by_test_id("filter-cpr").fill(CITIZEN)
    page.get_by_test_id("filter-submit").click()
    page.get_by_test_id("citizen-active").wait_for()
    assert CITIZEN not in page.content()
    assert page.locator(f"[data-testid=entry][data-request-id='{request_id}']").count() == 1
    page.wait_for_selector("canvas[data-chart=by_department][data-drawn='1']")
    assert_accessible(page)
    screenshot(page, "staff-dpo")

    with page.expect_download() as csv_download:
        page.get_by_test_id("export-csv").click()
    raw = Path(csv_download.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw[3:].decode("utf-8")
    assert text.splitlines()[0].startswith("tidspunkt_koebenhavn;")
    assert request_id in text
    assert CITIZEN not in text

    with page.expect_download() as zip_download:
        page.get_by_test_id("export-signed").click()
    with zipfile.ZipFile(io.BytesIO(Path(zip_download.value.path()).read_bytes())) as archive:
        archive.extractall(tmp_path)
    export = tmp_path / "tvaers-audit-export"
    selection = json.loads((export / "selection.json").read_text(encoding="utf-8"))
    assert selection["selected_entries"] >= 1
    with live.api("dpo") as dpo:
        key = dpo.get("/v1/audit/public-key").json()["verifier_key"]
    verdict = CliRunner().invoke(
        cli_app, ["audit", "verify", "full", "--export", str(export), "--key", key]
    )
    assert verdict.exit_code == 0, verdict.output
    # Entries outside the filter are hashes in the export, not deleted entries: said so.
    outside = selection["entries_outside_selection"]
    assert outside >= 1
    assert f"{outside} uden for udvalget, kun som hash" in verdict.output
    assert f"{outside} outside the selection, as hashes only" in verdict.output
    assert "slettet indhold" not in verdict.output

    assert "I orden" in page.get_by_test_id("signature-status").inner_text()
    page.get_by_test_id("verify-now").click()
    page.get_by_test_id("verify-ok").wait_for(timeout=30_000)
    screenshot(page, "staff-dpo-verified")

    switch_language(page)
    assert page.get_by_role("heading", name="Audit log").count() == 1
    assert_accessible(page)
    screenshot(page, "staff-dpo")
    switch_language(page)


def test_caseworker_and_citizen_are_refused_the_dpo_console(page: Any, live: Live) -> None:
    page.goto(f"{live.base_url}/staff/dpo")
    assert "/dev/authorize" in page.url  # anonymous: sent to the login
    login(page, live, CASEWORKER, next_path="/staff")
    response = page.goto(f"{live.base_url}/staff/dpo")
    assert response is not None
    assert response.status == 403
    assert "ikke adgang" in page.content()
    assert page.get_by_test_id("nav-dpo").count() == 0
    assert_accessible(page)


def test_citizen_is_refused_the_staff_pages(page: Any, live: Live) -> None:
    login(page, live, "borger-3")
    for path in ("/staff", "/staff/dpo"):
        response = page.goto(f"{live.base_url}{path}")
        assert response is not None
        assert response.status == 403
