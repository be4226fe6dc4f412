"""Break-glass (nødadgang): refused without justification, granted on an episode with it,
withheld for roles that may not use it; the DPO queue, review and anomaly triage are audited.

Runs on SQLite and PostgreSQL (the ``gw`` fixture).
"""

from __future__ import annotations

import json
from typing import Any

from tests.harness import Harness, demo_cpr

PURPOSE = "noedadgang"
JUSTIFICATION = "Borgeren er fundet bevidstløs i sin bolig; akut behov for kontakt og trivsel."
COORDINATOR = "koordinator-jobcenter"  # role coordinator: may use break-glass
CASEWORKER = "sagsbehandler-jobcenter"  # role caseworker: may not


async def emergency_view(gw: Harness, *, user: str = COORDINATOR, **extra: str) -> dict[str, Any]:
    response = await gw.client.post(
        "/v1/views",
        json={"cpr": demo_cpr(0), "purpose": PURPOSE, **extra},
        headers=await gw.auth(user),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def queue(gw: Harness, status: str = "pending") -> list[dict[str, Any]]:
    response = await gw.client.get(
        "/v1/audit/break-glass", params={"status": status}, headers=await gw.auth("dpo")
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def inbox(gw: Harness, citizen: str = "borger-1") -> list[dict[str, Any]]:
    response = await gw.client.get("/v1/me/notices", headers=await gw.auth(citizen))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def entries(gw: Harness, **params: str) -> list[dict[str, Any]]:
    response = await gw.client.get(
        "/v1/audit/entries", params={"limit": "1000", **params}, headers=await gw.auth("dpo")
    )
    assert response.status_code == 200, response.text
    return [item["entry"] for item in response.json()["items"]]


async def test_break_glass_without_justification_is_refused(gw: Harness) -> None:
    claims: list[dict[str, str]] = [
        {},
        {"justification": "akut, ring nu"},
        {"justification": " " * 40},
    ]
    for extra in claims:
        view = await emergency_view(gw, **extra)
        # The caller's own department needs no break-glass (basis own_department).
        crossing = [s for s in view["sections"] if s["department"] != "jobcenter"]
        assert len(crossing) == 4, extra
        for section in crossing:
            assert section["status"] == "withheld", (extra, section)
            assert section["reason"]["code"] == "break_glass_justification"
            assert section["records"] == []
    assert await queue(gw) == []  # no episode was opened
    assert await inbox(gw) == []  # and nobody was told of an access that did not happen


async def test_break_glass_grants_on_an_episode_queues_a_notice_and_reaches_the_dpo(
    gw: Harness,
) -> None:
    view = await emergency_view(gw, justification=JUSTIFICATION)
    sections = {s["category"]: s for s in view["sections"]}
    crossing = [c for c, s in sections.items() if not c.startswith("jobcenter.")]
    assert crossing and all(sections[c]["status"] == "granted" for c in crossing), sections
    refs = {sections[c]["basis"]["ref"] for c in crossing}
    assert {sections[c]["basis"]["kind"] for c in crossing} == {"break_glass"}
    (episode_id,) = refs
    assert sections["health.wellbeing"]["records"], "the data itself crossed"
    assert sections["jobcenter.contact"]["basis"]["kind"] == "own_department"

    (episode,) = await queue(gw)
    assert episode["episode_id"] == episode_id
    assert episode["justification"] == JUSTIFICATION
    assert episode["actor_id"] == COORDINATOR
    assert set(episode["categories"]) == set(crossing)
    assert episode["review_status"] == "pending"
    assert episode["recent"]["views"] >= 1

    (notice,) = await inbox(gw)
    assert notice["kind"] == "break_glass"
    assert "nødadgang" in notice["body"]["da"] and "emergency access" in notice["body"]["en"]
    assert demo_cpr(0) not in json.dumps(notice)
    assert await inbox(gw, "borger-2") == []  # only the citizen concerned is told

    # The audit entries name the episode and carry the justification.
    found = [e for e in await entries(gw, purpose=PURPOSE) if e["action"] == "view.read"]
    assert {e["phase"] for e in found} == {"intent", "outcome"}
    for entry in found:
        assert entry["justification"] == JUSTIFICATION
        assert {b["ref"] for b in entry["bases"] if b["kind"] == "break_glass"} == {episode_id}

    # A second view in the window joins the same episode: still one episode, one notice.
    again = await emergency_view(gw, justification="Opfølgning på samme akutte situation i dag.")
    assert {
        s["basis"]["ref"]
        for s in again["sections"]
        if s["basis"] and s["basis"]["kind"] == "break_glass"
    } == {episode_id}
    (episode,) = await queue(gw)
    assert episode["views"] == 2
    assert len(await inbox(gw)) == 1


async def test_a_role_not_allowed_break_glass_is_withheld(gw: Harness) -> None:
    for user in (CASEWORKER, "cti-social"):
        view = await emergency_view(gw, user=user, justification=JUSTIFICATION)
        assert view["sections"]
        for section in view["sections"]:
            assert section["status"] == "withheld", (user, section)
            assert section["reason"]["code"] == "role_not_allowed"
    assert await queue(gw) == []
    assert await inbox(gw) == []


async def test_a_cpr_in_the_justification_never_reaches_the_audit_log(gw: Harness) -> None:
    cpr = demo_cpr(0)
    view = await emergency_view(
        gw, justification=f"Borger {cpr} fundet bevidstløs, akut behov for oplysninger."
    )
    assert any(s["status"] == "granted" for s in view["sections"])
    (episode,) = await queue(gw)
    assert cpr not in episode["justification"] and "[cpr fjernet]" in episode["justification"]
    dumped = json.dumps(await entries(gw))
    assert cpr not in dumped and cpr.replace("-", "") not in dumped


async def test_review_is_recorded_once_and_audited(gw: Harness) -> None:
    await emergency_view(gw, justification=JUSTIFICATION)
    (episode,) = await queue(gw)
    path = f"/v1/audit/break-glass/{episode['episode_id']}/review"
    body = {"verdict": "unjustified", "note": "Ingen akut situation i journalen."}

    refused = await gw.client.post(path, json=body, headers=await gw.auth(COORDINATOR))
    assert refused.status_code == 403  # the user cannot review their own episode
    reviewed = await gw.client.post(path, json=body, headers=await gw.auth("dpo"))
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["review_verdict"] == "unjustified"
    assert reviewed.json()["reviewed_by"] == "dpo"
    twice = await gw.client.post(
        path, json={**body, "verdict": "justified"}, headers=await gw.auth("dpo")
    )
    assert twice.status_code == 409

    assert await queue(gw) == []
    (done,) = await queue(gw, "reviewed")
    assert done["review_verdict"] == "unjustified" and done["review_note"] == body["note"]
    (audited,) = [e for e in await entries(gw) if e["action"] == "break_glass.review"]
    assert audited["outcome"] == "unjustified"
    assert audited["actor"]["user_id"] == "dpo"
    assert {b["ref"] for b in audited["bases"]} == {episode["episode_id"]}
    assert audited["citizen"]["pseudonym"]  # the citizen's min log shows the review too


async def test_anomaly_triage_is_audited_and_shown_as_handled(gw: Harness) -> None:
    dpo = await gw.auth("dpo")
    seeded = await gw.client.post("/v1/audit/demo/snooping-pattern", headers=dpo)
    assert seeded.status_code == 201, seeded.text
    report = (await gw.client.post("/v1/audit/console/anomalies", json={}, headers=dpo)).json()
    assert report["anomalies"] and report["handled"] == 0
    assert report["open"] == len(report["anomalies"])
    target = report["anomalies"][0]
    body = {
        "kind": target["kind"],
        "actor_id": target["actor_id"],
        "first_seen": target["first_seen"],
        "status": "investigated",
        "note": "Talt med medarbejderen; sagen er sendt videre.",
    }
    path = f"/v1/audit/anomalies/{target['anomaly_id']}/triage"
    denied = await gw.client.post(path, json=body, headers=await gw.auth(COORDINATOR))
    assert denied.status_code == 403
    wrong = await gw.client.post(path, json={**body, "actor_id": "someone-else"}, headers=dpo)
    assert wrong.status_code == 422  # the id must match the anomaly it names
    done = await gw.client.post(path, json=body, headers=dpo)
    assert done.status_code == 200, done.text

    after = (await gw.client.post("/v1/audit/console/anomalies", json={}, headers=dpo)).json()
    handled = {a["anomaly_id"]: a for a in after["anomalies"]}
    assert handled[target["anomaly_id"]]["triage"]["status"] == "investigated"
    assert after["handled"] == 1 and after["open"] == len(after["anomalies"]) - 1
    (audited,) = [e for e in await entries(gw) if e["action"] == "anomaly.triage"]
    assert audited["outcome"] == "investigated" and audited["actor"]["user_id"] == "dpo"
    assert target["anomaly_id"] in audited["reason"]
