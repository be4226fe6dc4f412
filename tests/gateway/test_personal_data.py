"""Invariant 5: CPR numbers never in URLs, logs, audit leaves; stored only encrypted."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.audit.entries.models import AuditEntryRow
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
    raw = b"".join(p.read_bytes() for p in await database_files(gw))
    assert b"tvaerfagligt_team" in raw, "these are the files that hold the test's data"
    assert cpr.encode() not in raw
    assert cpr.encode("utf-16-le") not in raw


async def database_files(gw: Harness) -> list[Path]:
    """Files holding this test's data: SQLite's db + WAL, or PostgreSQL's relations + WAL."""
    engine = gw.services.engine
    if engine.dialect.name != "postgresql":
        await engine.dispose()  # checkpoint and close the WAL
        return list(gw.data_dir.glob("tvaers.db*"))
    async with engine.connect() as conn:
        await conn.exec_driver_sql("CHECKPOINT")  # shared buffers → relation files
        data_dir = (await conn.exec_driver_sql("SHOW data_directory")).scalar_one()
        oid = (
            await conn.exec_driver_sql(
                "SELECT oid FROM pg_database WHERE datname = current_database()"
            )
        ).scalar_one()
    return postgres_files(Path(data_dir), oid)


def postgres_files(data_dir: Path, database_oid: int) -> list[Path]:
    folders = (data_dir / "base" / str(database_oid), data_dir / "pg_wal")
    return [p for folder in folders for p in folder.iterdir() if p.is_file()]
