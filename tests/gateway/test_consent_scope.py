"""Consent scope (issue 14 item 3): a meeting-scoped consent reaches its members inside the
window and nobody else — through the whole gateway (token claim → policy → view)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc import jws
from joserfc.jwk import KeySet

from gateway.devtools.demo_users import DEMO_TEAM
from tests.harness import Harness, demo_cpr

WELLBEING = "health.wellbeing"


def meeting_body(**override: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "purpose": "tvaerfagligt_team",
        "categories": [WELLBEING, "social.services"],
        "recipient_departments": ["jobcenter", "social", "health"],
        "scope": {"teams": [DEMO_TEAM], "label": "Rundbordssamtale 10. december"},
        "collection_method": "citizen_portal",
    }
    body.update(override)
    return body


async def grant(gw: Harness, cpr: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await gw.client.post("/v1/consents", json=body, headers=await gw.citizen_auth(cpr))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def section(gw: Harness, cpr: str, user: str, category: str = WELLBEING) -> dict[str, Any]:
    response = await gw.client.post(
        "/v1/views",
        json={"cpr": cpr, "purpose": "tvaerfagligt_team", "categories": [category]},
        headers=await gw.auth(user),
    )
    assert response.status_code == 200, response.text
    (found,) = response.json()["sections"]
    result: dict[str, Any] = found
    return result


def at(gw: Harness, moment: datetime) -> None:
    gw.services.clock = lambda: moment


async def test_meeting_consent_reaches_team_members_inside_the_window_only(gw: Harness) -> None:
    cpr = demo_cpr(0)
    created = await grant(gw, cpr, meeting_body())
    consent = created["consent"]
    # The catalogue's default meeting length (tvaerfagligt_team: 240 minutes).
    start = datetime.fromisoformat(consent["valid_from"])
    assert datetime.fromisoformat(consent["valid_until"]) - start == timedelta(minutes=240)
    assert consent["scope"] == {
        "members": [],
        "teams": [DEMO_TEAM],
        "label": "Rundbordssamtale 10. december",
    }

    # Team members (token claim) in any recipient department see it.
    member = await section(gw, cpr, "koordinator-jobcenter")
    assert member["status"] == "granted", member
    assert member["basis"]["ref"] == consent["consent_id"]
    social = await section(gw, cpr, "sundhed", category="social.services")
    assert social["status"] == "granted", social

    # A caseworker in the same department, not in the team: withheld, with the reason.
    outsider = await section(gw, cpr, "sagsbehandler-jobcenter")
    assert outsider["status"] == "withheld"
    assert outsider["records"] == []
    assert outsider["reason"]["code"] == "outside_consent_scope"
    assert "ikke blandt dem" in outsider["reason"]["message"]["da"]
    assert "not among them" in outsider["reason"]["message"]["en"]

    # The member after the meeting: withheld.
    at(gw, start + timedelta(minutes=240))
    late = await section(gw, cpr, "koordinator-jobcenter")
    assert late["status"] == "withheld"
    assert late["reason"]["code"] == "consent_expired"


async def test_meeting_in_the_future_starts_at_the_meeting(gw: Harness) -> None:
    cpr = demo_cpr(1)
    meeting = (datetime.now(UTC) + timedelta(days=6)).replace(microsecond=0)
    consent = (await grant(gw, cpr, meeting_body(valid_from=meeting.isoformat())))["consent"]
    assert datetime.fromisoformat(consent["valid_until"]) == meeting + timedelta(minutes=240)

    early = await section(gw, cpr, "koordinator-jobcenter")
    assert early["reason"]["code"] == "consent_not_yet_valid"
    at(gw, meeting + timedelta(minutes=30))
    assert (await section(gw, cpr, "koordinator-jobcenter"))["status"] == "granted"
    at(gw, meeting - timedelta(seconds=1))
    assert (await section(gw, cpr, "koordinator-jobcenter"))["status"] == "withheld"


async def test_named_members_only(gw: Harness) -> None:
    cpr = demo_cpr(2)
    body = meeting_body(
        scope={"members": ["sagsbehandler-jobcenter"]},
        valid_until=(datetime.now(UTC) + timedelta(days=3)).isoformat(),
    )
    await grant(gw, cpr, body)
    assert (await section(gw, cpr, "sagsbehandler-jobcenter"))["status"] == "granted"
    # In the demo team, but the consent names a person, not the team.
    refused = await section(gw, cpr, "koordinator-jobcenter")
    assert refused["reason"]["code"] == "outside_consent_scope"


async def test_team_claim_forged_in_a_body_field_is_refused(gw: Harness) -> None:
    cpr = demo_cpr(0)
    await grant(gw, cpr, meeting_body())
    headers = await gw.auth("sagsbehandler-jobcenter")
    for forged in (
        {"teams": [DEMO_TEAM]},
        {"tvaers_teams": [DEMO_TEAM]},
        {"subject": {"teams": [DEMO_TEAM]}},
    ):
        response = await gw.client.post(
            "/v1/views",
            json={"cpr": cpr, "purpose": "tvaerfagligt_team", **forged},
            headers=headers,
        )
        assert response.status_code == 422, response.text
        assert "granted" not in response.text
    # And the genuine request is still withheld.
    outsider = await section(gw, cpr, "sagsbehandler-jobcenter")
    assert outsider["reason"]["code"] == "outside_consent_scope"


async def test_scope_is_in_the_signed_receipt(gw: Harness) -> None:
    created = await grant(gw, demo_cpr(0), meeting_body())
    keys = (await gw.client.get("/v1/consents/receipt-keys")).json()
    token = jws.deserialize_compact(
        created["receipt"], KeySet.import_key_set(keys), algorithms=["Ed25519"]
    )
    payload = json.loads(token.payload)
    assert payload["scope"]["teams"] == [DEMO_TEAM]
    assert "recipient_scope" not in payload


async def test_scope_validation(gw: Harness) -> None:
    headers = await gw.citizen_auth(demo_cpr(0))
    cases: dict[str, dict[str, Any]] = {
        # No end and no scope: only a meeting may fall back on the purpose's meeting length.
        "valid_until_required": meeting_body(scope=None),
        # A purpose without a meeting length needs an end even when scoped.
        "valid_until_required ": meeting_body(
            purpose="cti_overgang",
            categories=["jobcenter.benefit"],
            recipient_departments=["social"],
        ),
    }
    for code, body in cases.items():
        response = await gw.client.post("/v1/consents", json=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == code.strip()
    for bad_scope in ({}, {"members": [], "teams": []}, {"teams": ["<script>"]}, {"x": 1}):
        response = await gw.client.post(
            "/v1/consents", json=meeting_body(scope=bad_scope), headers=headers
        )
        assert response.status_code == 422, (bad_scope, response.text)
    assert (await gw.client.post("/v1/consents", json=meeting_body(), headers=headers)).is_success


def test_team_claim_is_configurable_and_checked() -> None:
    import pytest

    from gateway.auth.tokens import principal_from_claims
    from gateway.errors import NotAuthenticated

    base = {"sub": "u1", "kind": "employee", "department": "jobcenter", "roles": ["caseworker"]}
    assert principal_from_claims({**base, "tvaers_teams": ["b", "a", "b"]}).teams == ("a", "b")
    assert principal_from_claims({**base, "groups": "a b"}, team_claim="groups").teams == (
        "a",
        "b",
    )
    # Another claim name configured: the default claim is not read.
    assert principal_from_claims({**base, "tvaers_teams": ["a"]}, team_claim="groups").teams == ()
    assert principal_from_claims({**base, "tvaers_teams": ["a"]}, team_claim="").teams == ()
    for bad in ({"a": 1}, [1], [""], ["x" * 65], [str(i) for i in range(51)]):
        with pytest.raises(NotAuthenticated):
            principal_from_claims({**base, "tvaers_teams": bad})
    # Citizens carry no teams, whatever their token says.
    citizen = principal_from_claims(
        {"sub": "c1", "kind": "citizen", "cpr": "0101011234", "tvaers_teams": ["a"]}
    )
    assert citizen.teams == ()
