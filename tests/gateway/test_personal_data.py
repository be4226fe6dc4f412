"""Invariant 5: CPR numbers never in URLs, logs, audit leaves; stored only encrypted."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.audit.models import AuditEntryRow
from gateway.consent.models import CitizenRow
from tests.harness import Harness, demo_cpr


async def exercise(gw: Harness, cpr: str) -> None:
    consent = await gw.record_consent(cpr, categories=["health.wellbeing", "social.services"])
    headers = await gw.auth("sagsbehandler-jobcenter")
    assert (
        await gw.client.post(
            "/v1/views", json={"cpr": cpr, "purpose": "tvaerfagligt_team"}, headers=headers
        )
    ).status_code == 200
    assert (
        await gw.client.post("/v1/consents/search", json={"cpr": cpr}, headers=headers)
    ).status_code == 200
    await gw.client.post(
        f"/v1/consents/{consent['consent']['consent_id']}/withdraw",
        json={"evidence_ref": "brev"},
        headers=headers,
    )
    gw.set_simulator("health", fault="error500")
    await gw.client.post(
        "/v1/views", json={"cpr": cpr, "purpose": "tvaerfagligt_team"}, headers=headers
    )
    dpo = await gw.auth("dpo")
    assert (
        await gw.client.post("/v1/audit/search", json={"cpr": cpr}, headers=dpo)
    ).status_code == 200


async def test_cpr_never_in_urls_logs_or_audit(
    gw: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    cpr = demo_cpr(0)
    caplog.set_level(logging.DEBUG)
    await exercise(gw, cpr)
    assert gw.transport.requested_urls, "connectors were called"
    for url in gw.transport.requested_urls:
        assert cpr not in url
    assert cpr not in caplog.text
    assert f"{cpr[:6]}-{cpr[6:]}" not in caplog.text
    async with gw.services.sessions() as session:
        bodies = [r.body or "" for r in (await session.scalars(select(AuditEntryRow))).all()]
        citizen = (await session.scalars(select(CitizenRow))).one()
    assert bodies and all(cpr not in b for b in bodies)
    assert cpr.encode() not in citizen.cpr_ciphertext
    assert (
        gw.services.keys.cipher.decrypt(
            citizen.cpr_key_id, citizen.cpr_ciphertext, aad=b"citizen.cpr"
        )
        == cpr.encode()
    )


async def test_cpr_not_in_the_database_files(gw: Harness, tmp_path: Path) -> None:
    cpr = demo_cpr(1)
    await exercise(gw, cpr)
    await gw.services.engine.dispose()  # checkpoint and close the WAL
    raw = b"".join(p.read_bytes() for p in gw.data_dir.glob("tvaers.db*"))
    assert raw, "database files exist"
    assert cpr.encode() not in raw
    assert cpr.encode("utf-16-le") not in raw
