"""Representation (issue 14 item 4): a værge / fuldmægtig grants and withdraws within their
authority, is refused outside it (404, no oracle), and the represented citizen's Min log shows
who acted under which authority."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jws
from joserfc.jwk import KeySet

from gateway.consent.representation import Authority, Representation, StaticRepresentationSource
from gateway.devtools.demo_representatives import DEMO_REPRESENTATIVE
from tests.harness import Harness, demo_cpr

REP = DEMO_REPRESENTATIVE
FULDMAGT = demo_cpr(0)  # fuldmagt: tvaerfagligt_team and rehabiliteringsteam
VAERGE = demo_cpr(1)  # værgemål: every purpose
EXPIRED = demo_cpr(2)  # fuldmagt that ended yesterday
REP_CPR = demo_cpr(3)  # the representative's own


def body(cpr: str, **override: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "cpr": cpr,
        "purpose": "tvaerfagligt_team",
        "categories": ["health.wellbeing"],
        "recipient_departments": ["jobcenter"],
        "valid_until": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "collection_method": "citizen_portal",
    }
    result.update(override)
    return result


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def grant(gw: Harness, payload: dict[str, Any], user: str = REP) -> Any:
    return await gw.client.post("/v1/consents", json=payload, headers=await gw.auth(user))


async def min_log(gw: Harness, cpr: str) -> list[dict[str, Any]]:
    headers = await gw.citizen_auth(cpr)
    response = await gw.client.get("/v1/me/access-log", headers=headers)
    assert response.status_code == 200, response.text
    return [item["entry"] for item in response.json()["items"] if item["entry"]]


async def test_represented_lists_authorities_in_force_only(gw: Harness) -> None:
    response = await gw.client.get("/v1/me/represented", headers=await gw.auth(REP))
    assert response.status_code == 200, response.text
    items = {i["cpr"]: i for i in response.json()["items"]}
    assert set(items) == {FULDMAGT, VAERGE}  # the expired one is not offered
    assert items[FULDMAGT]["kind"] == "fuldmagt"
    assert items[FULDMAGT]["purposes"] == ["rehabiliteringsteam", "tvaerfagligt_team"]
    assert items[VAERGE]["kind"] == "vaerge" and items[VAERGE]["purposes"] is None
    # Nobody else represents anybody; employees are not citizens.
    other = await gw.client.get("/v1/me/represented", headers=await gw.citizen_auth(FULDMAGT))
    assert other.json()["items"] == []
    staff = await gw.client.get("/v1/me/represented", headers=await gw.auth("dpo"))
    assert staff.status_code in (401, 403)


async def test_grant_and_withdraw_within_authority_are_recorded_everywhere(gw: Harness) -> None:
    created = await grant(gw, body(FULDMAGT))
    assert created.status_code == 201, created.text
    consent = created.json()["consent"]
    acted = consent["granted_by_representative"]
    assert acted["representative"] == REP
    assert acted["kind"] == "fuldmagt"
    assert acted["authority_ref"] == "DF-DEMO-0001"
    assert acted["authority_valid_until"]

    # The receipt: signed, names the representative and the authority, holds no CPR.
    receipt = created.json()["receipt"]
    keys = (await gw.client.get("/v1/consents/receipt-keys")).json()
    token = jws.deserialize_compact(receipt, KeySet.import_key_set(keys), algorithms=["Ed25519"])
    payload = json.loads(token.payload)
    assert payload["representation"]["authority_ref"] == "DF-DEMO-0001"
    assert payload["representation"]["representative"] == REP
    assert instant(payload["representation"]["authority_valid_until"]) == instant(
        acted["authority_valid_until"]
    )
    for cpr in (FULDMAGT, REP_CPR):
        assert cpr not in token.payload.decode()

    # The consent belongs to the represented citizen, not to the representative.
    theirs = await gw.client.get("/v1/me/consents", headers=await gw.citizen_auth(FULDMAGT))
    assert [c["consent_id"] for c in theirs.json()["items"]] == [consent["consent_id"]]
    mine = await gw.client.get("/v1/me/consents", headers=await gw.auth(REP))
    assert mine.json()["items"] == []

    # It is a basis for the jobcenter view.
    view = await gw.client.post(
        "/v1/views",
        json={"cpr": FULDMAGT, "purpose": "tvaerfagligt_team", "categories": ["health.wellbeing"]},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert view.json()["sections"][0]["status"] == "granted"

    withdrawn = await gw.client.post(
        f"/v1/consents/{consent['consent_id']}/withdraw", json={}, headers=await gw.auth(REP)
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["withdrawn_by_representative"]["authority_ref"] == "DF-DEMO-0001"

    # The represented citizen's Min log shows both actions, by the representative, under the
    # authority, with its expiry; no CPR in any entry.
    entries = await min_log(gw, FULDMAGT)
    by_action = {e["action"]: e for e in entries if e["action"].startswith("consent.")}
    for action in ("consent.create", "consent.withdraw"):
        entry = by_action[action]
        assert entry["actor"]["user_id"] == REP
        assert entry["representation"]["kind"] == "fuldmagt"
        assert entry["representation"]["authority_ref"] == "DF-DEMO-0001"
        assert instant(entry["representation"]["authority_valid_until"]) == instant(
            acted["authority_valid_until"]
        )
        assert FULDMAGT not in json.dumps(entry) and REP_CPR not in json.dumps(entry)


async def test_guardian_covers_every_purpose(gw: Harness) -> None:
    created = await grant(
        gw,
        body(
            VAERGE,
            purpose="cti_overgang",
            categories=["jobcenter.benefit"],
            recipient_departments=["social"],
        ),
    )
    assert created.status_code == 201, created.text
    assert created.json()["consent"]["granted_by_representative"]["kind"] == "vaerge"


async def test_refused_outside_authority_with_one_answer(gw: Harness) -> None:
    outside = {
        # The fuldmagt covers other purposes.
        "other_purpose": body(
            FULDMAGT,
            purpose="cti_overgang",
            categories=["jobcenter.benefit"],
            recipient_departments=["social"],
        ),
        "expired_authority": body(EXPIRED),
        # Probing: a seeded citizen the caller does not represent, and a valid unknown CPR.
        "not_represented": body(demo_cpr(4)),
        "unknown_cpr": body("0101800003"),
    }
    answers = set()
    for name, payload in outside.items():
        response = await grant(gw, payload)
        assert response.status_code == 404, (name, response.text)
        problem = response.json()
        answers.add((problem["code"], problem["title"], problem["detail"]))
        assert payload["cpr"] not in response.text
    assert len(answers) == 1, answers  # no oracle: every refusal looks the same
    for cpr in (FULDMAGT, EXPIRED, demo_cpr(4)):
        listed = await gw.client.get("/v1/me/consents", headers=await gw.citizen_auth(cpr))
        assert listed.json()["items"] == []


async def test_consent_may_not_outlast_the_authority(gw: Harness) -> None:
    now = datetime.now(UTC)
    short = Authority(
        reference="DF-TEST-SHORT",
        kind="fuldmagt",
        representative_cpr=REP_CPR,
        represented_cpr=FULDMAGT,
        represented_name="Test",
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=10),
        purposes=frozenset({"tvaerfagligt_team"}),
    )
    gw.services.representation = Representation(StaticRepresentationSource([short]))
    response = await grant(gw, body(FULDMAGT))  # 30 days
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "beyond_authority"
    nine_days = (now + timedelta(days=9)).isoformat()
    created = await grant(gw, body(FULDMAGT, valid_until=nine_days))
    assert created.status_code == 201, created.text

    # An authority that allows granting only does not let the representative withdraw.
    grant_only = dataclasses.replace(short, actions=frozenset({"grant"}))
    gw.services.representation = Representation(StaticRepresentationSource([grant_only]))
    consent_id = created.json()["consent"]["consent_id"]
    refused = await gw.client.post(
        f"/v1/consents/{consent_id}/withdraw", json={}, headers=await gw.auth(REP)
    )
    assert refused.status_code == 404, refused.text


async def test_withdraw_refused_outside_authority(gw: Harness) -> None:
    # The citizen's own consent for a purpose the fuldmagt does not cover.
    own = await gw.client.post(
        "/v1/consents",
        json=body(
            FULDMAGT,
            purpose="cti_overgang",
            categories=["jobcenter.benefit"],
            recipient_departments=["social"],
        ),
        headers=await gw.citizen_auth(FULDMAGT),
    )
    assert own.status_code == 201, own.text
    # A consent of the citizen whose fuldmagt has expired.
    expired = await gw.client.post(
        "/v1/consents", json=body(EXPIRED), headers=await gw.citizen_auth(EXPIRED)
    )
    assert expired.status_code == 201, expired.text
    for consent_id in (
        own.json()["consent"]["consent_id"],
        expired.json()["consent"]["consent_id"],
    ):
        response = await gw.client.post(
            f"/v1/consents/{consent_id}/withdraw", json={}, headers=await gw.auth(REP)
        )
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "consent_not_found"
    for cpr in (FULDMAGT, EXPIRED):
        listed = await gw.client.get("/v1/me/consents", headers=await gw.citizen_auth(cpr))
        assert {c["status"] for c in listed.json()["items"]} == {"active"}


async def test_represented_consents_are_limited_to_the_authority(gw: Harness) -> None:
    cti = body(
        FULDMAGT,
        purpose="cti_overgang",
        categories=["jobcenter.benefit"],
        recipient_departments=["social"],
    )
    own = await gw.client.post("/v1/consents", json=cti, headers=await gw.citizen_auth(FULDMAGT))
    assert own.status_code == 201
    team = await grant(gw, body(FULDMAGT))
    assert team.status_code == 201
    headers = await gw.auth(REP)
    listed = await gw.client.post(
        "/v1/me/represented/consents", json={"cpr": FULDMAGT}, headers=headers
    )
    assert listed.status_code == 200, listed.text
    assert [c["purpose"] for c in listed.json()["items"]] == ["tvaerfagligt_team"]
    for cpr in (EXPIRED, demo_cpr(4), "0101800003"):
        refused = await gw.client.post(
            "/v1/me/represented/consents", json={"cpr": cpr}, headers=headers
        )
        assert refused.status_code == 404, refused.text
    # The look-up is in the represented citizen's Min log.
    searches = [e for e in await min_log(gw, FULDMAGT) if e["action"] == "consent.search"]
    assert searches and searches[0]["representation"]["authority_ref"] == "DF-DEMO-0001"


async def test_a_failing_representation_source_fails_closed(gw: Harness) -> None:
    class Broken:
        async def authorities_of(self, representative_cpr: str) -> list[Authority]:
            raise OSError("registry down")

    gw.services.representation = Representation(Broken())
    response = await grant(gw, body(FULDMAGT))
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "service_unavailable"
    listed = await gw.client.get("/v1/me/consents", headers=await gw.citizen_auth(FULDMAGT))
    assert listed.json()["items"] == []
    # The citizen's own actions do not depend on the source.
    own = await gw.client.post("/v1/consents", json=body(REP_CPR), headers=await gw.auth(REP))
    assert own.status_code == 201, own.text
