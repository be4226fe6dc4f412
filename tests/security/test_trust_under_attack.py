"""Issue 13 ("Trust under attack"): each finding replayed as the attacker sent it.

A hostile employee (findings 1-3, 7, 8), a curious insider (7, 9, 10) and a hostile
department system (4-6: see also tests/connectors/test_conformance_untrusted.py and
tests/connectors/test_untrusted_answers.py). Every test here failed on 854c3e7.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from sqlalchemy import select, update

from gateway.audit.entries.models import AuditEntryRow
from gateway.audit.entries.repository import row_from_event
from gateway.audit.entries.schemas import Actor, AuditEvent, CategoryOutcome
from gateway.consent.models import ConsentRequestRow, ConsentRow
from tests.audit.log_helpers import cli, demo_traffic, execute, sequencer
from tests.harness import SIM_URLS, Harness, demo_cpr, running_gateway
from tests.web.webclient import web_login

SCRIPT_BREAKOUT = "</script><i hx-post=/auth/logout hx-trigger=load></i>"
FREE_TEXT = "Ring til mig på 12345678"


def until(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def audit_bodies(gw: Harness) -> list[str]:
    async with gw.services.sessions() as session:
        return [r.body or "" for r in (await session.scalars(select(AuditEntryRow))).all()]


async def post_view(gw: Harness, user: str, body: dict[str, Any]) -> Any:
    return await gw.client.post("/v1/views", json=body, headers=await gw.auth(user))


# -- Finding 1: DPO console takeover through the chart JSON -------------------------------


async def test_f1_markup_in_a_purpose_never_reaches_the_dpo_console_live(gw: Harness) -> None:
    cpr = demo_cpr(0)
    sent = await post_view(gw, "sagsbehandler-jobcenter", {"cpr": cpr, "purpose": SCRIPT_BREAKOUT})
    assert sent.status_code == 422  # not a purpose id: refused before anything is written
    # An entry written before the fix (or by any other path) holds the payload: the console
    # must still render it inert.
    legacy = AuditEvent.model_construct(
        **{
            **AuditEvent(
                phase="outcome",
                action="view.read",
                outcome="denied",
                request_id="legacy-1",
                actor=Actor(user_id="angriber", kind="employee", department="jobcenter"),
                categories=CategoryOutcome(requested=["health.wellbeing"]),
            ).__dict__,
            "purpose": SCRIPT_BREAKOUT,
        }
    )
    async with gw.services.sessions() as session, session.begin():
        session.add(row_from_event(legacy))
    page = await web_login(gw.client, "dpo", next_path="/staff/dpo")
    assert page.status_code == 200
    html = page.text
    assert SCRIPT_BREAKOUT not in html
    assert "<i hx-post=/auth/logout" not in html
    chart = html.split('id="dpo-chart-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in chart and ">" not in chart and "&" not in chart
    assert SCRIPT_BREAKOUT in json.loads(chart)["by_purpose"]  # the data is intact
    config = html.split('name="htmx-config" content=\'', 1)[1].split("'", 1)[0]
    assert json.loads(config) | {"selfRequestsOnly": True, "allowEval": False} == json.loads(config)
    for section in ('data-testid="charts"', 'data-testid="results"'):
        tag = html.split(section, 1)[0].rsplit("<section", 1)[1] + html.split(section, 1)[1]
        assert "hx-disable" in tag.split(">", 1)[0]


def test_f1_script_json_escapes_every_breakout_character() -> None:
    from gateway.web.script_json import escape_script_json, script_json

    text = json.dumps({"p": "</script>&<!--\u2028\u2029'"}, ensure_ascii=False)
    escaped = str(escape_script_json(text))
    assert not set(escaped) & {"<", ">", "&", "\u2028", "\u2029", "'"}
    assert json.loads(escaped) == json.loads(text)
    assert json.loads(str(script_json({"x": "</script>"}))) == {"x": "</script>"}


# -- Finding 2: free text and CPR numbers in the audit log ---------------------------------


async def test_f2_cpr_and_free_text_never_reach_audit_entries_or_min_log(gw: Harness) -> None:
    victim, other = demo_cpr(0), demo_cpr(1)
    as_cpr = await post_view(gw, "sagsbehandler-jobcenter", {"cpr": victim, "purpose": other})
    assert as_cpr.status_code == 422
    as_text = await post_view(gw, "sagsbehandler-jobcenter", {"cpr": victim, "purpose": FREE_TEXT})
    assert as_text.status_code == 422
    in_categories = await post_view(
        gw,
        "sagsbehandler-jobcenter",
        {"cpr": victim, "purpose": "tvaerfagligt_team", "categories": [FREE_TEXT, other]},
    )
    assert in_categories.status_code == 422
    # Well-shaped but unknown: answered (withheld, with the reason) and recorded as a code.
    shaped = "ring_til_mig_paa_12345678"
    unknown = await post_view(
        gw,
        "sagsbehandler-jobcenter",
        {"cpr": victim, "purpose": shaped, "categories": ["health.ring_til_mig_12345678"]},
    )
    assert unknown.status_code == 200
    assert {s["reason"]["code"] for s in unknown.json()["sections"]} <= {
        "unknown_purpose",
        "unknown_category",
    }
    bodies = await audit_bodies(gw)
    for needle in (other, victim, FREE_TEXT, shaped, "12345678"):
        assert not any(needle in b for b in bodies), needle
    assert any('"purpose":"unknown_purpose"' in b for b in bodies)
    assert any("unknown_category" in b for b in bodies)
    for citizen in ("borger-1", "borger-2"):
        log = await gw.client.get("/v1/me/access-log", headers=await gw.auth(citizen))
        assert log.status_code == 200
        assert other not in log.text and "12345678" not in log.text and FREE_TEXT not in log.text


def test_f2_audit_event_refuses_free_text_whatever_the_caller() -> None:
    actor = Actor(user_id="x", kind="employee")
    for purpose in ("0101901234", FREE_TEXT, SCRIPT_BREAKOUT):
        with pytest.raises(ValueError, match="catalogue id"):
            AuditEvent(phase="event", action="a", outcome="o", request_id="r", actor=actor,
                       purpose=purpose)  # fmt: skip
    with pytest.raises(ValueError, match="catalogue ids"):
        CategoryOutcome(requested=[FREE_TEXT])


# -- Finding 3: a caseworker mints a consent alone and uses it at once ---------------------


def consent(cpr: str, **override: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "cpr": cpr,
        "purpose": "tvaerfagligt_team",
        "categories": ["social.services"],
        "recipient_departments": ["social"],
        "valid_until": until(30),
        "collection_method": "written_form",
        "evidence_ref": "x",
    }
    return body | override


async def test_f3_role_is_checked_when_staff_record_a_consent(gw: Harness) -> None:
    cpr = demo_cpr(0)
    cti = await gw.client.post(
        "/v1/consents", json=consent(cpr), headers=await gw.auth("cti-social")
    )
    assert cti.status_code == 403  # support_worker may not use tvaerfagligt_team
    coordinator_only = await gw.client.post(
        "/v1/consents",
        json=consent(
            cpr,
            purpose="ressourceforloeb_koordinering",
            categories=["social.services"],
            recipient_departments=["jobcenter"],
        ),
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert coordinator_only.status_code == 403


async def test_f3_oral_consent_for_health_data_is_pending_and_not_usable(gw: Harness) -> None:
    """Issue 14 replaced the refusal with ``pending_confirmation``: the caseworker can still
    never make such a consent a basis alone."""
    cpr = demo_cpr(0)
    body = consent(
        cpr,
        purpose="helbredsafklaring",
        categories=["health.wellbeing"],
        recipient_departments=["jobcenter"],
        collection_method="oral_recorded",
    )
    minted = await gw.client.post(
        "/v1/consents", json=body, headers=await gw.auth("sagsbehandler-jobcenter")
    )
    assert minted.status_code == 201
    assert minted.json()["consent"]["status"] == "pending_confirmation"
    assert minted.json()["consent"]["awaiting_confirmation"] == ["health"]
    seen = await post_view(
        gw, "sagsbehandler-jobcenter", {"cpr": cpr, "purpose": "helbredsafklaring"}
    )
    sections = {s["category"]: s for s in seen.json()["sections"]}
    assert sections["health.wellbeing"]["status"] == "withheld"
    assert not sections["health.wellbeing"]["records"]


async def test_f3_staff_consent_stored_before_the_fix_never_covers_special_data(
    gw: Harness,
) -> None:
    cpr = demo_cpr(0)
    made = await gw.client.post(
        "/v1/consents",
        json=consent(cpr, categories=["social.services"], recipient_departments=["jobcenter"]),
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert made.status_code == 201
    consent_id = made.json()["consent"]["consent_id"]
    async with gw.services.sessions() as session, session.begin():  # as an old row would be
        await session.execute(
            update(ConsentRow)
            .where(ConsentRow.consent_id == consent_id)
            .values(
                categories=["health.wellbeing", "social.services"],
                source_departments=["health", "social"],
            )
        )
    seen = await post_view(
        gw, "sagsbehandler-jobcenter", {"cpr": cpr, "purpose": "tvaerfagligt_team"}
    )
    sections = {s["category"]: s for s in seen.json()["sections"]}
    assert sections["social.services"]["status"] == "granted"
    assert sections["health.wellbeing"]["status"] == "withheld"


# -- Finding 7: any employee lists any citizen's consents ----------------------------------


async def test_f7_consent_search_is_scoped_to_parties_and_redacted_for_the_dpo(
    gw: Harness,
) -> None:
    cpr = demo_cpr(0)
    health_to_job = await gw.client.post(
        "/v1/consents",
        json=consent(
            cpr,
            categories=["health.contact"],
            recipient_departments=["jobcenter"],
            evidence_ref="Samtykkeerklæring j.nr. 77",
        ),
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert health_to_job.status_code == 201
    substance = await gw.record_consent(
        cpr,
        purpose="cti_overgang",
        categories=["social.substance_treatment", "social.services"],
        recipients=["social"],
    )

    async def search(user: str) -> list[dict[str, Any]]:
        found = await gw.client.post(
            "/v1/consents/search", json={"cpr": cpr}, headers=await gw.auth(user)
        )
        assert found.status_code == 200
        items: list[dict[str, Any]] = found.json()["items"]
        return items

    social = await search("sagsbehandler-social")
    ids = {i["consent_id"] for i in social}
    assert health_to_job.json()["consent"]["consent_id"] not in ids
    assert "j.nr. 77" not in json.dumps(social)
    jobcenter = await search("sagsbehandler-jobcenter")
    assert substance["consent"]["consent_id"] not in {i["consent_id"] for i in jobcenter}
    # Issue 14: a withdrawal's evidence and receipt stay with the parties too.
    withdrawn = await gw.client.post(
        f"/v1/consents/{health_to_job.json()['consent']['consent_id']}/withdraw",
        json={"evidence_ref": "Tilbagekaldelse j.nr. 77"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert withdrawn.status_code == 200
    dpo = {i["consent_id"]: i for i in await search("dpo")}
    seen = dpo[substance["consent"]["consent_id"]]
    assert "social.substance_treatment" not in (seen["granted_fields"] or {})
    assert "social.substance_treatment" not in seen["categories"]
    assert seen["evidence_ref"] is None
    assert "j.nr. 77" not in json.dumps(list(dpo.values()))
    bodies = await audit_bodies(gw)
    assert sum('"action":"consent.search"' in b for b in bodies) == 3


# -- Finding 8: backdated consents and consent spam ----------------------------------------


async def test_f8_backdating_is_refused_and_the_form_date_is_evidence(gw: Harness) -> None:
    cpr = demo_cpr(0)
    worker = await gw.auth("sagsbehandler-jobcenter")
    backdated = (datetime.now(UTC) - timedelta(days=300)).isoformat()
    refused = await gw.client.post(
        "/v1/consents",
        json=consent(cpr, recipient_departments=["jobcenter"], valid_from=backdated),
        headers=worker,
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "backdated_consent"
    form_date = (datetime.now(UTC) - timedelta(days=300)).date().isoformat()
    kept = await gw.client.post(
        "/v1/consents",
        json=consent(cpr, recipient_departments=["jobcenter"], evidence_date=form_date),
        headers=worker,
    )
    assert kept.status_code == 201
    valid_from = datetime.fromisoformat(kept.json()["consent"]["valid_from"])
    assert abs((valid_from - datetime.now(UTC)).total_seconds()) < 3600
    payload = kept.json()["receipt"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["evidence_date"] == form_date


async def test_f8_consent_spam_is_limited_and_duplicate_requests_collapse(
    tmp_path: Path,
) -> None:
    async with running_gateway(tmp_path) as gw:
        cpr = demo_cpr(0)
        worker = await gw.auth("sagsbehandler-jobcenter")
        request = {
            "cpr": cpr,
            "purpose": "tvaerfagligt_team",
            "categories": ["health.wellbeing"],
            "recipient_departments": ["jobcenter"],
            "valid_until": until(30),
            "message": "Må vi se dine trivselsmålinger?",
        }
        statuses = [
            (await gw.client.post("/v1/consent-requests", json=request, headers=worker)).status_code
            for _ in range(60)
        ]
        # One request is created; every repeat answers with that pending request (200) until
        # the consent-action limit says 429.
        limit = gw.services.settings.consent_action_limit_per_user
        assert statuses.count(201) == 1
        assert statuses.count(200) == limit - 1
        assert set(statuses) == {201, 200, 429}
        async with gw.services.sessions() as session:
            pending = (
                await session.scalars(
                    select(ConsentRequestRow).where(ConsentRequestRow.status == "pending")
                )
            ).all()
        assert len(pending) == 1
        portal = await web_login(gw.client, "borger-1", next_path="/portal")
        assert portal.text.count("/portal/requests/") <= 2  # one request (link + form at most)
    async with running_gateway(tmp_path / "b", consent_action_limit_per_user=40) as gw:
        worker = await gw.auth("sagsbehandler-jobcenter")
        body = consent(demo_cpr(0), recipient_departments=["jobcenter"])
        statuses = [
            (await gw.client.post("/v1/consents", json=body, headers=worker)).status_code
            for _ in range(41)
        ]
        assert statuses[:40] == [201] * 40 and statuses[40] == 429


# -- Finding 9: tokens -----------------------------------------------------------------------


def forged(gw: Harness, *, typ: str, lifetime_s: int) -> str:
    idp = gw.services.dev_idp
    assert idp is not None
    key = idp._key  # the provider's own key: everything else about the token is valid
    now = int(time.time())
    claims = {
        "iss": gw.services.settings.effective_issuer,
        "aud": gw.services.settings.oidc_audience,
        "sub": "sagsbehandler-jobcenter",
        "kind": "employee",
        "department": "jobcenter",
        "roles": ["caseworker"],
        "iat": now,
        "exp": now + lifetime_s,
    }
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": typ}, claims, key)


async def test_f9_id_tokens_and_decade_long_tokens_are_refused(gw: Harness) -> None:
    async def status(token: str) -> int:
        answer = await gw.client.get("/v1/catalogue", headers={"Authorization": f"Bearer {token}"})
        return answer.status_code

    assert await status(forged(gw, typ="at+jwt", lifetime_s=600)) == 200
    assert await status(forged(gw, typ="application/at+jwt", lifetime_s=600)) == 200
    assert await status(forged(gw, typ="id_token+jwt", lifetime_s=600)) == 401
    assert await status(forged(gw, typ="JWT", lifetime_s=600)) == 401
    assert await status(forged(gw, typ="at+jwt", lifetime_s=10 * 365 * 86400)) == 401


# -- Finding 10: purge ---------------------------------------------------------------------


async def test_f10_purge_keeps_the_retention_floor_and_is_audited(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gw:
        await demo_traffic(gw)
        await sequencer(gw).flush()
    old = (datetime.now(UTC) - timedelta(days=400)).strftime("%Y-%m-%d %H:%M:%S.%f")
    execute(tmp_path, "UPDATE audit_entries SET recorded_at = ? WHERE leaf_index < 3", old)

    def purge(*args: str, retention: str = "365") -> Any:
        from typer.testing import CliRunner

        from gateway.cli import app as cli_app

        env = {
            "TVAERS_DATA_DIR": str(tmp_path),
            "TVAERS_ENV": "test",
            "TVAERS_AUDIT_RETENTION_DAYS": retention,
        }
        return CliRunner().invoke(cli_app, ["audit", "purge", *args], env=env)

    refused = await asyncio.to_thread(purge, "--days", "1")
    assert refused.exit_code == 2
    assert execute(tmp_path, "SELECT count(*) FROM audit_entries WHERE body IS NULL")[0][0] == 0
    entries = execute(tmp_path, "SELECT body FROM audit_entries WHERE action = 'audit.purge'")
    assert entries == []
    allowed = await asyncio.to_thread(purge, "--days", "1", "--override-retention", "DPO-2026-7")
    assert allowed.exit_code == 0, allowed.output
    (body,) = execute(tmp_path, "SELECT body FROM audit_entries WHERE action = 'audit.purge'")[0]
    entry = json.loads(body)
    assert entry["actor"]["kind"] == "system" and entry["actor"]["user_id"].startswith("operator:")
    assert "retention_days=1" in entry["reason"] and "override=DPO-2026-7" in entry["reason"]
    normal = await asyncio.to_thread(purge)  # the configured period: no override needed
    assert normal.exit_code == 0, normal.output
    assert len(execute(tmp_path, "SELECT 1 FROM audit_entries WHERE action = 'audit.purge'")) == 2
    assert cli(tmp_path, "audit", "purge", "--days", "1").exit_code == 2  # no retention set


async def test_f10_the_sequencers_retention_purge_is_audited(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gw:
        await demo_traffic(gw)
        await sequencer(gw).flush()
    old = (datetime.now(UTC) - timedelta(days=40)).strftime("%Y-%m-%d %H:%M:%S.%f")
    execute(tmp_path, "UPDATE audit_entries SET recorded_at = ? WHERE leaf_index < 2", old)
    async with running_gateway(tmp_path, audit_retention_days=30) as gw:
        # The sequencer's first pass may purge before this call does (a race the test lost
        # under load): either way the two bodies go, once, in one audited purge.
        assert await sequencer(gw).purge_expired() in (0, 2)
        assert await sequencer(gw).purge_expired() == 0  # nothing purged: no entry
    bodies = execute(tmp_path, "SELECT body FROM audit_entries WHERE leaf_index < 2")
    assert bodies == [(None,), (None,)]
    rows = execute(tmp_path, "SELECT body FROM audit_entries WHERE action = 'audit.purge'")
    assert len(rows) == 1
    assert "retention_days=30" in json.loads(rows[0][0])["reason"]


# -- Finding 5 at the gateway: a slow parse never freezes the loop -------------------------


async def test_f5_parsing_runs_off_the_loop_and_the_budget_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import connectors.health.client as health_client

    real = health_client.read_bundle
    entered = threading.Event()
    release = threading.Event()
    blocked_loop = []

    def slow_read_bundle(body: Any, *, system: str) -> Any:
        # Stands in for parsing a 6.6 MB searchset: CPU work that takes a while.
        entered.set()
        if not release.wait(timeout=8):
            blocked_loop.append(True)  # nobody could answer /healthz meanwhile
        return real(body, system=system)

    monkeypatch.setattr(health_client, "read_bundle", slow_read_bundle)
    connectors = {name: {"base_url": url, "timeout_s": 1.0} for name, url in SIM_URLS.items()}
    async with running_gateway(tmp_path, connectors=connectors) as gw:
        await gw.record_consent(demo_cpr(0))
        worker = await gw.auth("sagsbehandler-jobcenter")
        view = asyncio.create_task(
            gw.client.post(
                "/v1/views",
                json={"cpr": demo_cpr(0), "purpose": "tvaerfagligt_team"},
                headers=worker,
            )
        )
        assert await asyncio.to_thread(entered.wait, 30)
        health = await gw.client.get("/healthz")  # answered while the parse is running
        assert health.status_code == 200
        answer = await view  # the 1 s budget ends the fetch although the parse still runs
        release.set()
    assert not blocked_loop
    sections = {s["category"]: s for s in answer.json()["sections"]}
    assert sections["health.wellbeing"]["status"] == "unavailable"
    assert sections["health.wellbeing"]["reason"]["code"] in {"timeout", "unavailable"}
    assert sections["social.services"]["status"] == "granted"
