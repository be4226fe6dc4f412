"""Consent and withdrawal receipts verify offline, in a fresh interpreter that loads nothing of
the database or web stack, and carry the notice hash, the fields, the controller and the lawful
basis (issue 14). A forged or stripped receipt is refused."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from gateway.cli import app as cli_app
from tests.harness import Harness, demo_cpr

FORBIDDEN = ("sqlalchemy", "aiosqlite", "asyncpg", "fastapi", "starlette", "httpx", "uvicorn")

# Runs in a fresh interpreter: argv = receipt file, JWKS file, notice file.
OFFLINE = f"""
import json, sys
from pathlib import Path
from gateway.audit.proofs.consent_receipt import ReceiptInvalid, verify_consent_receipt
receipt, keys, notice = (Path(p) for p in sys.argv[1:4])
try:
    found = verify_consent_receipt(
        receipt.read_text(), json.loads(keys.read_text()), notice_text=notice.read_bytes()
    )
except ReceiptInvalid as exc:
    print(json.dumps({{"invalid": str(exc)}}))
    raise SystemExit(1)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {FORBIDDEN!r})
print(json.dumps({{"kind": found.kind, "record": found.record, "loaded": loaded}}))
"""


def offline(tmp_path: Path, receipt: str, jwks: dict[str, Any], notice: bytes) -> Any:
    (tmp_path / "r.jws").write_text(receipt, encoding="ascii")
    (tmp_path / "keys.json").write_text(json.dumps(jwks), encoding="utf-8")
    (tmp_path / "notice.md").write_bytes(notice)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            OFFLINE,
            *(str(tmp_path / n) for n in ("r.jws", "keys.json", "notice.md")),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, json.loads(done.stdout)


async def a_consent(gw: Harness) -> dict[str, Any]:
    body = {
        "cpr": demo_cpr(0),
        "purpose": "helbredsafklaring",
        "categories": ["health.wellbeing"],
        "recipient_departments": ["jobcenter"],
        "valid_until": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "collection_method": "citizen_portal",
    }
    response = await gw.client.post(
        "/v1/consents", json=body, headers=await gw.citizen_auth(demo_cpr(0))
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _tamper(receipt: str, change: dict[str, Any]) -> str:
    header, payload, signature = receipt.split(".")
    record = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    record.update(change)
    forged = base64.urlsafe_b64encode(json.dumps(record).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def test_a_receipt_verifies_offline_with_notice_hash_fields_controller_and_basis(
    gw: Harness, tmp_path: Path
) -> None:
    made = await a_consent(gw)
    jwks = (await gw.client.get("/v1/consents/receipt-keys")).json()
    notice = await gw.client.get("/v1/consent-notices/2026-12", params={"lang": "da"})
    text = notice.json()["text"].encode("utf-8")

    code, found = offline(tmp_path, made["receipt"], jwks, text)
    assert code == 0, found
    assert found["loaded"] == []  # no database or web package in the verifier's interpreter
    record = found["record"]
    assert found["kind"] == "consent"
    assert record["consent_id"] == made["consent"]["consent_id"]
    assert record["notice"]["sha256"] == notice.json()["sha256"]
    assert record["granted_fields"] == {"health.wellbeing": ["date", "raw_score", "score"]}
    assert record["controller"]["name"] == gw.services.settings.controller_name
    assert record["controller"]["dpo_contact"] == gw.services.settings.dpo_contact
    assert record["lawful_basis"] == ["GDPR art. 6(1)(a)", "GDPR art. 9(2)(a)"]
    assert demo_cpr(0) not in json.dumps(record)

    # Another notice text than the one the citizen saw is refused.
    code, refused = offline(tmp_path, made["receipt"], jwks, text + b" ")
    assert code == 1 and "notice text" in refused["invalid"]
    # A widened field list under the old signature is refused.
    widened = _tamper(
        made["receipt"],
        {"granted_fields": {"health.wellbeing": ["date", "raw_score", "score", "x"]}},
    )
    code, refused = offline(tmp_path, widened, jwks, text)
    assert code == 1 and "signature" in refused["invalid"]


async def test_a_withdrawal_receipt_verifies_offline_and_with_the_cli(
    gw: Harness, tmp_path: Path
) -> None:
    made = await a_consent(gw)
    consent_id = made["consent"]["consent_id"]
    withdrawn = await gw.client.post(
        f"/v1/consents/{consent_id}/withdraw", headers=await gw.citizen_auth(demo_cpr(0))
    )
    receipt = withdrawn.json()["withdrawal_receipt"]
    jwks = (await gw.client.get("/v1/consents/receipt-keys")).json()
    text = (await gw.client.get("/v1/consent-notices/2026-12")).json()["text"].encode()
    code, found = offline(tmp_path, receipt, jwks, text)
    assert code == 0, found
    assert found["kind"] == "withdrawal"
    assert found["record"]["consent_id"] == consent_id
    assert found["record"]["evidence_ref"] == withdrawn.json()["withdrawal_evidence_ref"]

    runner = CliRunner()
    args = ["audit", "verify", "consent-receipt", str(tmp_path / "r.jws")]
    ok = runner.invoke(cli_app, [*args, "--keys", str(tmp_path / "keys.json")])
    assert ok.exit_code == 0, ok.output
    assert "withdrawal receipt" in ok.output
    (tmp_path / "r.jws").write_text(made["receipt"][:-6] + "AAAAAA", encoding="ascii")
    bad = runner.invoke(cli_app, [*args, "--keys", str(tmp_path / "keys.json")])
    assert bad.exit_code == 1
