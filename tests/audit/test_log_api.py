"""Transparency-log endpoints per principal, citizen receipts offline, retention, key loading."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.audit.proofs.merkle import leaf_hash
from gateway.audit.proofs.notes import NoteVerifier
from gateway.audit.proofs.verify import verify_checkpoint_note, verify_receipt
from gateway.keys import KeyConfigurationError
from tests.audit.log_helpers import cli, demo_traffic, execute, export_and_verify, sequencer
from tests.harness import Harness, demo_cpr, running_gateway

PUBLIC = ["/v1/audit/public-key", "/v1/audit/checkpoint", "/v1/audit/proof/consistency?old=1&new=2"]


@pytest.fixture
async def traffic(gw: Harness) -> Harness:
    await demo_traffic(gw)
    await sequencer(gw).flush()
    return gw


@pytest.mark.parametrize("path", PUBLIC)
@pytest.mark.parametrize("user", [None, "borger-1", "sagsbehandler-social", "dpo"])
async def test_public_endpoints_answer_everyone(
    traffic: Harness, path: str, user: str | None
) -> None:
    headers = await traffic.auth(user) if user else {}
    response = await traffic.client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    # No personal data: none of the demo citizens' CPR numbers (with or without dash) and no
    # field named like one. (Not a bare "cpr" substring: base64 hashes contain it by chance.)
    for index in range(3):
        cpr = demo_cpr(index)
        assert cpr not in response.text
        assert f"{cpr[:6]}-{cpr[6:]}" not in response.text
    assert '"cpr' not in response.text.lower()


@pytest.mark.parametrize(
    ("user", "status"),
    [(None, 401), ("borger-1", 403), ("sagsbehandler-jobcenter", 403), ("dpo", 200)],
)
async def test_inclusion_proofs_are_for_the_dpo(
    traffic: Harness, user: str | None, status: int
) -> None:
    headers = await traffic.auth(user) if user else {}
    response = await traffic.client.get("/v1/audit/proof/inclusion?index=0", headers=headers)
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("user", "status"), [(None, 401), ("sagsbehandler-jobcenter", 403), ("dpo", 403)]
)
async def test_access_log_is_for_citizens(traffic: Harness, user: str | None, status: int) -> None:
    headers = await traffic.auth(user) if user else {}
    response = await traffic.client.get("/v1/me/access-log", headers=headers)
    assert response.status_code == status


async def test_checkpoint_and_key_verify_and_agree(traffic: Harness) -> None:
    key = (await traffic.client.get("/v1/audit/public-key")).json()
    verifier = NoteVerifier.parse(key["verifier_key"])
    assert key["key_id"] == f"{verifier.key_id:08x}"
    text = await traffic.client.get("/v1/audit/public-key", headers={"Accept": "text/plain"})
    assert text.text.strip() == key["verifier_key"]
    latest = (await traffic.client.get("/v1/audit/checkpoint")).json()
    checkpoint = verify_checkpoint_note(latest["note"], verifier)
    assert checkpoint.size == latest["size"] > 0
    by_size = await traffic.client.get(f"/v1/audit/checkpoints/{latest['size']}")
    assert by_size.json()["note"] == latest["note"]
    missing = await traffic.client.get(f"/v1/audit/checkpoints/{latest['size'] + 1000}")
    assert missing.status_code == 404
    cli_key = await asyncio.to_thread(cli, traffic.data_dir, "audit", "public-key")
    assert cli_key.stdout.strip() == key["verifier_key"]


async def test_citizen_sees_own_entries_with_proofs_that_verify(traffic: Harness) -> None:
    citizen = await traffic.auth("borger-1")
    page = (await traffic.client.get("/v1/me/access-log", headers=citizen)).json()
    items = page["items"]
    assert items and all(i["status"] == "sequenced" for i in items)
    times = [i["time"] for i in items]
    assert times == sorted(times, reverse=True)  # newest first
    for item in items:
        leaf = base64.b64decode(item["leaf"])
        assert json.loads(leaf) == item["entry"]
        proof = [base64.b64decode(h) for h in item["inclusion_proof"]]
        from gateway.audit.proofs.export_format import format_receipt

        receipt = format_receipt(item["leaf_index"], proof, item["checkpoint"])
        assert verify_receipt(receipt, leaf, page["verifier_key"]).index == item["leaf_index"]
    other = await traffic.auth("borger-2")
    assert (await traffic.client.get("/v1/me/access-log", headers=other)).json()["items"] == []
    first = items[0]["event_id"]
    refused = await traffic.client.get(f"/v1/me/access-log/{first}/receipt", headers=other)
    assert refused.status_code == 404


async def test_access_log_pages(traffic: Harness) -> None:
    citizen = await traffic.auth("borger-1")
    everything = (await traffic.client.get("/v1/me/access-log", headers=citizen)).json()["items"]
    seen: list[str] = []
    cursor: int | None = None
    while True:
        query = "?limit=2" + (f"&before={cursor}" if cursor else "")
        page = (await traffic.client.get(f"/v1/me/access-log{query}", headers=citizen)).json()
        seen += [i["event_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [i["event_id"] for i in everything]


async def test_receipt_download_verifies_offline_with_the_cli(
    traffic: Harness, tmp_path: Path
) -> None:
    citizen = await traffic.auth("borger-1")
    item = (await traffic.client.get("/v1/me/access-log", headers=citizen)).json()["items"][0]
    receipt = await traffic.client.get(item["receipt_url"], headers=citizen)
    assert receipt.status_code == 200
    assert receipt.text.startswith("c2sp.org/tlog-proof@v1\nindex ")
    entry = await traffic.client.get(f"/v1/me/access-log/{item['event_id']}/entry", headers=citizen)
    assert leaf_hash(entry.content) == base64.b64decode(item["leaf_hash"])
    key = (await traffic.client.get("/v1/audit/public-key")).json()["verifier_key"]
    (receipt_file := tmp_path / "r.tlog-proof").write_text(receipt.text, encoding="utf-8")
    (entry_file := tmp_path / "entry.json").write_bytes(entry.content)
    (item_file := tmp_path / "item.json").write_text(json.dumps(item), encoding="utf-8")
    for path in (entry_file, item_file):
        args = ["audit", "verify", "receipt", str(receipt_file), "--entry", str(path)]
        result = await asyncio.to_thread(cli, traffic.data_dir, *args, "--key", key)
        assert result.exit_code == 0, result.output
    entry_file.write_bytes(entry.content.replace(b'"phase":"', b'"phase":"x'))
    args = ["audit", "verify", "receipt", str(receipt_file), "--entry", str(entry_file)]
    result = await asyncio.to_thread(cli, traffic.data_dir, *args, "--key", key)
    assert result.exit_code == 1


async def test_consistency_proof_verifies_with_the_cli(traffic: Harness, tmp_path: Path) -> None:
    old = (await traffic.client.get("/v1/audit/checkpoint")).json()["size"]
    await demo_traffic(traffic, citizen=1)
    await sequencer(traffic).flush()
    new = (await traffic.client.get("/v1/audit/checkpoint")).json()["size"]
    assert new > old
    for size in (old, new):
        note = (await traffic.client.get(f"/v1/audit/checkpoints/{size}")).json()["note"]
        (tmp_path / f"{size}.note").write_text(note, encoding="utf-8")
    proof = await traffic.client.get(f"/v1/audit/proof/consistency?old={old}&new={new}")
    (tmp_path / "proof.json").write_text(proof.text, encoding="utf-8")
    key = (await traffic.client.get("/v1/audit/public-key")).json()["verifier_key"]
    args = ["audit", "verify", "consistency", str(tmp_path / f"{old}.note")]
    args += [str(tmp_path / f"{new}.note"), "--proof", str(tmp_path / "proof.json")]
    result = await asyncio.to_thread(cli, traffic.data_dir, *args, "--key", key)
    assert result.exit_code == 0, result.output
    too_big = await traffic.client.get(f"/v1/audit/proof/consistency?old=1&new={new + 5}")
    assert too_big.status_code == 422


async def test_unsequenced_entries_say_so(gw: Harness) -> None:
    await sequencer(gw).stop()
    await demo_traffic(gw)
    citizen = await gw.auth("borger-1")
    items = (await gw.client.get("/v1/me/access-log", headers=citizen)).json()["items"]
    assert items and {i["status"] for i in items} == {"pending"}
    assert all(i["inclusion_proof"] is None and i["leaf_index"] is None for i in items)
    assert "not yet sequenced" in items[0]["status_text"]
    receipt = await gw.client.get(
        f"/v1/me/access-log/{items[0]['event_id']}/receipt", headers=citizen
    )
    assert receipt.status_code == 409


@pytest.mark.sqlite_only(reason="opens the SQLite file directly to tamper with or inspect it")
async def test_retention_purges_bodies_and_the_log_still_verifies(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gw:
        await demo_traffic(gw)
        await sequencer(gw).flush()
    old = (datetime.now(UTC) - timedelta(days=400)).strftime("%Y-%m-%d %H:%M:%S.%f")
    execute(tmp_path, "UPDATE audit_entries SET recorded_at = ? WHERE leaf_index < 3", old)
    refused = await asyncio.to_thread(cli, tmp_path, "audit", "purge")
    assert refused.exit_code == 2  # no period configured, none given
    # No retention configured means keep for ever: purging needs an explicit override.
    refused = await asyncio.to_thread(cli, tmp_path, "audit", "purge", "--days", "365")
    assert refused.exit_code == 2
    purged = await asyncio.to_thread(
        cli, tmp_path, "audit", "purge", "--days", "365", "--override-retention", "DPO-2026-7"
    )
    assert purged.exit_code == 0, purged.output
    rows = execute(
        tmp_path, "SELECT leaf_index, body, citizen_pseudonym, leaf_hash FROM audit_entries"
    )
    gone = [r for r in rows if r[1] is None]
    assert sorted(r[0] for r in gone) == [0, 1, 2]
    assert all(r[2] is None and r[3] is not None for r in gone)
    result = await asyncio.to_thread(export_and_verify, tmp_path, tmp_path / "export")
    assert result.exit_code == 0, result.output
    assert "3 with bodies purged by retention" in result.output


@pytest.mark.sqlite_only(reason="opens the SQLite file directly to tamper with or inspect it")
async def test_retention_runs_in_the_sequencer(tmp_path: Path) -> None:
    async with running_gateway(tmp_path) as gw:
        await demo_traffic(gw)
        await sequencer(gw).flush()
    old = (datetime.now(UTC) - timedelta(days=40)).strftime("%Y-%m-%d %H:%M:%S.%f")
    execute(tmp_path, "UPDATE audit_entries SET recorded_at = ? WHERE leaf_index < 2", old)
    async with running_gateway(tmp_path, audit_retention_days=30) as gw:
        assert await sequencer(gw).purge_expired() == 2
        citizen = await gw.auth("borger-1")
        items = (await gw.client.get("/v1/me/access-log", headers=citizen)).json()["items"]
    assert execute(tmp_path, "SELECT count(*) FROM audit_entries WHERE body IS NULL")[0][0] == 2
    assert all(i["status"] in ("sequenced", "purged") for i in items)


@pytest.mark.parametrize("content", [None, b"not a key"])
@pytest.mark.usefixtures("database_url")
async def test_missing_or_unreadable_audit_key_stops_start_up(
    tmp_path: Path, content: bytes | None
) -> None:
    key_file = tmp_path / "audit.pem"
    if content is not None:
        key_file.write_bytes(content)
    with pytest.raises(KeyConfigurationError):
        async with running_gateway(tmp_path / "data", audit_key_file=key_file):
            pass
