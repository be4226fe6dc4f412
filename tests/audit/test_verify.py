"""Offline verifier: receipts, consistency, full exports with tampering, and the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.audit.proofs.canonical import canonical_json
from gateway.audit.proofs.cli import audit_verify_app
from gateway.audit.proofs.export_format import (
    ENTRIES_FILE,
    ExportWriter,
    format_receipt,
    parse_receipt,
)
from gateway.audit.proofs.merkle import (
    MemoryHashStore,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
)
from gateway.audit.proofs.notes import Checkpoint, NoteSigner, sign_checkpoint
from gateway.audit.proofs.verify import (
    VerificationFailed,
    _is_canonical,
    load_entry_bytes,
    verify_checkpoint_consistency,
    verify_checkpoint_note,
    verify_export,
    verify_receipt,
)

ORIGIN = "tvaers.example/audit"
SIGNER = NoteSigner.generate(ORIGIN)
KEY = str(SIGNER.verifier())
N = 20


def entry(i: int) -> bytes:
    return canonical_json(
        {
            "event_id": f"ev-{i}",
            "time": "2025-03-01T10:00:00.000001Z",
            "phase": "outcome",
            "outcome": "granted",
            "actor": {"id": "u-1", "department": "jobcenter", "role": "sagsbehandler"},
            "citizen": {"pseudonym": f"hmac:k1:{i:064x}", "key_id": "k1"},
            "categories": {"granted": ["social.services"], "denied": []},
        }
    )


ENTRIES = [entry(i) for i in range(N)]
LEAVES = [leaf_hash(e) for e in ENTRIES]
STORE = MemoryHashStore.from_leaf_hashes(LEAVES)


def note(size: int, signer: NoteSigner = SIGNER) -> str:
    return sign_checkpoint(Checkpoint(ORIGIN, size, STORE.root(size)), signer)


def make_export(directory: Path, *, every: int = 1, purged: frozenset[int] = frozenset()) -> Path:
    with ExportWriter(directory) as writer:
        for i, body in enumerate(ENTRIES):
            if i in purged:
                writer.write_purged(i, LEAVES[i])
            else:
                writer.write_entry(i, body)
            if (i + 1) % every == 0 or i + 1 == N:
                writer.write_checkpoint(i + 1, note(i + 1))
        writer.finish(origin=ORIGIN, verifier_key=KEY, exported_at="2025-03-01T12:00:00Z")
    return directory


def edit_lines(directory: Path, change: Callable[[list[bytes]], list[bytes]]) -> None:
    path = directory / ENTRIES_FILE
    path.write_bytes(b"".join(change(path.read_bytes().splitlines(keepends=True))))


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return make_export(tmp_path / "export")


# ------------------------------------------------------------------ full export


def test_untouched_export_verifies(export: Path) -> None:
    progress: list[tuple[int, int]] = []
    result = verify_export(export, key=KEY, progress=lambda d, t: progress.append((d, t)))
    assert result.ok, result.failure
    assert (result.entries, result.checkpoints, result.verified_size) == (N, N, N)
    assert progress[-1] == (N, N)
    assert not result.key_from_export


def test_export_with_purged_bodies_still_verifies(tmp_path: Path) -> None:
    result = verify_export(make_export(tmp_path, purged=frozenset({0, 7, 19})), key=KEY)
    assert result.ok, result.failure
    assert result.purged == 3


def test_edited_field_is_found_at_its_index(export: Path) -> None:
    def change(lines: list[bytes]) -> list[bytes]:
        lines[7] = lines[7].replace(b'"outcome":"granted"', b'"outcome":"denied"')
        return lines

    edit_lines(export, change)
    result = verify_export(export, key=KEY)
    assert not result.ok
    assert result.failure is not None
    assert (result.failure.code, result.failure.index) == ("root_mismatch", 7)


def test_sparse_checkpoints_bound_the_first_bad_index(tmp_path: Path) -> None:
    export = make_export(tmp_path, every=5)

    def change(lines: list[bytes]) -> list[bytes]:
        lines[7] = lines[7].replace(b"u-1", b"u-2")
        return lines

    edit_lines(export, change)
    failure = verify_export(export, key=KEY).failure
    assert failure is not None
    assert (failure.code, failure.index) == ("root_mismatch", 5)
    assert "5" in failure.message_en
    assert "10" in failure.message_en


def test_deleted_line_is_found(export: Path) -> None:
    edit_lines(export, lambda lines: lines[:5] + lines[6:])
    failure = verify_export(export, key=KEY).failure
    assert failure is not None
    assert (failure.code, failure.index) == ("index", 5)


def test_swapped_lines_are_found(export: Path) -> None:
    edit_lines(export, lambda lines: [*lines[:3], lines[4], lines[3], *lines[5:]])
    failure = verify_export(export, key=KEY).failure
    assert failure is not None
    assert (failure.code, failure.index) == ("index", 3)


def test_swapped_and_renumbered_lines_are_found(export: Path) -> None:
    def change(lines: list[bytes]) -> list[bytes]:
        a, b = lines[3], lines[4]
        lines[3] = b.replace(b'{"index":4,', b'{"index":3,')
        lines[4] = a.replace(b'{"index":3,', b'{"index":4,')
        return lines

    edit_lines(export, change)
    failure = verify_export(export, key=KEY).failure
    assert failure is not None
    assert (failure.code, failure.index) == ("root_mismatch", 3)


def test_truncated_log_is_found(export: Path) -> None:
    edit_lines(export, lambda lines: lines[:15])
    failure = verify_export(export, key=KEY).failure
    assert failure is not None
    assert (failure.code, failure.index) == ("truncated", 15)


def test_truncation_mid_line_is_found(export: Path) -> None:
    path = export / ENTRIES_FILE
    path.write_bytes(path.read_bytes()[:-10])
    failure = verify_export(export, key=KEY).failure
    assert failure is not None
    assert (failure.code, failure.index) == ("truncated", N - 1)


def test_truncated_log_with_matching_manifest_and_checkpoints_needs_a_trusted_checkpoint(
    export: Path,
) -> None:
    edit_lines(export, lambda lines: lines[:15])
    for size in range(16, N + 1):
        (export / "checkpoints" / f"{size}.note").unlink()
    manifest = json.loads((export / "manifest.json").read_text())
    manifest.update(entries=15, checkpoints=15)
    (export / "manifest.json").write_text(json.dumps(manifest))
    assert verify_export(export, key=KEY).ok  # consistent on its own ...
    failure = verify_export(export, key=KEY, trusted_checkpoints=[note(N)]).failure
    assert failure is not None  # ... but not with a checkpoint the auditor already holds
    assert (failure.code, failure.index) == ("truncated", 15)


def test_checkpoint_resigned_with_another_key_is_found(export: Path) -> None:
    intruder = NoteSigner.generate(ORIGIN)
    (export / "checkpoints" / "10.note").write_text(note(10, intruder))
    failure = verify_export(export, key=KEY).failure
    assert failure is not None
    assert (failure.code, failure.index) == ("checkpoint_signature", 9)
    assert "10.note" in failure.message_en


def test_whole_export_resigned_with_another_key_fails_against_the_trusted_key(
    tmp_path: Path,
) -> None:
    intruder = NoteSigner.generate(ORIGIN)
    export = make_export(tmp_path)
    for size in range(1, N + 1):
        (export / "checkpoints" / f"{size}.note").write_text(note(size, intruder))
    manifest = json.loads((export / "manifest.json").read_text())
    manifest["verifier_key"] = str(intruder.verifier())
    (export / "manifest.json").write_text(json.dumps(manifest))
    result = verify_export(export, key=KEY)
    assert result.failure is not None
    assert result.failure.code == "key_mismatch"
    assert verify_export(export).key_from_export  # without --key the caveat is reported


def test_non_canonical_entry_is_found(export: Path) -> None:
    def change(lines: list[bytes]) -> list[bytes]:
        lines[2] = lines[2].replace(b'"phase":', b'"phase": ')
        return lines

    edit_lines(export, change)
    failure = verify_export(export, key=KEY, check_canonical=True).failure
    assert failure is not None
    assert (failure.code, failure.index) == ("canonical", 2)
    fast = verify_export(export, key=KEY, check_canonical=False).failure
    assert fast is not None
    assert (fast.code, fast.index) == ("root_mismatch", 2)


def test_unsigned_tail_is_refused(export: Path) -> None:
    (export / "checkpoints" / f"{N}.note").unlink()
    failure = verify_export(export, key=KEY).failure
    assert failure is not None
    assert (failure.code, failure.index) == ("unsigned_tail", N - 1)


def test_missing_manifest_is_refused(export: Path) -> None:
    (export / "manifest.json").unlink()
    failure = verify_export(export, key=KEY).failure
    assert failure is not None
    assert failure.code == "manifest"


@pytest.mark.parametrize(
    "value",
    [{"a": 1, "b": [True, None, "æøå \u2028"]}, {"z": {"y": -5, "x": ""}}, {}, [1, 2]],
)
def test_fast_canonical_check_agrees_with_canonical_json(value: object) -> None:
    data = canonical_json(value)
    assert _is_canonical(data)
    assert not _is_canonical(data + b" ")
    if value:
        assert not _is_canonical(json.dumps(value, indent=1).encode())
    assert not _is_canonical(b'{"a":1.5}')
    assert not _is_canonical(b'{"a":NaN}')
    assert not _is_canonical(b'{"a":1,"a":2}')


# ------------------------------------------------------------------ single artefacts


def test_receipt_round_trip_and_verification() -> None:
    receipt = format_receipt(5, inclusion_proof(5, N, STORE), note(N), extra=b"ctx")
    assert receipt.startswith("c2sp.org/tlog-proof@v1\nextra ")
    parsed = parse_receipt(receipt)
    assert (parsed.index, parsed.extra, len(parsed.proof)) == (5, b"ctx", 5)
    result = verify_receipt(receipt, ENTRIES[5], KEY, origin=ORIGIN)
    assert (result.index, result.checkpoint.size) == (5, N)


def test_receipt_for_another_entry_or_key_fails() -> None:
    receipt = format_receipt(5, inclusion_proof(5, N, STORE), note(N))
    with pytest.raises(VerificationFailed) as caught:
        verify_receipt(receipt, ENTRIES[6], KEY)
    assert (caught.value.failure.code, caught.value.failure.index) == ("inclusion", 5)
    with pytest.raises(VerificationFailed) as wrong_key:
        verify_receipt(receipt, ENTRIES[5], str(NoteSigner.generate(ORIGIN).verifier()))
    assert wrong_key.value.failure.code == "checkpoint_signature"


def test_receipt_for_single_entry_tree_has_no_proof_lines() -> None:
    receipt = format_receipt(0, [], note(1))
    assert verify_receipt(receipt, ENTRIES[0], KEY).index == 0


def test_entry_file_may_be_an_access_log_item() -> None:
    import base64

    item = json.dumps({"leaf_index": 5, "leaf": base64.b64encode(ENTRIES[5]).decode()})
    assert load_entry_bytes(item.encode()) == ENTRIES[5]
    assert load_entry_bytes(ENTRIES[5] + b"\n") == ENTRIES[5]


def test_checkpoint_consistency() -> None:
    old = verify_checkpoint_note(note(7), KEY)
    new = verify_checkpoint_note(note(N), KEY)
    verify_checkpoint_consistency(old, new, consistency_proof(7, N, STORE))
    with pytest.raises(VerificationFailed):
        verify_checkpoint_consistency(old, new, consistency_proof(6, N, STORE))


# ------------------------------------------------------------------ CLI

runner = CliRunner()


def test_cli_full_passes_and_fails_with_exit_codes(export: Path) -> None:
    ok = runner.invoke(audit_verify_app, ["full", "--export", str(export), "--key", KEY])
    assert ok.exit_code == 0, ok.output
    assert "OK:" in ok.output
    edit_lines(export, lambda lines: lines[:5] + lines[6:])
    bad = runner.invoke(audit_verify_app, ["full", "--export", str(export), "--key", KEY])
    assert bad.exit_code == 1
    assert "FEJL [indeks/index 5]" in bad.output
    assert "FAILED [indeks/index 5]" in bad.output


def test_cli_checkpoint_with_key_file(tmp_path: Path) -> None:
    (tmp_path / "cp.note").write_text(note(N))
    (tmp_path / "key.pub").write_text(KEY + "\n")
    args = ["checkpoint", str(tmp_path / "cp.note"), "--key", str(tmp_path / "key.pub")]
    assert runner.invoke(audit_verify_app, args).exit_code == 0
    other = str(NoteSigner.generate(ORIGIN).verifier())
    args_other = ["checkpoint", str(tmp_path / "cp.note"), "--key", other]
    assert runner.invoke(audit_verify_app, args_other).exit_code == 1
    assert runner.invoke(audit_verify_app, ["checkpoint", str(tmp_path / "cp.note")]).exit_code == 2


def test_cli_consistency(tmp_path: Path) -> None:
    (tmp_path / "old.note").write_text(note(7))
    (tmp_path / "new.note").write_text(note(N))
    proof = [__import__("base64").b64encode(h).decode() for h in consistency_proof(7, N, STORE)]
    (tmp_path / "proof.json").write_text(json.dumps({"old": 7, "new": N, "proof": proof}))
    (tmp_path / "bad.txt").write_text("\n".join(reversed(proof)) + "\n")
    base = ["consistency", str(tmp_path / "old.note"), str(tmp_path / "new.note")]
    good = runner.invoke(
        audit_verify_app, [*base, "--proof", str(tmp_path / "proof.json"), "--key", KEY]
    )
    assert good.exit_code == 0, good.output
    bad = runner.invoke(
        audit_verify_app, [*base, "--proof", str(tmp_path / "bad.txt"), "--key", KEY]
    )
    assert bad.exit_code == 1


def test_cli_receipt(tmp_path: Path) -> None:
    (tmp_path / "r.tlog-proof").write_text(format_receipt(3, inclusion_proof(3, N, STORE), note(N)))
    (tmp_path / "entry.json").write_bytes(ENTRIES[3])
    (tmp_path / "other.json").write_bytes(ENTRIES[4])
    base = ["receipt", str(tmp_path / "r.tlog-proof"), "--key", KEY, "--entry"]
    assert runner.invoke(audit_verify_app, [*base, str(tmp_path / "entry.json")]).exit_code == 0
    failed = runner.invoke(audit_verify_app, [*base, str(tmp_path / "other.json")])
    assert failed.exit_code == 1
    assert "index 3" in failed.output


def test_cli_module_imports_no_database_code() -> None:
    import subprocess
    import sys

    code = (
        "import sys, gateway.audit.proofs.cli; "
        "bad = [m for m in sys.modules if m.startswith(('sqlalchemy', 'gateway.db', "
        "'gateway.audit.entries.models', 'gateway.audit.entries.repository', 'httpx'))]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("tamper", [False, True])
def test_worker_processes_give_the_same_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tamper: bool
) -> None:
    from gateway.audit.proofs import verify_full, verify_scan

    export = make_export(tmp_path / "export", every=3)
    if tamper:
        edit_lines(
            export, lambda lines: [*lines[:11], lines[11].replace(b"u-1", b"u-9"), *lines[12:]]
        )
    monkeypatch.setattr(verify_full, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(verify_scan, "BLOCK_BYTES", 600)  # many blocks of a few lines
    offsets = verify_scan.block_ranges(export / ENTRIES_FILE, 600)
    assert len(offsets) > 5
    monkeypatch.setattr(verify_full, "block_ranges", lambda path: offsets)
    one = verify_export(export, key=KEY, jobs=1)
    two = verify_export(export, key=KEY, jobs=2)
    assert one == two
    assert one.ok is not tamper
    if tamper:
        assert one.failure is not None
        assert (one.failure.code, one.failure.index) == ("root_mismatch", 9)
