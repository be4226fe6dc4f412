"""The gateway with a witness: cosigning, serving, publishing, a stopped witness, rollback, fork.

The witness is the real ``gateway.witness`` app (own key, own SQLite file) reached through
the gateway's HTTP client; "stopping" it makes its host refuse connections, as a stopped
process does. Rollback and fork are made the way an operator with database access would:
the tail of the log is deleted — entries, checkpoints, cosignatures, subtree hashes — and
the tree state rebuilt, so the database is consistent with itself and passes
``tvaers audit verify full`` on its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.audit.log.lifecycle import audit_signer
from gateway.audit.log.repository import NODE_LEVEL_SHIFT
from gateway.audit.log.witnessing import WitnessCosigning
from gateway.audit.proofs.cosignature import Cosigner, verify_cosignatures
from gateway.audit.proofs.merkle import NodeId, TreeState
from gateway.audit.proofs.notes import Checkpoint, open_checkpoint, parse_note
from gateway.cli import app as cli_app
from gateway.witness.app import create_witness_app, origin_hash
from gateway.witness.config import FollowedLog, WitnessConfig
from tests.audit.log_helpers import cli, demo_traffic, execute, public_key, sequencer
from tests.harness import Harness, running_gateway

WITNESS_HOST = "witness.test"
WITNESS_URL = f"http://{WITNESS_HOST}"


@dataclass
class Witnessed:
    gw: Harness
    cosigner: Cosigner
    config: WitnessConfig

    @property
    def task(self) -> WitnessCosigning:
        found = self.gw.app.state.audit_witnessing
        assert isinstance(found, WitnessCosigning)
        return found

    @property
    def key(self) -> str:
        return str(self.cosigner.verifier())

    def start_witness(self) -> None:
        self.gw.transport.route(WITNESS_HOST, self._app)

    def stop_witness(self) -> None:
        self.gw.transport.unroute(WITNESS_HOST)

    async def cosigned(self) -> None:
        """Sequence everything, then get the newest checkpoint cosigned (now, not in 1 s)."""
        await sequencer(self.gw).flush()
        await self.task.step()

    _app: object = None


def _witness_key(key_file: Path) -> Cosigner:
    """The witness's key, made on its first start and kept in its own folder."""
    if key_file.exists():
        return Cosigner.parse(key_file.read_text())
    key_file.parent.mkdir(parents=True, exist_ok=True)
    cosigner = Cosigner.generate("witness.test/w1")
    key_file.write_text(cosigner.signer_key())
    return cosigner


@asynccontextmanager
async def witnessed_gateway(data_dir: Path, witness_dir: Path) -> AsyncIterator[Witnessed]:
    """A gateway configured with one witness, and that witness running."""
    cosigner = _witness_key(witness_dir / "witness.key")
    witnesses = [{"url": WITNESS_URL, "key": str(cosigner.verifier())}]
    async with AsyncExitStack() as stack:
        gw = await stack.enter_async_context(
            running_gateway(data_dir, witnesses=witnesses, witness_timeout_s=2.0)
        )
        settings = gw.services.settings
        log_key = audit_signer(settings.audit_origin, gw.services.keys.audit_key).verifier()
        config = WitnessConfig(
            cosigner,
            witness_dir / "witness.sqlite3",
            {settings.audit_origin: FollowedLog(settings.audit_origin, (log_key,))},
        )
        app = create_witness_app(config)
        await stack.enter_async_context(app.router.lifespan_context(app))
        witnessed = Witnessed(gw, cosigner, config, app)
        witnessed.start_witness()
        yield witnessed


async def latest_size(gw: Harness) -> int:
    return int((await gw.client.get("/v1/audit/checkpoint")).json()["size"])


@pytest.mark.usefixtures("database_url")
async def test_checkpoints_are_cosigned_served_published_and_receipts_verify(
    tmp_path: Path,
) -> None:
    async with witnessed_gateway(tmp_path / "gw", tmp_path / "witness") as w:
        await demo_traffic(w.gw)
        await w.cosigned()
        size = await latest_size(w.gw)
        note = (
            await w.gw.client.get("/v1/audit/checkpoint", headers={"Accept": "text/plain"})
        ).text
        key = (await w.gw.client.get("/v1/audit/public-key")).json()["verifier_key"]
        from gateway.audit.proofs.notes import NoteVerifier

        assert open_checkpoint(note, [NoteVerifier.parse(key)]).size == size
        (cos,) = verify_cosignatures(note, [w.cosigner.verifier()])
        assert cos.witness.name == "witness.test/w1"
        published = w.gw.services.settings.effective_publish_dir / f"{size:020d}.note"
        assert published.read_text() == note  # written once, with the cosignature
        # the witness's own view agrees (monitoring API)
        held = await w.gw.services.http.get(
            f"{WITNESS_URL}/{origin_hash(parse_note(note).text.split(chr(10))[0])}/checkpoint"
        )
        assert Checkpoint.parse(parse_note(held.text).text).size == size

        citizen = await w.gw.auth("borger-1")
        item = (await w.gw.client.get("/v1/me/access-log", headers=citizen)).json()["items"][0]
        receipt = await w.gw.client.get(item["receipt_url"], headers=citizen)
        assert receipt.status_code == 200
        entry = await w.gw.client.get(
            f"/v1/me/access-log/{item['event_id']}/entry", headers=citizen
        )
        (receipt_file := tmp_path / "r.tlog-proof").write_text(receipt.text, encoding="utf-8")
        (entry_file := tmp_path / "e.json").write_bytes(entry.content)
        (witness_file := tmp_path / "witness.pub").write_text(w.key + "\n")
        base = ["audit", "verify", "receipt", str(receipt_file), "--entry", str(entry_file)]
        ok = await asyncio.to_thread(
            cli, w.gw.data_dir, *base, "--key", key, "--witness", str(witness_file)
        )
        assert ok.exit_code == 0, ok.output
        assert "cosigned by at least 1 witness" in ok.output
        stranger = str(Cosigner.generate("witness.test/w1").verifier())
        refused = await asyncio.to_thread(
            cli, w.gw.data_dir, *base, "--key", key, "--witness", stranger
        )
        assert refused.exit_code == 1
        assert "0 of the 1 required" in refused.output
        # checkpoint command, with a quorum the single witness cannot meet
        (note_file := tmp_path / "cp.note").write_text(note, encoding="utf-8")
        two = await asyncio.to_thread(
            cli,
            w.gw.data_dir,
            "audit",
            "verify",
            "checkpoint",
            str(note_file),
            "--key",
            key,
            "--witness",
            w.key,
            "--witness",
            stranger,
            "--quorum",
            "2",
        )
        assert two.exit_code == 1 and f"size {size}" in two.output, two.output

        out = tmp_path / "export"
        env = {
            "TVAERS_DATA_DIR": str(w.gw.data_dir),
            "TVAERS_ENV": "test",
            "TVAERS_DATABASE_URL": w.gw.services.settings.database_url,  # "" on SQLite
        }
        exported = await asyncio.to_thread(
            CliRunner().invoke,
            cli_app,
            ["audit", "export", "--out", str(out), "--no-progress"],
            env=env,
        )
        assert exported.exit_code == 0, exported.output
        full = await asyncio.to_thread(
            cli,
            w.gw.data_dir,
            "audit",
            "verify",
            "full",
            "--export",
            str(out),
            "--key",
            key,
            "--witness",
            w.key,
        )
        assert full.exit_code == 0, full.output


@pytest.mark.usefixtures("database_url")
async def test_stopped_witness_never_blocks_a_view_and_cosigning_catches_up(
    tmp_path: Path,
) -> None:
    async with witnessed_gateway(tmp_path / "gw", tmp_path / "witness") as w:
        await demo_traffic(w.gw)
        await w.cosigned()
        before = await latest_size(w.gw)
        w.stop_witness()
        await demo_traffic(w.gw, citizen=1)  # every view answered 200 (asserted inside)
        await w.cosigned()
        after = await latest_size(w.gw)
        assert after > before  # the log kept growing and signing
        ready = await w.gw.client.get("/readyz")
        assert ready.status_code == 200
        report = ready.json()
        assert report["status"] == "degraded"
        check = report["checks"]["witness:witness.test/w1"]
        assert check["status"] == "down" and not check["critical"]
        assert f"cosigned up to size {before} of {after}" in check["detail"]
        metrics = (await w.gw.client.get("/metrics")).text
        assert (
            f'tvaers_audit_witness_gap_entries{{witness="witness.test/w1"}} {float(after - before)}'
            in metrics
        )
        dpo = await w.gw.auth("dpo")
        panel = (await w.gw.client.get("/v1/audit/integrity", headers=dpo)).json()
        assert panel["witnesses"][0]["status"] == "unreachable"

        w.start_witness()  # back: the background task catches up by itself
        w.task.wake()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            note = (await w.gw.client.get("/v1/audit/checkpoint")).json()["note"]
            if verify_cosignatures(note, [w.cosigner.verifier()]):
                break
            w.task.wake()
            await asyncio.sleep(0.2)
        else:
            pytest.fail("cosigning did not catch up after the witness returned")
        ready = (await w.gw.client.get("/readyz")).json()
        assert ready["checks"]["witness:witness.test/w1"]["status"] == "ok"
        panel = (await w.gw.client.get("/v1/audit/integrity", headers=dpo)).json()
        assert panel["witnessed"] == "ok", panel


def _cut_tail(data_dir: Path, cut: int) -> None:
    """Delete the log from leaf ``cut`` on, as an insider would, leaving a self-consistent tree."""
    execute(data_dir, "DELETE FROM audit_entries WHERE leaf_index >= ?", cut)
    execute(data_dir, "DELETE FROM audit_checkpoints WHERE size > ?", cut)
    execute(data_dir, "DELETE FROM audit_cosignatures WHERE size > ?", cut)
    mask = (1 << NODE_LEVEL_SHIFT) - 1
    for (key,) in execute(data_dir, "SELECT node_key FROM audit_tree_nodes"):
        node = NodeId(key >> NODE_LEVEL_SHIFT, key & mask)
        if (node.index + 1) << node.level > cut:
            execute(data_dir, "DELETE FROM audit_tree_nodes WHERE node_key = ?", key)
    state = TreeState()
    for (leaf,) in execute(
        data_dir,
        "SELECT leaf_hash FROM audit_entries WHERE leaf_index IS NOT NULL ORDER BY leaf_index",
    ):
        state.append(leaf)
    assert state.size == cut
    execute(
        data_dir, "UPDATE audit_tree_state SET size = ?, state = ?", state.size, state.to_json()
    )


def _export_and_verify(data_dir: Path, out: Path, *extra: str) -> tuple[int, str]:
    exported = cli(data_dir, "audit", "export", "--out", str(out), "--no-progress")
    assert exported.exit_code == 0, exported.output
    key = public_key(data_dir)
    result = cli(data_dir, "audit", "verify", "full", "--export", str(out), "--key", key, *extra)
    return result.exit_code, result.output


@pytest.mark.sqlite_only(reason="edits the SQLite file as an insider would")
async def test_deleted_tail_is_refused_by_the_witness_and_fails_verification(
    tmp_path: Path,
) -> None:
    data, wdir = tmp_path / "gw", tmp_path / "witness"
    async with witnessed_gateway(data, wdir) as w:
        for citizen in range(3):
            await demo_traffic(w.gw, citizen=citizen)
            await w.cosigned()
        held = await latest_size(w.gw)
        witness_key = w.key
    cut = held // 3
    _cut_tail(data, cut)
    code, output = await asyncio.to_thread(_export_and_verify, data, tmp_path / "alone")
    assert code == 0, output  # the database alone is consistent with itself

    async with witnessed_gateway(data, wdir) as w:
        await demo_traffic(w.gw)
        await sequencer(w.gw).flush()
        regrown = await latest_size(w.gw)
        assert cut < regrown < held
        # the witness refuses: 409 with the size it holds
        note = (await w.gw.client.get("/v1/audit/checkpoint")).json()["note"]
        answer = await w.gw.services.http.post(
            f"{WITNESS_URL}/add-checkpoint", content=f"old {cut}\n\n{note}".encode()
        )
        assert answer.status_code == 409
        assert answer.headers["content-type"].startswith("text/x.tlog.size")
        assert answer.text == f"{held}\n"
        await w.task.step()
        state = w.task.states[witness_key]
        assert state.last_error is not None and "rolled back" in state.last_error
        assert not verify_cosignatures(note, [w.cosigner.verifier()])
        ready = (await w.gw.client.get("/readyz")).json()
        assert ready["checks"]["witness:witness.test/w1"]["status"] == "down"
        dpo = await w.gw.auth("dpo")
        panel = (await w.gw.client.get("/v1/audit/integrity", headers=dpo)).json()
        assert panel["witnessed"] == "failed"
        assert f"the witness saw size {held}" in panel["witnessed_detail"]
        witness_note = panel["witnesses"][0]["note"]
        job = (await w.gw.client.post("/v1/audit/integrity/verify", headers=dpo)).json()
        for _ in range(300):
            job = (
                await w.gw.client.get(f"/v1/audit/integrity/verify/{job['job_id']}", headers=dpo)
            ).json()
            if job["phase"] in ("done", "failed"):
                break
            await asyncio.sleep(0.1)
        assert job["ok"] is False, job  # "verify now" checks against the witness, not the DB
    code, output = await asyncio.to_thread(
        _export_and_verify, data, tmp_path / "witnessed", "--witness", witness_key
    )
    assert code == 1, output
    assert f"newest checkpoint (size {regrown}) has 0 of the 1 required" in output
    (held_file := tmp_path / "held.note").write_text(witness_note, encoding="utf-8")
    code, output = await asyncio.to_thread(
        _export_and_verify, data, tmp_path / "held", "--checkpoint", str(held_file)
    )
    assert code == 1, output  # the witness's checkpoint is beyond the log: truncated


@pytest.mark.sqlite_only(reason="edits the SQLite file as an insider would")
async def test_fork_is_detected_by_the_witness_and_the_dpo_panel(tmp_path: Path) -> None:
    data, wdir = tmp_path / "gw", tmp_path / "witness"
    async with witnessed_gateway(data, wdir) as w:
        await demo_traffic(w.gw, citizen=0)
        await w.cosigned()
        cut = await latest_size(w.gw)
        await demo_traffic(w.gw, citizen=1)
        await w.cosigned()
        held = await latest_size(w.gw)
        witness_key = w.key
    _cut_tail(data, cut)
    async with witnessed_gateway(data, wdir) as w:
        for citizen in (2, 3, 4):  # other entries in place of the deleted ones, and more
            await demo_traffic(w.gw, citizen=citizen)
        await sequencer(w.gw).flush()
        forked = await latest_size(w.gw)
        assert forked > held
        await w.task.step()  # 409 → retries from the witness's size → the proof fails: 422
        state = w.task.states[witness_key]
        assert state.last_error is not None and "422" in state.last_error, state.last_error
        dpo = await w.gw.auth("dpo")
        panel = (await w.gw.client.get("/v1/audit/integrity", headers=dpo)).json()
        assert panel["witnessed"] == "failed"
        assert f"does not extend the witnessed size {held}" in panel["witnessed_detail"]
    code, output = await asyncio.to_thread(
        _export_and_verify, data, tmp_path / "x", "--witness", witness_key
    )
    assert code == 1, output
    assert f"size {forked}" in output
