"""Keys: sources (file, environment, dev directory), generation, rotation, end to end."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from gateway.config import Settings
from gateway.consent.models import CitizenRow
from gateway.keys import (
    DEV_PEM_MARKER,
    DataCipher,
    DecryptionError,
    KeyConfigurationError,
    Pseudonymiser,
    SymmetricKeyRing,
    load_keys,
    load_keys_for,
)
from gateway.keys_cli import keys_app
from tests.harness import Harness, demo_cpr, running_gateway

runner = CliRunner()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def generate(out: Path) -> dict[str, Path]:
    result = runner.invoke(keys_app, ["generate", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return {
        "data_key_file": out / "data-keys.json",
        "pseudonym_key_file": out / "pseudonym-keys.json",
        "audit_key_file": out / "audit-signing.pem",
        "receipt_key_file": out / "receipt-signing.pem",
    }


def rotate(ring: Path, *extra: str) -> Any:
    return runner.invoke(keys_app, ["rotate", str(ring), *extra])


# --------------------------------------------------------------------------- rings


def test_rotation_keeps_old_data_readable_and_encrypts_new_data_with_the_new_key() -> None:
    ring = SymmetricKeyRing.new(development=False)
    old_id, old_blob = DataCipher(ring).encrypt(b"0101901234", aad=b"citizen.cpr")
    rotated = ring.rotated()
    cipher = DataCipher(rotated)
    new_id, new_blob = cipher.encrypt(b"0101901234", aad=b"citizen.cpr")
    assert (old_id, new_id) == ("k1", "k2")
    assert cipher.decrypt(old_id, old_blob, aad=b"citizen.cpr") == b"0101901234"
    assert cipher.decrypt(new_id, new_blob, aad=b"citizen.cpr") == b"0101901234"
    with pytest.raises(DecryptionError):
        DataCipher(ring).decrypt(new_id, new_blob, aad=b"citizen.cpr")  # old ring: unknown id


def test_pseudonyms_after_rotation_cover_every_key() -> None:
    ring = SymmetricKeyRing.new(development=False)
    before = Pseudonymiser(ring).pseudonym("0101901234")
    after = Pseudonymiser(ring.rotated())
    assert after.current_key_id == "k2"
    assert after.pseudonym("0101901234") != before
    assert after.all_pseudonyms("0101901234")["k1"] == before


def test_malformed_rings_are_refused_without_echoing_key_material(tmp_path: Path) -> None:
    secret = "c2VjcmV0LWtleS1tYXRlcmlhbC10aGF0LWlzLTMyYg"
    cases = {
        "not json": f"{{'keys': '{secret}'",
        "short key": json.dumps({"current": "k1", "keys": {"k1": "AAAA"}}),
        "no current": json.dumps({"current": "k9", "keys": {"k1": "A" * 44}}),
        "bad id": json.dumps({"current": "k 1", "keys": {"k 1": "A" * 43 + "="}}),
    }
    for label, text in cases.items():
        with pytest.raises(KeyConfigurationError) as caught:
            SymmetricKeyRing.parse(text, origin="TVAERS_DATA_KEYS")
        assert secret not in str(caught.value), label
        assert "TVAERS_DATA_KEYS" in str(caught.value), label


# --------------------------------------------------------------------------- sources


def test_development_keys_are_generated_and_marked(tmp_path: Path) -> None:
    keys = load_keys(keys_dir=tmp_path / "keys", allow_generate=True)
    assert len(keys.development_keys) == 4
    ring = json.loads((tmp_path / "keys" / "data-keys.json").read_text())
    assert ring["development"] is True
    assert (tmp_path / "keys" / "audit-signing.pem").read_text().startswith(DEV_PEM_MARKER)
    for path in (tmp_path / "keys").iterdir():
        assert mode(path) == 0o600, path


def test_missing_keys_stop_start_up_outside_development(tmp_path: Path) -> None:
    with pytest.raises(KeyConfigurationError, match="TVAERS_DATA_KEY_FILE or TVAERS_DATA_KEYS"):
        load_keys(keys_dir=tmp_path / "keys", allow_generate=False)
    assert not (tmp_path / "keys" / "data-keys.json").exists()


def test_generated_keys_are_production_keys(tmp_path: Path) -> None:
    files = generate(tmp_path / "prod")
    assert mode(tmp_path / "prod") == 0o700
    assert all(mode(p) == 0o600 for p in files.values())
    keys = load_keys(keys_dir=tmp_path / "dev", allow_generate=False, **files)
    assert keys.development_keys == ()
    assert not (tmp_path / "dev").exists(), "nothing generated"


def test_keys_in_the_development_directory_count_as_development(tmp_path: Path) -> None:
    files = generate(tmp_path / "keys")  # production keys, but in the dev key directory
    keys = load_keys(keys_dir=tmp_path / "keys", allow_generate=False, **files)
    assert len(keys.development_keys) == 4
    assert all("development key directory" in d for d in keys.development_keys)


def test_keys_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = generate(tmp_path / "prod")
    monkeypatch.setenv("TVAERS_DATA_KEYS", files["data_key_file"].read_text())
    monkeypatch.setenv("TVAERS_PSEUDONYM_KEYS", files["pseudonym_key_file"].read_text())
    # One-line env files carry a PEM with literal "\n" escapes.
    monkeypatch.setenv("TVAERS_AUDIT_KEY", files["audit_key_file"].read_text().replace("\n", "\\n"))
    monkeypatch.setenv("TVAERS_RECEIPT_KEY", files["receipt_key_file"].read_text())
    settings = Settings(env="production", data_dir=tmp_path / "data")
    assert "BEGIN" not in repr(settings), "secrets are masked in reprs"
    keys = load_keys_for(settings)
    assert keys.development_keys == ()
    ring = SymmetricKeyRing.load(files["data_key_file"])
    assert keys.cipher.decrypt(*DataCipher(ring).encrypt(b"x")) == b"x"


def test_an_environment_ring_marked_development_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TVAERS_DATA_KEYS", SymmetricKeyRing.new(development=True).to_json())
    keys = load_keys_for(Settings(env="test", data_dir=tmp_path))
    assert any("TVAERS_DATA_KEYS is marked development" in d for d in keys.development_keys)


# --------------------------------------------------------------------------- CLI


def test_cli_rotate_adds_a_current_key_and_keeps_the_file_private(tmp_path: Path) -> None:
    files = generate(tmp_path / "prod")
    ring_file = files["pseudonym_key_file"]
    before = SymmetricKeyRing.load(ring_file)
    result = rotate(ring_file)
    assert result.exit_code == 0, result.output
    after = SymmetricKeyRing.load(ring_file)
    assert after.current == "k2" and after.keys["k1"] == before.keys["k1"]
    assert after.development is False
    assert mode(ring_file) == 0o600
    assert rotate(ring_file, "--key-id", "2027-01").exit_code == 0
    assert SymmetricKeyRing.load(ring_file).current == "2027-01"
    duplicate = rotate(ring_file, "--key-id", "k1")
    assert duplicate.exit_code == 1 and "already in the ring" in duplicate.output
    assert list((tmp_path / "prod").glob(".*")) == [], "no temporary files left behind"


def test_cli_staged_rotation_then_activation(tmp_path: Path) -> None:
    """Several replicas: first every replica learns the new key, then it becomes current."""
    ring_file = generate(tmp_path / "prod")["pseudonym_key_file"]
    staged = rotate(ring_file, "--stage")
    assert staged.exit_code == 0, staged.output
    ring = SymmetricKeyRing.load(ring_file)
    assert ring.current == "k1" and set(ring.keys) == {"k1", "k2"}
    assert runner.invoke(keys_app, ["activate", str(ring_file), "k2"]).exit_code == 0
    assert SymmetricKeyRing.load(ring_file).current == "k2"
    assert mode(ring_file) == 0o600
    unknown = runner.invoke(keys_app, ["activate", str(ring_file), "k9"])
    assert unknown.exit_code == 1 and "not in the ring" in unknown.output


def test_cli_generate_refuses_to_overwrite(tmp_path: Path) -> None:
    files = generate(tmp_path / "prod")
    before = files["data_key_file"].read_bytes()
    result = runner.invoke(keys_app, ["generate", "--out", str(tmp_path / "prod")])
    assert result.exit_code == 1 and "refusing to overwrite" in result.output
    assert files["data_key_file"].read_bytes() == before


def test_cli_show_never_prints_key_material(tmp_path: Path) -> None:
    files = generate(tmp_path / "prod")
    result = runner.invoke(keys_app, ["show", str(files["data_key_file"])])
    assert result.exit_code == 0
    material = json.loads(files["data_key_file"].read_text())["keys"]["k1"]
    assert "current: k1" in result.output and "development: false" in result.output
    assert material not in result.output


# --------------------------------------------------------------------------- end to end


async def test_rotation_keeps_consent_lookup_and_dpo_search_working(
    tmp_path: Path, database_url: str
) -> None:
    """Rotate the HMAC and data keys between two gateway runs on the same database."""
    files = generate(tmp_path / "keys-prod")
    cpr = demo_cpr(0)
    opts: dict[str, Any] = {"database_url": database_url, **files}
    async with running_gateway(tmp_path / "data", **opts) as gw:
        old = await gw.record_consent(cpr, categories=["health.wellbeing"])
        assert (await view(gw, cpr))["health.wellbeing"] == "granted"

    assert rotate(files["pseudonym_key_file"]).exit_code == 0
    assert rotate(files["data_key_file"]).exit_code == 0

    async with running_gateway(tmp_path / "data", **opts) as gw:
        assert gw.services.keys.pseudonymiser.current_key_id == "k2"
        # Consent lookup: the view still finds the consent stored under the old pseudonym.
        assert (await view(gw, cpr))["health.wellbeing"] == "granted"
        found = await gw.client.post(
            "/v1/consents/search",
            json={"cpr": cpr},
            headers=await gw.auth("sagsbehandler-jobcenter"),
        )
        assert old["consent"]["consent_id"] in [c["consent_id"] for c in found.json()["items"]]
        new = await gw.record_consent(cpr, categories=["health.wellbeing"], days=30)
        mine = await gw.client.get("/v1/me/consents", headers=await gw.auth("borger-1"))
        ids = {c["consent_id"] for c in mine.json()["items"]}
        assert {old["consent"]["consent_id"], new["consent"]["consent_id"]} <= ids

        # DPO search finds entries pseudonymised under the old key and the new one.
        search = await gw.client.post(
            "/v1/audit/search", json={"cpr": cpr, "limit": 1000}, headers=await gw.auth("dpo")
        )
        assert search.status_code == 200
        key_ids = {
            item["entry"]["citizen"]["key_id"]
            for item in search.json()["items"]
            if item["entry"].get("citizen")
        }
        assert key_ids == {"k1", "k2"}

        # The CPR column: the old row under the old data key, the new one under the new key.
        await assert_citizen_rows_decrypt(gw, cpr)


async def view(gw: Harness, cpr: str) -> dict[str, str]:
    response = await gw.client.post(
        "/v1/views",
        json={"cpr": cpr, "purpose": "tvaerfagligt_team"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert response.status_code == 200, response.text
    return {s["category"]: s["status"] for s in response.json()["sections"]}


async def assert_citizen_rows_decrypt(gw: Harness, cpr: str) -> None:
    async with gw.services.sessions() as session:
        rows = (await session.scalars(select(CitizenRow))).all()
    assert {(r.pseudonym_key_id, r.cpr_key_id) for r in rows} == {("k1", "k1"), ("k2", "k2")}
    cipher = gw.services.keys.cipher
    for row in rows:
        assert (
            cipher.decrypt(row.cpr_key_id, row.cpr_ciphertext, aad=b"citizen.cpr") == cpr.encode()
        )
