"""Consent API: validation against the catalogue, receipts, citizen isolation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from tests.harness import Harness, demo_cpr


def until(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def consent_body(cpr: str | None, **override: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "purpose": "tvaerfagligt_team",
        "categories": ["health.wellbeing"],
        "recipient_departments": ["jobcenter"],
        "valid_until": until(30),
        "collection_method": "written_form",
        "evidence_ref": "j.nr. 1",
    }
    if cpr is not None:
        body["cpr"] = cpr
    body.update(override)
    return body


async def post(gw: Harness, user: str, body: dict[str, Any]) -> Any:
    return await gw.client.post("/v1/consents", json=body, headers=await gw.auth(user))


async def test_receipt_is_a_verifiable_jws_without_cpr(gw: Harness) -> None:
    cpr = demo_cpr(0)
    response = await post(
        gw, "sagsbehandler-jobcenter", consent_body(cpr, categories=["social.services"])
    )
    assert response.status_code == 201
    receipt = response.json()["receipt"]
    keys = (await gw.client.get("/v1/consents/receipt-keys")).json()
    token = jws.deserialize_compact(receipt, KeySet.import_key_set(keys), algorithms=["Ed25519"])
    payload = json.loads(token.payload)
    assert payload["consent_id"] == response.json()["consent"]["consent_id"]
    assert payload["pii_categories"] == ["social.services"]
    assert cpr not in receipt and cpr not in token.payload.decode()
    tampered = receipt[:-4] + ("AAAA" if not receipt.endswith("AAAA") else "BBBB")
    with pytest.raises(BadSignatureError):
        jws.deserialize_compact(tampered, KeySet.import_key_set(keys), algorithms=["Ed25519"])


async def test_validation_against_the_catalogue(gw: Harness) -> None:
    cpr = demo_cpr(0)
    cases = {
        "category_not_in_purpose": consent_body(cpr, categories=["social.substance_treatment"]),
        "validity_too_long": consent_body(cpr, valid_until=until(400)),
        "unknown_purpose": consent_body(cpr, purpose="reklame"),
        "recipient_not_in_purpose": consent_body(
            cpr,
            purpose="cti_overgang",
            categories=["jobcenter.benefit"],
            recipient_departments=["health"],
        ),
        "evidence_required": consent_body(cpr, evidence_ref=None),
        "purpose_not_consent_based": consent_body(
            cpr, purpose="koordinering_kontakt", categories=["health.contact"]
        ),
        "invalid_cpr": consent_body("3213991234"),
    }
    for code, body in cases.items():
        response = await post(gw, "sagsbehandler-jobcenter", body)
        assert response.status_code == 422, (code, response.text)
        assert response.json()["code"] == code, (code, response.text)
        assert "3213991234" not in response.text


async def test_employee_cannot_claim_a_portal_consent(gw: Harness) -> None:
    response = await post(
        gw, "sagsbehandler-jobcenter", consent_body(demo_cpr(0), collection_method="citizen_portal")
    )
    assert response.status_code == 422


async def test_citizen_grants_for_themselves_only(gw: Harness) -> None:
    own = consent_body(None, collection_method="citizen_portal", evidence_ref=None)
    response = await post(gw, "borger-1", own)
    assert response.status_code == 201, response.text
    assert response.json()["consent"]["collection_method"] == "citizen_portal"
    other = consent_body(demo_cpr(1), collection_method="citizen_portal", evidence_ref=None)
    # Not their representative: refused like a CPR that does not exist (issue 14, no oracle).
    assert (await post(gw, "borger-1", other)).status_code == 404


async def test_citizens_see_and_withdraw_only_their_own(gw: Harness) -> None:
    mine = await gw.record_consent(demo_cpr(0))
    theirs = await gw.record_consent(demo_cpr(1))
    a = (await gw.client.get("/v1/me/consents", headers=await gw.auth("borger-1"))).json()["items"]
    b = (await gw.client.get("/v1/me/consents", headers=await gw.auth("borger-2"))).json()["items"]
    assert [c["consent_id"] for c in a] == [mine["consent"]["consent_id"]]
    assert [c["consent_id"] for c in b] == [theirs["consent"]["consent_id"]]
    stolen = await gw.client.post(
        f"/v1/consents/{mine['consent']['consent_id']}/withdraw", headers=await gw.auth("borger-2")
    )
    assert stolen.status_code == 404
    own = await gw.client.post(
        f"/v1/consents/{mine['consent']['consent_id']}/withdraw", headers=await gw.auth("borger-1")
    )
    assert own.status_code == 200 and own.json()["withdrawn_via"] == "citizen_portal"
    again = await gw.client.post(
        f"/v1/consents/{mine['consent']['consent_id']}/withdraw", headers=await gw.auth("borger-1")
    )
    assert again.status_code == 409
    # Employees use search (CPR in the body); citizens may not.
    assert (
        await gw.client.post(
            "/v1/consents/search", json={"cpr": demo_cpr(0)}, headers=await gw.auth("borger-2")
        )
    ).status_code == 403
    found = await gw.client.post(
        "/v1/consents/search",
        json={"cpr": demo_cpr(0)},
        headers=await gw.auth("sagsbehandler-social"),
    )
    assert [c["status"] for c in found.json()["items"]] == ["withdrawn"]


async def test_employee_outside_the_consent_cannot_withdraw_it(gw: Harness) -> None:
    consent = await gw.record_consent(demo_cpr(0), categories=["health.wellbeing"])
    # Recipients jobcenter, source health: social has nothing to do with it.
    response = await gw.client.post(
        f"/v1/consents/{consent['consent']['consent_id']}/withdraw",
        json={"evidence_ref": "x"},
        headers=await gw.auth("sagsbehandler-social"),
    )
    assert response.status_code == 404


async def test_catalogue_needs_a_token_and_has_both_languages(gw: Harness) -> None:
    assert (await gw.client.get("/v1/catalogue")).status_code == 401
    body = (await gw.client.get("/v1/catalogue", headers=await gw.auth("borger-1"))).json()
    assert len(body["purposes"]) >= 6
    statute = [p for p in body["purposes"].values() if p["basis"]["kind"] == "statute"]
    assert statute and all(p["basis"]["legal_review_required"] for p in statute)
    for purpose in body["purposes"].values():
        assert purpose["title"]["da"] and purpose["title"]["en"]
    assert body["categories"]["health.wellbeing"]["sensitivity"] == "special"


async def test_dev_users_list_demo_citizens_with_synthetic_cpr(gw: Harness) -> None:
    users = (await gw.client.get("/dev/users")).json()
    kinds = {u["kind"] for u in users}
    assert kinds == {"employee", "citizen"}
    citizens = [u for u in users if u["kind"] == "citizen"]
    assert citizens[0]["cpr"] == demo_cpr(0)
    assert (await gw.client.post("/dev/token", json={"username": "nobody"})).status_code == 404
