"""The DPO console's JSON API: access per principal, filters, anomalies, charts, CSV."""

from __future__ import annotations

import csv
import io

import pytest

from gateway.devtools.demo_patterns import SNOOPER, SYNTHETIC_REASON, seed_snooping_pattern
from tests.harness import Harness
from tests.staff.conftest import demo_cpr, now, view

ENDPOINTS = [
    "/v1/audit/console/entries",
    "/v1/audit/console/charts",
    "/v1/audit/console/anomalies",
    "/v1/audit/exports/csv",
]


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_only_the_dpo_reaches_the_console_api(gw: Harness, path: str) -> None:
    assert (await gw.client.post(path, json={})).status_code == 401
    for user in ("sagsbehandler-jobcenter", "sundhed", "borger-1"):
        refused = await gw.client.post(path, json={}, headers=await gw.auth(user))
        assert refused.status_code == 403, (user, refused.text)
    allowed = await gw.client.post(path, json={}, headers=await gw.auth("dpo"))
    assert allowed.status_code == 200, allowed.text


async def entries(gw: Harness, **body: object) -> dict:  # type: ignore[type-arg]
    response = await gw.client.post(
        "/v1/audit/console/entries", json=body, headers=await gw.auth("dpo")
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_filter_by_citizen_finds_exactly_their_accesses_and_is_audited(gw: Harness) -> None:
    first, second = demo_cpr(0), demo_cpr(1)
    await gw.record_consent(first, categories=["social.services"])
    mine = await view(gw, first)
    await view(gw, second)
    found = await entries(gw, cpr=first)
    assert found["total"] == 1
    item = found["items"][0]["entry"]
    assert item["request_id"] == mine["request_id"]
    assert item["phase"] == "outcome"
    assert first not in str(found)
    # The DPO's search by citizen is itself an audit entry (about that citizen).
    searches = await entries(gw, accesses_only=False, actor="dpo")
    assert [i["entry"]["action"] for i in searches["items"]] == ["audit.search_citizen"]
    assert searches["items"][0]["entry"]["citizen"]["pseudonym"] == item["citizen"]["pseudonym"]


async def test_outcome_and_basis_filters(gw: Harness) -> None:
    cpr = demo_cpr(0)
    await gw.record_consent(cpr, categories=["social.services"])
    await view(gw, cpr)  # partial: social measures by consent, others withheld
    await view(gw, cpr, purpose="ressourceforloeb_koordinering")  # caseworker role: denied
    assert (await entries(gw, outcome="granted"))["total"] == 1
    assert (await entries(gw, outcome="withheld"))["total"] == 2
    denied = await entries(gw, outcome="denied")
    assert denied["total"] == 1
    assert denied["items"][0]["entry"]["purpose"] == "ressourceforloeb_koordinering"
    assert (await entries(gw, outcome="unavailable"))["total"] == 0
    assert (await entries(gw, basis_kind="consent"))["total"] == 1
    assert (await entries(gw, department="health"))["total"] == 0
    assert (await entries(gw, purpose="tvaerfagligt_team"))["total"] == 1
    # Without accesses_only the intents and the consent event are there too.
    assert (await entries(gw, accesses_only=False))["total"] >= 5


async def test_unavailable_filter(gw: Harness) -> None:
    cpr = demo_cpr(0)
    await gw.record_consent(cpr, categories=["social.services"])
    gw.set_simulator("social", fault="error500", fault_rate=1.0)
    await view(gw, cpr)
    assert (await entries(gw, outcome="unavailable"))["total"] == 1


async def test_seeded_snooping_pattern_shows_as_anomalies_with_explanations(gw: Harness) -> None:
    svc = gw.services
    pattern = await seed_snooping_pattern(svc.audit, svc.keys.pseudonymiser, now=now())
    await view(gw, demo_cpr(0))  # an ordinary look-up by someone else
    response = await gw.client.post(
        "/v1/audit/console/anomalies", json={}, headers=await gw.auth("dpo")
    )
    assert response.status_code == 200
    found = response.json()["anomalies"]
    kinds = {a["kind"] for a in found if a["actor_id"] == SNOOPER}
    assert {"many_citizens", "off_hours", "no_consent", "repeated_denials"} <= kinds
    assert {a["actor_id"] for a in found} == {SNOOPER}
    many = next(a for a in found if a["kind"] == "many_citizens")
    assert many["count"] == pattern.citizens
    assert f"{pattern.citizens} forskellige borgere" in many["explanation"]["da"]
    assert f"{pattern.citizens} different citizens" in many["explanation"]["en"]
    rows = await entries(gw, actor=SNOOPER)
    assert rows["total"] == pattern.citizens
    assert {i["entry"]["reason"] for i in rows["items"]} == {SYNTHETIC_REASON}


@pytest.mark.usefixtures("database_url")
async def test_thresholds_are_configuration(tmp_path: object) -> None:
    from pathlib import Path

    from tests.harness import running_gateway

    assert isinstance(tmp_path, Path)
    async with running_gateway(
        tmp_path, anomaly_distinct_citizens=100, anomaly_off_hours_min=1000, anomaly_denials=50
    ) as gw:
        svc = gw.services
        await seed_snooping_pattern(svc.audit, svc.keys.pseudonymiser, now=now())
        response = await gw.client.post(
            "/v1/audit/console/anomalies", json={}, headers=await gw.auth("dpo")
        )
        kinds = {a["kind"] for a in response.json()["anomalies"]}
        assert kinds == {"no_consent"}


async def test_charts_count_accesses_per_department_purpose_and_user(gw: Harness) -> None:
    await view(gw, demo_cpr(0))
    await view(gw, demo_cpr(1))
    await view(gw, demo_cpr(0), purpose="ressourceforloeb_koordinering")
    await view(gw, demo_cpr(2), user="sagsbehandler-social", purpose="cti_overgang")
    response = await gw.client.post(
        "/v1/audit/console/charts", json={}, headers=await gw.auth("dpo")
    )
    charts = response.json()
    assert len(charts["days"]) == 30
    assert sum(charts["by_department"]["jobcenter"]) == 3
    assert sum(charts["by_department"]["social"]) == 1
    assert sum(charts["by_purpose"]["tvaerfagligt_team"]) == 2
    assert charts["denial_rate"][-1] == 0.25
    assert charts["total"] == 4
    top = charts["top_users"][0]
    assert (top["actor_id"], top["distinct_citizens"], top["accesses"]) == (
        "sagsbehandler-jobcenter",
        2,
        3,
    )


async def test_csv_export_is_semicolon_separated_utf8_with_bom(gw: Harness) -> None:
    await gw.record_consent(demo_cpr(0), categories=["social.services"])
    await view(gw, demo_cpr(0))
    await view(gw, demo_cpr(1))
    response = await gw.client.post(
        "/v1/audit/exports/csv", json={"cpr": demo_cpr(0)}, headers=await gw.auth("dpo")
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8")), delimiter=";"))
    assert rows[0][:3] == ["tidspunkt_koebenhavn", "tidspunkt_utc", "fase"]
    assert len(rows) == 2  # header + the one access of that citizen
    record = dict(zip(rows[0], rows[1], strict=True))
    # Readable Danish names in the main columns; the machine ids in their own *_id columns.
    assert record["bruger_id"] == "sagsbehandler-jobcenter"
    assert record["bruger"] == "Mette Sørensen"
    assert record["handling"] == "Opslag (delt visning)" and record["handling_id"] == "view.read"
    assert record["afdeling"] == "Jobcenter (beskæftigelse)"
    assert record["afdeling_id"] == "jobcenter"
    assert record["formaal"] == "Afklaring i tværfagligt team"
    assert record["formaal_id"] == "tvaerfagligt_team"
    assert record["udfald_id"] in {"granted", "partial"} and record["udfald"] in {
        "Udleveret",
        "Delvist udleveret",
    }
    assert record["kategorier_udleveret_id"].split(", ").count("social.services") == 1
    assert "Sociale indsatser (serviceloven)" in record["kategorier_udleveret"]
    ids = ("jobcenter.", "social.", "health.", "view.read", "tvaerfagligt_team")
    for column in ("handling", "udfald", "afdeling", "roller", "formaal", "kategorier_udleveret"):
        assert not any(i in record[column] for i in ids), (column, record[column])
    assert demo_cpr(0) not in raw.decode("utf-8")
    exports = await entries(gw, accesses_only=False, actor="dpo")
    assert "audit.export_csv" in {i["entry"]["action"] for i in exports["items"]}


async def test_invalid_cpr_is_refused_without_echo(gw: Harness) -> None:
    response = await gw.client.post(
        "/v1/audit/console/entries", json={"cpr": "3213999999"}, headers=await gw.auth("dpo")
    )
    assert response.status_code == 422
    assert "3213999999" not in response.text


async def test_demo_snooping_endpoint_is_dpo_only_and_writes_the_pattern(gw: Harness) -> None:
    path = "/v1/audit/demo/snooping-pattern"
    assert (await gw.client.post(path)).status_code == 401
    refused = await gw.client.post(path, headers=await gw.auth("sagsbehandler-jobcenter"))
    assert refused.status_code == 403
    created = await gw.client.post(path, headers=await gw.auth("dpo"))
    assert created.status_code == 201
    assert created.json()["citizens"] == 24
    assert (await entries(gw, actor=SNOOPER))["total"] == 24
    # The demo citizens' own logs are left alone.
    for n in range(3):
        assert (await entries(gw, cpr=demo_cpr(n), actor=SNOOPER))["total"] == 0
