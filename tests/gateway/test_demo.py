"""`tvaers demo` as a user runs it: start it, run the printed commands exactly as printed,
then export and verify the audit log offline (issues 2 and 3, "with make demo running")."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

VENV_BIN = Path(sys.executable).parent


def free_port_block(size: int) -> int:
    """A port p such that p .. p+size-1 were free a moment ago."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        if first + size > 65535:
            continue
        try:
            sockets = []
            for port in range(first, first + size):
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                sockets.append(s)
        except OSError:
            continue
        finally:
            for s in locals().get("sockets", []):
                s.close()
        return first
    raise RuntimeError("no free port block")


def blocks(banner: str) -> dict[str, str]:
    """The command blocks under each '# N. title' heading of the banner."""
    found: dict[str, str] = {}
    current: str | None = None
    for line in banner.splitlines():
        heading = re.match(r"# (\d)\. ", line)
        if heading:
            current = heading.group(1)
            found[current] = ""
        elif current and line.strip():
            found[current] += line + "\n"
        elif current and not line.strip():
            current = None
    return found


@pytest.fixture
def demo(tmp_path: Path):  # type: ignore[no-untyped-def]
    gateway_port = free_port_block(1)
    sim_port = free_port_block(5)  # three departments, Digital Post and the witness
    env = {**os.environ, "TVAERS_ENV": "development", "TVAERS_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen(
        [
            str(VENV_BIN / "tvaers"),
            "demo",
            "--port",
            str(gateway_port),
            "--sim-port",
            str(sim_port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    banner = ""
    deadline = time.monotonic() + 90
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        banner += line
        if line.startswith("Stop med Ctrl-C"):
            break
    try:
        assert "Stop med Ctrl-C" in banner, banner[-2000:]
        yield banner, env, tmp_path
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        process.stdout.close()


def _other_witness_key() -> str:
    from gateway.audit.proofs.cosignature import Cosigner

    return str(Cosigner.generate("witness.demo.tvaers/w1").verifier())


def run(script: str, cwd: Path) -> str:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def json_documents(output: str) -> list[dict]:  # type: ignore[type-arg]
    decoder = json.JSONDecoder()
    docs, index = [], 0
    while index < len(output):
        if output[index].isspace():
            index += 1
            continue
        doc, index = decoder.raw_decode(output, index)
        docs.append(doc)
    return docs


def test_the_printed_commands_work_as_printed_and_the_log_verifies(demo) -> None:  # type: ignore[no-untyped-def]
    banner, env, workdir = demo
    commands = blocks(banner)
    assert set(commands) == {"1", "2", "3", "4", "5", "6", "7"}
    # The three steps share shell variables (TOKEN, CONSENT_ID), as in a terminal session.
    output = run(commands["1"] + commands["2"] + commands["3"], workdir)
    consent, view, withdrawn, view_after = json_documents(output)
    assert consent["consent"]["status"] == "active"
    by_category = {s["category"]: s for s in view["sections"]}
    assert by_category["social.services"]["status"] == "granted"
    assert by_category["social.services"]["records"]
    # A written consent recorded by staff never covers health data (issue 13).
    assert by_category["health.wellbeing"]["status"] == "withheld"
    assert withdrawn["status"] == "withdrawn"
    after = {s["category"]: s for s in view_after["sections"]}
    assert after["social.services"]["status"] == "withheld"
    assert after["social.services"]["reason"]["code"] == "consent_withdrawn"

    # Break-glass: granted on an episode, the notice in the portal inbox and in Digital Post.
    emergency, inbox, digital_post = json_documents(run(commands["4"], workdir))
    kinds = {s["basis"]["kind"] for s in emergency["sections"] if s["status"] == "granted"}
    assert "break_glass" in kinds
    assert any(n["kind"] == "break_glass" for n in inbox["items"])
    assert digital_post["simulator"] is True
    labels = [m["label"] for m in digital_post["messages"]]
    assert any("nødadgang" in label for label in labels), labels

    # Issue 14: a consent for one meeting of the team reaches the team and nobody else.
    meeting, member, outsider = json_documents(run(commands["6"], workdir))
    assert meeting["consent"]["scope"]["teams"] == ["tvaerfagligt-team-nord"]
    assert member["sections"][0]["status"] == "granted"
    assert outsider["sections"][0]["status"] == "withheld"
    assert outsider["sections"][0]["reason"]["code"] == "outside_consent_scope"
    # A representative acts within the authority, is refused outside it, and the citizen's
    # own log shows who acted under which authority.
    represented, granted, refused_grant, log = json_documents(run(commands["7"], workdir))
    assert {i["kind"] for i in represented["items"]} == {"fuldmagt", "vaerge"}
    assert granted["consent"]["granted_by_representative"]["authority_ref"] == "DF-DEMO-0001"
    assert refused_grant["status"] == 404
    created = next(i["entry"] for i in log["items"] if i["entry"]["action"] == "consent.create")
    assert created["representation"]["authority_ref"] == "DF-DEMO-0001"

    optional = banner.split("# optional: seed a snooping pattern", 1)[1].split("Stop med")[0]
    optional = optional.split("\n", 1)[1]  # the rest of the comment line
    seeded = json.loads(run(optional, workdir))
    assert seeded["entries"] > 0
    assert seeded["citizens"] > 1

    # Step 5 as printed: a citizen's receipt verifies offline with the witness's public key.
    witness_key = re.search(r"--witness '([^']+)'", commands["5"])
    assert witness_key is not None
    verified_receipt = run(f"export PATH={VENV_BIN}:$PATH\n" + commands["5"], workdir)
    assert "cosigned by at least 1 witness" in verified_receipt, verified_receipt
    stranger = commands["5"].replace(witness_key.group(1), _other_witness_key())
    refused = subprocess.run(
        ["bash", "-uo", "pipefail", "-c", f"export PATH={VENV_BIN}:$PATH\n" + stranger],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=workdir,
        check=False,
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr

    # Offline verification of everything the demo logged (after the sequencer's checkpoint).
    tvaers = str(VENV_BIN / "tvaers")
    key = subprocess.run(
        [tvaers, "audit", "public-key"],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    time.sleep(2)
    export = workdir / "export"
    subprocess.run(
        [tvaers, "audit", "export", "--out", str(export)],
        env=env,
        cwd=workdir,
        check=True,
        capture_output=True,
    )
    verified = subprocess.run(
        [tvaers, "audit", "verify", "full", "--export", str(export), "--key", key],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
