"""The shared view end to end, and DESIGN.md invariants 1, 3, 4 and 6."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.sdk import ConnectorManifest, FetchRequest, FetchResult, Record
from gateway.registry import ConnectorRegistry
from tests.harness import Harness, demo_cpr, view


def sections(body: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {s["category"]: s for s in body["sections"]}


async def test_without_consent_only_own_department_and_nothing_crosses(gw: Harness) -> None:
    """Invariant 1: without a grant no other department is even asked."""
    body = await view(gw, demo_cpr(0))
    by_cat = sections(body)
    assert by_cat["jobcenter.benefit"]["status"] == "granted"
    assert by_cat["jobcenter.benefit"]["basis"]["kind"] == "own_department"
    for category in ("health.wellbeing", "social.services", "health.contact", "social.contact"):
        assert by_cat[category]["status"] == "withheld"
        assert by_cat[category]["reason"]["code"] == "consent_missing"
        assert by_cat[category]["records"] == []
        assert "samtykke" in by_cat[category]["reason"]["message"]["da"].lower()
    hosts = {u.split("/")[2] for u in gw.transport.requested_urls}
    assert hosts == {"jobcenter.sim"}


async def test_consent_grants_exactly_its_categories(gw: Harness) -> None:
    cpr = demo_cpr(0)
    created = await gw.record_consent(cpr, categories=["health.wellbeing"])
    consent_id = created["consent"]["consent_id"]
    body = await view(gw, cpr)
    by_cat = sections(body)
    wellbeing = by_cat["health.wellbeing"]
    assert wellbeing["status"] == "granted"
    assert wellbeing["basis"] == {
        "kind": "consent",
        "ref": consent_id,
        "consent_valid_until": wellbeing["basis"]["consent_valid_until"],
    }
    assert wellbeing["basis"]["consent_valid_until"] is not None
    assert len(wellbeing["records"]) >= 6
    # Minimised to the purpose's fields: raw_score is a catalogue field, not for this purpose.
    assert all(set(r) <= {"date", "score"} for r in wellbeing["records"])
    assert wellbeing["retrieved_at"] and wellbeing["source_system"]
    assert by_cat["social.services"]["status"] == "withheld"


async def test_withdrawal_is_effective_for_the_next_request(gw: Harness) -> None:
    """Invariant 3: the view right after a withdrawal is withheld."""
    cpr = demo_cpr(1)
    consent = await gw.record_consent(cpr, categories=["health.wellbeing"])
    assert sections(await view(gw, cpr))["health.wellbeing"]["status"] == "granted"
    response = await gw.client.post(
        f"/v1/consents/{consent['consent']['consent_id']}/withdraw",
        json={"via": "written_form", "evidence_ref": "brev 2026-11-22"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    after = sections(await view(gw, cpr))["health.wellbeing"]
    assert after["status"] == "withheld"
    assert after["reason"]["code"] == "consent_withdrawn"
    assert after["records"] == []


class LeakyConnector:
    """Returns more than asked: another category and undeclared fields."""

    manifest = ConnectorManifest(
        name="health",
        department="health",
        categories={"health.wellbeing": frozenset({"date", "score", "raw_score"})},
    )

    def __init__(self) -> None:
        self.requests: list[FetchRequest] = []

    async def fetch(self, request: FetchRequest) -> FetchResult:
        self.requests.append(request)
        return FetchResult(
            records=[
                Record(
                    "health.wellbeing",
                    {"date": "2026-01-01", "score": 40, "raw_score": 10, "diagnosis": "F32"},
                ),
                Record("health.rehabilitation", {"kind": "genoptræning", "diagnosis": "F32"}),
                Record("social.substance_treatment", {"kind": "ambulant"}),
            ],
            retrieved_at=datetime.now(UTC),
            source_system="leaky",
        )


async def test_fields_and_categories_not_granted_never_reach_the_caller(gw: Harness) -> None:
    """Invariant 4: minimisation holds even when a connector returns too much."""
    leaky = LeakyConnector()
    svc = gw.services
    connectors = {**svc.registry.connectors, "health": leaky}
    svc.registry = ConnectorRegistry(
        connectors=connectors,
        by_category={**svc.registry.by_category, "health.wellbeing": "health"},
        timeouts=svc.registry.timeouts,
    )
    cpr = demo_cpr(0)
    await gw.record_consent(cpr, categories=["health.wellbeing"])
    body = await view(gw, cpr)
    assert leaky.requests and dict(leaky.requests[0].categories) == {
        "health.wellbeing": frozenset({"date", "score"})
    }
    assert sections(body)["health.wellbeing"]["records"] == [{"date": "2026-01-01", "score": 40}]
    text = str(body)
    assert "F32" not in text and "raw_score" not in text and "ambulant" not in text
    assert "health.rehabilitation" not in sections(body)


async def test_deny_by_default_with_reasons(gw: Harness) -> None:
    """Invariant 6: unknown purpose, role, category or department is denied with a reason."""
    cpr = demo_cpr(0)
    unknown_purpose = sections(await view(gw, cpr, purpose="nysgerrighed"))
    assert unknown_purpose and all(
        s["status"] == "withheld" and s["reason"]["code"] == "unknown_purpose"
        for s in unknown_purpose.values()
    )
    unknown_category = sections(await view(gw, cpr, categories=["health.genome"]))
    # Recorded as a code, never as the caller's string (issue 13).
    assert unknown_category["unknown_category"]["reason"]["code"] == "unknown_category"
    # The DPO's department is not a data department, and the DPO role is not a purpose role.
    dpo = sections(await view(gw, cpr, user="dpo"))
    assert all(s["status"] == "withheld" for s in dpo.values())
    assert {s["reason"]["code"] for s in dpo.values()} <= {
        "unknown_department",
        "role_not_allowed",
        "department_not_allowed",
    }
    wrong_role = sections(await view(gw, cpr, purpose="ressourceforloeb_koordinering"))
    assert all(s["reason"]["code"] == "role_not_allowed" for s in wrong_role.values())
    assert not gw.transport.requested_urls or all(
        "jobcenter.sim" in u for u in gw.transport.requested_urls
    )


async def test_statute_purpose_needs_no_consent(gw: Harness) -> None:
    body = sections(
        await view(gw, demo_cpr(2), purpose="koordinering_kontakt", user="sagsbehandler-social")
    )
    assert body["health.contact"]["status"] == "granted"
    assert body["health.contact"]["basis"]["kind"] == "statute"
    assert "§" in body["health.contact"]["basis"]["ref"]
    assert body["health.contact"]["records"]


async def test_slow_department_is_unavailable_not_fatal(gw: Harness) -> None:
    cpr = demo_cpr(0)
    await gw.record_consent(cpr, categories=["health.wellbeing", "social.services"])
    gw.set_simulator("social", fault="timeout", timeout_s=30.0)
    body = sections(await view(gw, cpr))
    assert body["social.services"]["status"] == "unavailable"
    assert body["social.services"]["reason"]["code"] in {"timeout", "unavailable"}
    assert body["health.wellbeing"]["status"] == "granted"
    gw.set_simulator("health", fault="error500")
    body = sections(await view(gw, cpr))
    assert body["health.wellbeing"]["status"] == "unavailable"
    assert body["jobcenter.benefit"]["status"] == "granted"


async def test_view_requires_an_employee(gw: Harness) -> None:
    response = await gw.client.post(
        "/v1/views", json={"cpr": demo_cpr(0), "purpose": "tvaerfagligt_team"}
    )
    assert response.status_code == 401
    response = await gw.client.post(
        "/v1/views",
        json={"cpr": demo_cpr(0), "purpose": "tvaerfagligt_team"},
        headers=await gw.auth("borger-1"),
    )
    assert response.status_code == 403


async def test_invalid_cpr_is_rejected_without_echo(gw: Harness) -> None:
    response = await gw.client.post(
        "/v1/views",
        json={"cpr": "3213991234", "purpose": "tvaerfagligt_team"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert response.status_code == 422
    assert "3213991234" not in response.text
    assert response.json()["code"] == "invalid_cpr"
