"""Tampering with the database is caught by ``tvaers audit verify full`` on a real export.

One gateway run builds a log (demo traffic in rounds, a checkpoint after each round); each
test copies its data directory, edits the database the way an insider could, exports with
``tvaers audit export`` and expects a non-zero exit naming the first bad index.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

import pytest

from gateway.audit.proofs.notes import Checkpoint, NoteSigner, parse_note, sign_checkpoint
from tests.audit.log_helpers import (
    cli,
    demo_traffic,
    execute,
    export_and_verify,
    public_key,
    sequencer,
)
from tests.harness import running_gateway

ROUNDS = 3


async def _build(data_dir: Path) -> None:
    async with running_gateway(data_dir) as gw:
        for citizen in range(ROUNDS):
            await demo_traffic(gw, citizen=citizen)
            await sequencer(gw).flush()


@pytest.fixture(scope="module")
def built_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("log")
    asyncio.run(_build(data_dir))
    return data_dir


@pytest.fixture
def log(built_log: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(built_log, copy)
    return copy


def size(data_dir: Path) -> int:
    return int(execute(data_dir, "SELECT max(size) FROM audit_checkpoints")[0][0])


def failed_at(result_output: str, index: int) -> bool:
    return f"[indeks/index {index}]" in result_output


def test_untouched_log_verifies(log: Path, tmp_path: Path) -> None:
    result = export_and_verify(log, tmp_path / "export")
    assert result.exit_code == 0, result.output
    assert f"{size(log)} entries" in result.output
    assert size(log) >= 6 * ROUNDS  # intent + outcome per view, consents, search


def test_edited_field_is_named_exactly(log: Path, tmp_path: Path) -> None:
    target = 5
    (body,) = execute(log, "SELECT body FROM audit_entries WHERE leaf_index = ?", target)[0]
    entry = json.loads(body)
    entry["outcome"] = "denied" if entry["outcome"] != "denied" else "granted"
    edited = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    execute(log, "UPDATE audit_entries SET body = ? WHERE leaf_index = ?", edited, target)
    result = export_and_verify(log, tmp_path / "export")
    assert result.exit_code == 1, result.output
    assert failed_at(result.output, target), result.output


def test_edited_field_and_stored_hash_is_still_caught(log: Path, tmp_path: Path) -> None:
    """An insider who also rewrites the stored leaf hash defeats the hint, not the root."""
    target = 5
    execute(
        log,
        "UPDATE audit_entries SET body = replace(body, '\"phase\":', '\"phase\" :'), "
        "leaf_hash = zeroblob(32) WHERE leaf_index = ?",
        target,
    )
    result = export_and_verify(log, tmp_path / "export")
    assert result.exit_code == 1, result.output
    assert "root_mismatch" in result.output or "index" in result.output
    first_checkpoint_after = execute(
        log, "SELECT min(size) FROM audit_checkpoints WHERE size > ?", target
    )[0][0]
    previous = execute(log, "SELECT max(size) FROM audit_checkpoints WHERE size <= ?", target)
    named = previous[0][0] or 0
    assert named <= target < first_checkpoint_after
    assert failed_at(result.output, named), result.output


def test_deleted_row_is_named(log: Path, tmp_path: Path) -> None:
    execute(log, "DELETE FROM audit_entries WHERE leaf_index = 4")
    result = export_and_verify(log, tmp_path / "export")
    assert result.exit_code == 1, result.output
    assert failed_at(result.output, 4), result.output


def test_swapped_rows_are_named(log: Path, tmp_path: Path) -> None:
    query = "SELECT leaf_index, body FROM audit_entries WHERE leaf_index IN (2, 6)"
    rows = dict(execute(log, query))
    execute(log, "UPDATE audit_entries SET body = ? WHERE leaf_index = 2", rows[6])
    execute(log, "UPDATE audit_entries SET body = ? WHERE leaf_index = 6", rows[2])
    result = export_and_verify(log, tmp_path / "export")
    assert result.exit_code == 1, result.output
    assert failed_at(result.output, 2), result.output


def test_reordered_rows_are_caught(log: Path, tmp_path: Path) -> None:
    """Swapping the rows' leaf indexes moves their stored hashes too."""
    execute(log, "UPDATE audit_entries SET leaf_index = -1 WHERE leaf_index = 2")
    execute(log, "UPDATE audit_entries SET leaf_index = 2 WHERE leaf_index = 3")
    execute(log, "UPDATE audit_entries SET leaf_index = 3 WHERE leaf_index = -1")
    result = export_and_verify(log, tmp_path / "export")
    assert result.exit_code == 1, result.output
    named = re.search(r"FAILED \[indeks/index (\d+)\]", result.output)
    assert named is not None, result.output
    assert int(named.group(1)) <= 2  # at or before the first moved row


def test_truncated_log_is_named(log: Path, tmp_path: Path) -> None:
    cut = size(log) - 3
    execute(log, "DELETE FROM audit_entries WHERE leaf_index >= ?", cut)
    result = export_and_verify(log, tmp_path / "export")
    assert result.exit_code == 1, result.output
    assert failed_at(result.output, cut), result.output


def test_truncated_log_with_its_checkpoints_needs_an_earlier_checkpoint(
    log: Path, tmp_path: Path
) -> None:
    full = size(log)
    (held,) = execute(log, "SELECT note FROM audit_checkpoints WHERE size = ?", full)[0]
    (held_file := tmp_path / "held.note").write_text(held, encoding="utf-8")
    cut = int(execute(log, "SELECT min(size) FROM audit_checkpoints WHERE size > 0")[0][0])
    execute(log, "DELETE FROM audit_entries WHERE leaf_index >= ?", cut)
    execute(log, "DELETE FROM audit_checkpoints WHERE size > ?", cut)
    assert export_and_verify(log, tmp_path / "a").exit_code == 0  # consistent on its own
    result = export_and_verify(log, tmp_path / "b", "--checkpoint", str(held_file))
    assert result.exit_code == 1, result.output
    assert failed_at(result.output, cut), result.output


def test_checkpoint_resigned_with_another_key_is_caught(log: Path, tmp_path: Path) -> None:
    key = public_key(log)
    full = size(log)
    (note,) = execute(log, "SELECT note FROM audit_checkpoints WHERE size = ?", full)[0]
    checkpoint = Checkpoint.parse(parse_note(note).text)
    intruder = NoteSigner.generate(checkpoint.origin)
    forged = sign_checkpoint(checkpoint, intruder)
    execute(log, "UPDATE audit_checkpoints SET note = ? WHERE size = ?", forged, full)
    result = export_and_verify(log, tmp_path / "one")
    assert result.exit_code == 1, result.output
    assert "checkpoint_signature" in result.output or "not validly signed" in result.output
    # Re-signing everything and naming the intruder's key in the export does not help
    # against the key the auditor trusts.
    for cp_size, cp_note in execute(log, "SELECT size, note FROM audit_checkpoints"):
        resigned = sign_checkpoint(Checkpoint.parse(parse_note(cp_note).text), intruder)
        execute(
            log,
            "UPDATE audit_checkpoints SET note = ?, verifier_key = ? WHERE size = ?",
            resigned,
            str(intruder.verifier()),
            cp_size,
        )
    out = tmp_path / "all"
    assert cli(log, "audit", "export", "--out", str(out), "--no-progress").exit_code == 0
    result = cli(log, "audit", "verify", "full", "--export", str(out), "--key", key)
    assert result.exit_code == 1, result.output
    assert "different key" in result.output
