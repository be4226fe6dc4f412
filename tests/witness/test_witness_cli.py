"""``tvaers witness keygen|init|serve|public-key``, and configurations that must not start."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from gateway.audit.proofs.cosignature import (
    CosignatureVerifier,
    signature_lines,
    verify_cosignatures,
    with_signatures,
)
from gateway.audit.proofs.merkle import EMPTY_ROOT
from gateway.audit.proofs.notes import Checkpoint, NoteSigner, sign_checkpoint
from gateway.cli import app
from gateway.witness.config import WitnessConfig, WitnessConfigError

VENV_BIN = Path(sys.executable).parent
ORIGIN = "tvaers.test/audit"


def test_keygen_writes_a_private_file_and_prints_the_public_key(tmp_path: Path) -> None:
    out = tmp_path / "keys" / "witness.key"
    result = CliRunner().invoke(app, ["witness", "keygen", "--name", "w.test/1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    verifier = CosignatureVerifier.parse(result.stdout.strip())
    assert verifier.name == "w.test/1"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text().startswith("PRIVATE+KEY+w.test/1+")
    again = CliRunner().invoke(app, ["witness", "keygen", "--name", "w.test/1", "--out", str(out)])
    assert again.exit_code == 2  # never overwrites a key
    shown = CliRunner().invoke(app, ["witness", "public-key", "--key-file", str(out)])
    assert shown.stdout.strip() == str(verifier)


def test_init_writes_a_configuration_that_loads(tmp_path: Path) -> None:
    log_key = str(NoteSigner.generate(ORIGIN).verifier())
    result = CliRunner().invoke(
        app,
        ["witness", "init", str(tmp_path), "--name", "w.test/1", "--log", f"{ORIGIN}={log_key}"],
    )
    assert result.exit_code == 0, result.output
    config = WitnessConfig.load(tmp_path / "witness.toml")
    assert str(config.cosigner.verifier()) == result.stdout.strip()
    assert str(config.logs[ORIGIN].verifiers[0]) == log_key
    bad = CliRunner().invoke(
        app, ["witness", "init", str(tmp_path / "b"), "--name", "w", "--log", f"{ORIGIN}=nonsense"]
    )
    assert bad.exit_code == 2


def test_configuration_without_logs_or_with_a_foreign_name_is_refused(tmp_path: Path) -> None:
    CliRunner().invoke(
        app, ["witness", "keygen", "--name", "w.test/1", "--out", str(tmp_path / "k")]
    )
    (tmp_path / "a.toml").write_text('key_file = "k"\n')
    with pytest.raises(WitnessConfigError, match="no \\[\\[logs\\]\\]"):
        WitnessConfig.load(tmp_path / "a.toml")
    log_key = str(NoteSigner.generate(ORIGIN).verifier())
    (tmp_path / "b.toml").write_text(
        f'name = "other"\nkey_file = "k"\n[[logs]]\norigin = "{ORIGIN}"\nkey = "{log_key}"\n'
    )
    with pytest.raises(WitnessConfigError, match="not the key's name"):
        WitnessConfig.load(tmp_path / "b.toml")
    result = CliRunner().invoke(app, ["witness", "serve", "--config", str(tmp_path / "a.toml")])
    assert result.exit_code == 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_runs_a_witness_process_from_options(tmp_path: Path) -> None:
    """As in the compose file: key file, database and the followed log from the environment."""
    signer = NoteSigner.generate(ORIGIN)
    key_file = tmp_path / "witness.key"
    CliRunner().invoke(app, ["witness", "keygen", "--name", "w.test/1", "--out", str(key_file)])
    port = _free_port()
    env = {
        **os.environ,
        "TVAERS_WITNESS_KEY_FILE": str(key_file),
        "TVAERS_WITNESS_DATABASE": str(tmp_path / "state" / "witness.sqlite3"),
        "TVAERS_WITNESS_LOG": f"{ORIGIN}={signer.verifier()}",
    }
    process = subprocess.Popen(
        [str(VENV_BIN / "tvaers"), "witness", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "witness did not start"
            time.sleep(0.1)
        note = sign_checkpoint(Checkpoint(ORIGIN, 0, EMPTY_ROOT), signer)
        response = httpx.post(f"{base}/add-checkpoint", content=f"old 0\n\n{note}".encode())
        assert response.status_code == 200, response.text
        witness = CosignatureVerifier.parse(httpx.get(base).json()["verifier_key"])
        cosigned = with_signatures(note, signature_lines(response.text))
        assert verify_cosignatures(cosigned, [witness])
        assert (tmp_path / "state" / "witness.sqlite3").is_file()  # its own storage
    finally:
        process.terminate()
        process.wait(timeout=20)


async def test_a_malformed_witness_setting_stops_the_gateway(tmp_path: Path) -> None:
    from tests.harness import running_gateway

    for witnesses in (
        [{"url": "http://w.test", "key": "not-a-key"}],
        [{"url": "ftp://w.test", "key": str(NoteSigner.generate("w").verifier())}],
    ):
        with pytest.raises(ValueError, match="witness"):
            async with running_gateway(tmp_path, witnesses=witnesses):
                pass
