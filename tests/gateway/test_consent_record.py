"""Issue 14 items 1–2: who may record a consent, confirmation of staff-recorded consents to
special-category data, the citizen told of every staff-recorded consent, field snapshots that a
catalogue change never widens, versioned notice texts and the ISO/IEC TS 27560 record fields.

Attacks tried (a hostile employee or a curious insider): a support worker recording for a
caseworker's purpose; a caseworker using their own oral consent to health data; the recorder's
department confirming; a jobcenter user whose token claims the health professional role; a
health employee without that role; confirming a withdrawn or expired consent; confirming another
citizen's consent; replaying a confirmation.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.audit.entries.models import AuditEntryRow
from gateway.auth.devidp import DemoUser
from gateway.auth.principal import Principal
from gateway.catalogue.models import Catalogue
from gateway.consent.identity import identify
from gateway.consent.models import ConsentRow
from gateway.consent.service import ConsentFactsReader
from gateway.consent.staff_rules import check_staff_confirmer
from gateway.errors import NotPermitted
from gateway.policy.catalogue_index import INDEX_FILE, build_index
from tests.harness import Harness, demo_cpr, running_gateway

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = Catalogue.load(REPO / "policies")


def until(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def oral_health(cpr: str, **override: Any) -> dict[str, Any]:
    """A jobcenter caseworker's record of the citizen's oral consent to health data."""
    body = {
        "cpr": cpr,
        "purpose": "helbredsafklaring",
        "categories": ["health.wellbeing"],
        "recipient_departments": ["jobcenter"],
        "valid_until": until(30),
        "collection_method": "oral_recorded",
        "evidence_ref": "telefonnotat 2026-12-04",
    }
    return body | override


def add_user(gw: Harness, username: str, department: str, roles: tuple[str, ...]) -> None:
    idp = gw.services.dev_idp
    assert idp is not None
    idp.users[username] = DemoUser(username, "Test Medarbejder", "employee", department, roles)


async def record(gw: Harness, body: dict[str, Any], user: str = "sagsbehandler-jobcenter") -> Any:
    response = await gw.client.post("/v1/consents", json=body, headers=await gw.auth(user))
    assert response.status_code == 201, response.text
    return response.json()


async def sections(gw: Harness, cpr: str, purpose: str) -> dict[str, Any]:
    seen = await gw.client.post(
        "/v1/views",
        json={"cpr": cpr, "purpose": purpose},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert seen.status_code == 200, seen.text
    return {s["category"]: s for s in seen.json()["sections"]}


async def policy_consents(gw: Harness, cpr: str, purpose: str) -> list[str]:
    """The consent ids the policy input would carry for ``cpr`` and ``purpose``."""
    rt = gw.services
    reader = ConsentFactsReader(
        rt.sessions,
        catalogue=rt.catalogue,
        cipher=rt.keys.cipher,
        pseudonymiser=rt.keys.pseudonymiser,
        signer=rt.receipts,
    )
    facts = await reader.facts_for_policy(identify(rt.keys.pseudonymiser, cpr), purpose=purpose)
    return [f.consent_id for f in facts]


async def confirm(gw: Harness, consent_id: str, headers: dict[str, str], **body: Any) -> Any:
    return await gw.client.post(f"/v1/consents/{consent_id}/confirm", json=body, headers=headers)


# -- item 1: who may record what ---------------------------------------------------------------


async def test_a_support_worker_cannot_record_a_consent_for_a_purpose_its_role_may_not_use(
    gw: Harness,
) -> None:
    cpr = demo_cpr(0)
    body = {
        "cpr": cpr,
        "purpose": "tvaerfagligt_team",  # caseworkers, coordinators, health professionals
        "categories": ["social.services"],
        "recipient_departments": ["social"],
        "valid_until": until(30),
        "collection_method": "written_form",
        "evidence_ref": "blanket 17",
    }
    refused = await gw.client.post("/v1/consents", json=body, headers=await gw.auth("cti-social"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "role_cannot_record_purpose"
    mine = await gw.client.get("/v1/me/consents", headers=await gw.citizen_auth(cpr))
    assert mine.json()["items"] == []  # nothing stored
    # The same worker records for a purpose the role may use (CTI).
    allowed = await record(
        gw, body | {"purpose": "cti_overgang", "categories": ["social.services"]}, "cti-social"
    )
    assert allowed["consent"]["status"] == "active"


async def test_a_caseworkers_oral_health_consent_is_no_basis_until_health_confirms_it(
    gw: Harness,
) -> None:
    cpr = demo_cpr(0)
    made = (await record(gw, oral_health(cpr)))["consent"]
    assert made["status"] == "pending_confirmation"
    assert made["awaiting_confirmation"] == ["health"]
    consent_id = made["consent_id"]

    # The policy never sees it: no basis, and the view withholds health data.
    assert await policy_consents(gw, cpr, "helbredsafklaring") == []
    seen = await sections(gw, cpr, "helbredsafklaring")
    assert seen["health.wellbeing"]["status"] == "withheld"
    assert seen["health.wellbeing"]["reason"]["code"] == "consent_missing"
    assert not seen["health.wellbeing"]["records"]

    # Attacks. The recorder (and anyone in the recorder's department) cannot confirm.
    own = await confirm(gw, consent_id, await gw.auth("sagsbehandler-jobcenter"), evidence_ref="x")
    assert own.status_code == 404
    # A jobcenter user whose token claims the health professional role: not health.
    add_user(gw, "falsk-sundhed", "jobcenter", ("health_professional",))
    posing = await confirm(gw, consent_id, await gw.auth("falsk-sundhed"), evidence_ref="x")
    assert posing.status_code == 404
    # A health employee without the health professional role.
    add_user(gw, "sundhed-sagsbehandler", "health", ("caseworker",))
    wrong_role = await confirm(
        gw, consent_id, await gw.auth("sundhed-sagsbehandler"), evidence_ref="x"
    )
    assert wrong_role.status_code == 403
    assert wrong_role.json()["code"] == "role_cannot_confirm"
    # Another citizen.
    other = await confirm(gw, consent_id, await gw.citizen_auth(demo_cpr(1)))
    assert other.status_code == 404
    # The health professional must name the journal note.
    no_evidence = await confirm(gw, consent_id, await gw.auth("sundhed"))
    assert no_evidence.status_code == 422 and no_evidence.json()["code"] == "evidence_required"
    assert (await sections(gw, cpr, "helbredsafklaring"))["health.wellbeing"]["status"] == (
        "withheld"
    )

    confirmed = await confirm(gw, consent_id, await gw.auth("sundhed"), evidence_ref="journal 42")
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["status"] == "active" and body["confirmed_via"] == "source_department"
    assert [e["event"] for e in body["history"]] == ["created", "confirmed"]
    assert body["history"][1]["by"] == "sundhed"
    assert body["history"][1]["evidence_ref"] == "journal 42"
    # A replayed confirmation is refused.
    replay = await confirm(gw, consent_id, await gw.auth("sundhed"), evidence_ref="journal 42")
    assert replay.status_code == 409 and replay.json()["code"] == "consent_not_pending"

    assert await policy_consents(gw, cpr, "helbredsafklaring") == [consent_id]
    granted = await sections(gw, cpr, "helbredsafklaring")
    # Granted by the policy on this consent (the section is `unavailable` only if the health
    # simulator is too slow on a loaded machine; the basis is the same).
    assert granted["health.wellbeing"]["status"] in ("granted", "unavailable")
    assert granted["health.wellbeing"]["basis"]["ref"] == consent_id

    # Audited from the service layer, by the confirming health professional.
    async with gw.services.sessions() as session:
        rows = (
            await session.scalars(
                select(AuditEntryRow).where(AuditEntryRow.action == "consent.confirm")
            )
        ).all()
    assert [r.actor_id for r in rows] == ["sundhed"]
    assert consent_id in (rows[0].body or "")
    assert cpr not in (rows[0].body or "")


async def test_the_citizen_confirms_a_staff_recorded_consent_themselves(gw: Harness) -> None:
    cpr = demo_cpr(0)
    consent_id = (await record(gw, oral_health(cpr)))["consent"]["consent_id"]
    citizen = await gw.citizen_auth(cpr)
    done = await confirm(gw, consent_id, citizen)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "active"
    assert done.json()["confirmed_via"] == "citizen_portal"
    assert (await confirm(gw, consent_id, citizen)).status_code == 409  # replay
    seen = await sections(gw, cpr, "helbredsafklaring")
    assert seen["health.wellbeing"]["status"] in ("granted", "unavailable")
    assert seen["health.wellbeing"]["basis"]["ref"] == consent_id


async def test_a_withdrawn_or_expired_consent_cannot_be_confirmed(gw: Harness) -> None:
    cpr = demo_cpr(0)
    withdrawn = (await record(gw, oral_health(cpr)))["consent"]["consent_id"]
    citizen = await gw.citizen_auth(cpr)
    gone = await gw.client.post(f"/v1/consents/{withdrawn}/withdraw", headers=citizen)
    assert gone.status_code == 200
    for headers, extra in ((citizen, {}), (await gw.auth("sundhed"), {"evidence_ref": "j"})):
        refused = await confirm(gw, withdrawn, headers, **extra)
        assert refused.status_code == 409, refused.text
    expiring = (await record(gw, oral_health(cpr)))["consent"]["consent_id"]
    real_clock = gw.services.clock
    gw.services.clock = lambda: real_clock() + timedelta(days=31)
    try:
        late = await confirm(gw, expiring, await gw.auth("sundhed"), evidence_ref="journal 1")
        assert late.status_code == 409
        assert (await confirm(gw, expiring, citizen)).status_code == 409
    finally:
        gw.services.clock = real_clock


async def test_a_health_professionals_own_record_of_health_data_needs_no_confirmation(
    gw: Harness,
) -> None:
    """Sundhedsloven §42: the health professional records the oral consent in the journal."""
    made = (await record(gw, oral_health(demo_cpr(0)), "sundhed"))["consent"]
    assert made["status"] == "active" and made["awaiting_confirmation"] == []


def test_the_recorder_never_confirms_their_own_consent() -> None:
    """Defence in depth below the API: even a row that names the recorder's own department as
    awaiting confirmation (a tampered row) is refused to the recorder."""
    row = ConsentRow(
        consent_id="c",
        categories=["health.wellbeing"],
        collection_method="oral_recorded",
        recorded_by_department="health",
        awaiting_confirmation=["health"],
        recorded_by="sundhed",
        status="pending_confirmation",
    )
    recorder = Principal(
        kind="employee",
        subject="sundhed",
        name="L",
        department="health",
        roles=("health_professional",),
    )
    with pytest.raises(NotPermitted) as caught:
        check_staff_confirmer(recorder, row, CATALOGUE, evidence_ref="journal")
    assert caught.value.code == "recorder_cannot_confirm"


async def test_the_citizen_sees_every_staff_recorded_consent(gw: Harness) -> None:
    cpr = demo_cpr(0)
    pending = (await record(gw, oral_health(cpr)))["consent"]["consent_id"]
    ordinary = (
        await record(
            gw,
            {
                "cpr": cpr,
                "purpose": "tvaerfagligt_team",
                "categories": ["social.services"],
                "recipient_departments": ["jobcenter"],
                "valid_until": until(30),
                "collection_method": "written_form",
                "evidence_ref": "blanket 3",
            },
        )
    )["consent"]["consent_id"]
    citizen = await gw.citizen_auth(cpr)
    mine = (await gw.client.get("/v1/me/consents", headers=citizen)).json()["items"]
    assert {c["consent_id"]: c["status"] for c in mine} == {
        pending: "pending_confirmation",
        ordinary: "active",
    }
    notices = (await gw.client.get("/v1/me/notices", headers=citizen)).json()["items"]
    recorded = [n for n in notices if n["kind"] == "consent_recorded"]
    assert len(recorded) == 2  # one per staff-recorded consent
    pending_told = [n for n in recorded if "bekræftet" in n["body"]["da"]]
    assert len(pending_told) == 1  # the pending one says it is not used until confirmed


# -- item 2: informed and specific ----------------------------------------------------------


async def test_a_consent_stores_its_notice_text_version_and_hash_and_the_text_is_retrievable(
    gw: Harness,
) -> None:
    versions = (await gw.client.get("/v1/consent-notices")).json()
    assert versions == ["2026-11", "2026-12"]
    consent = (await record(gw, oral_health(demo_cpr(0)), "sundhed"))["consent"]
    assert consent["notice_version"] == "2026-12"  # the current one by default
    notice = (await gw.client.get("/v1/consent-notices/2026-12", params={"lang": "da"})).json()
    assert notice["current"] is True
    assert hashlib.sha256(notice["text"].encode("utf-8")).hexdigest() == notice["sha256"]
    assert consent["notice_sha256"] == notice["sha256"]
    on_disk = (REPO / "policies/notices/consent/2026-12.da.md").read_bytes()
    assert hashlib.sha256(on_disk).hexdigest() == notice["sha256"]
    assert "§ 11 b" in notice["text"] and "når som helst" in notice["text"]
    older = await record(gw, oral_health(demo_cpr(0), notice_version="2026-11"), "sundhed")
    assert (
        older["consent"]["notice_sha256"]
        == hashlib.sha256(
            (REPO / "policies/notices/consent/2026-11.da.md").read_bytes()
        ).hexdigest()
    )
    unknown = await gw.client.post(
        "/v1/consents",
        json=oral_health(demo_cpr(0), notice_version="1999-01"),
        headers=await gw.auth("sundhed"),
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_notice_version"
    assert (await gw.client.get("/v1/consent-notices/1999-01")).status_code == 404


async def test_the_record_holds_the_iso_27560_fields(tmp_path: Path, database_url: str) -> None:
    async with running_gateway(
        tmp_path,
        database_url=database_url,
        controller_name="Aarhus Kommune",
        controller_contact="kommunen@aarhus.example",
        dpo_contact="dpo@aarhus.example",
        consent_record_retention="5 år",
    ) as gw:
        consent = (await record(gw, oral_health(demo_cpr(0)), "sundhed"))["consent"]
        assert consent["controller"] == {
            "name": "Aarhus Kommune",
            "contact": "kommunen@aarhus.example",
            "dpo_contact": "dpo@aarhus.example",
        }
        assert consent["lawful_basis"] == ["GDPR art. 6(1)(a)", "GDPR art. 9(2)(a)"]
        assert consent["retention"] == "5 år" and consent["jurisdiction"] == "DK"
        assert consent["withdrawal_method"]
        assert consent["granted_fields"] == {"health.wellbeing": ["date", "raw_score", "score"]}
        assert consent["history"][0]["event"] == "created"
        assert consent["history"][0]["via"] == "oral_recorded"
        ordinary = (
            await record(
                gw,
                {
                    "cpr": demo_cpr(0),
                    "purpose": "tvaerfagligt_team",
                    "categories": ["social.services"],
                    "recipient_departments": ["jobcenter"],
                    "valid_until": until(30),
                    "collection_method": "written_form",
                    "evidence_ref": "blanket",
                },
            )
        )["consent"]
        assert ordinary["lawful_basis"] == ["GDPR art. 6(1)(a)"]


async def test_withdrawal_stores_its_evidence_and_issues_a_signed_receipt(gw: Harness) -> None:
    cpr = demo_cpr(0)
    consent_id = (await record(gw, oral_health(cpr), "sundhed"))["consent"]["consent_id"]
    staff = await gw.client.post(
        f"/v1/consents/{consent_id}/withdraw",
        json={"evidence_ref": "brev modtaget 2026-12-04"},
        headers=await gw.auth("sundhed"),
    )
    assert staff.status_code == 200, staff.text
    body = staff.json()
    assert body["withdrawal_evidence_ref"] == "brev modtaget 2026-12-04"
    assert body["withdrawal_receipt"].count(".") == 2
    assert [e["event"] for e in body["history"]] == ["created", "withdrawn"]
    by_citizen = (await record(gw, oral_health(cpr), "sundhed"))["consent"]["consent_id"]
    own = await gw.client.post(
        f"/v1/consents/{by_citizen}/withdraw", headers=await gw.citizen_auth(cpr)
    )
    assert own.json()["withdrawal_evidence_ref"].startswith("tvaers:request:")
    assert own.json()["withdrawal_receipt"]


# -- a catalogue change never widens an existing consent ---------------------------------------


def widened_policies(target: Path) -> Path:
    """A copy of policies/ whose catalogue gives the purpose one more jobcenter.benefit field."""
    shutil.copytree(REPO / "policies", target)
    path = target / "catalogue" / "data.json"
    catalogue = json.loads(path.read_text(encoding="utf-8"))
    fields = catalogue["purposes"]["tvaerfagligt_team"]["categories"]["jobcenter.benefit"]
    assert "amount_band" not in fields
    fields.append("amount_band")
    catalogue["version"] += "-widened"
    path.write_text(json.dumps(catalogue, ensure_ascii=False, indent=1), encoding="utf-8")
    (target / INDEX_FILE).write_text(json.dumps(build_index(catalogue)), encoding="utf-8")
    return target


async def test_a_catalogue_change_does_not_widen_an_existing_consent(
    tmp_path: Path, database_url: str
) -> None:
    cpr = demo_cpr(0)
    body = {
        "cpr": cpr,
        "purpose": "tvaerfagligt_team",
        "categories": ["jobcenter.benefit"],
        "recipient_departments": ["social"],
        "valid_until": until(60),
        "collection_method": "written_form",
        "evidence_ref": "blanket",
    }
    async with running_gateway(tmp_path / "a", database_url=database_url) as before:
        old = (await record(before, body, "sagsbehandler-social"))["consent"]
        assert old["granted_fields"] == {
            "jobcenter.benefit": ["benefit_type", "since", "target_group"]
        }
    policies = widened_policies(tmp_path / "policies")
    async with running_gateway(
        tmp_path / "a", database_url=database_url, policies_dir=policies
    ) as after:
        social = await after.auth("sagsbehandler-social")

        async def benefit() -> dict[str, Any]:
            seen = await after.client.post(
                "/v1/views",
                json={
                    "cpr": cpr,
                    "purpose": "tvaerfagligt_team",
                    "categories": ["jobcenter.benefit"],
                },
                headers=social,
            )
            assert seen.status_code == 200, seen.text
            found: dict[str, Any] = seen.json()["sections"][0]
            return found

        section = await benefit()
        assert section["status"] == "granted"
        assert section["fields"] == ["benefit_type", "since", "target_group"]
        assert all("amount_band" not in r for r in section["records"])
        assert any(r for r in section["records"])  # the data itself still flows
        # A new consent, given under the widened catalogue, covers the new field.
        await after.client.post(
            f"/v1/consents/{old['consent_id']}/withdraw",
            json={"evidence_ref": "ny blanket"},
            headers=social,
        )
        new = (await record(after, body, "sagsbehandler-social"))["consent"]
        assert "amount_band" in new["granted_fields"]["jobcenter.benefit"]
        assert "amount_band" in (await benefit())["fields"]
