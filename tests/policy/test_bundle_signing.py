"""Signed policy bundles: ``tvaers policy sign`` writes ``.signatures.json``; the gateway refuses
to start on an unsigned, tampered, extended or foreign-signed bundle when a key is configured."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import RSAKey
from typer.testing import CliRunner

from gateway.app import create_app
from gateway.cli import app as cli
from gateway.policy.signing import (
    SIGNATURES_FILE,
    BundleSignatureError,
    file_hash,
    sign_bundle,
    verify_bundle,
)
from tests.harness import test_settings as gateway_settings

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def keypair(tmp_path: Path, name: str = "signer") -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = tmp_path / f"{name}.pem"
    public = tmp_path / f"{name}.pub.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    copy = tmp_path / "policies"
    shutil.copytree(POLICIES, copy, ignore=shutil.ignore_patterns(SIGNATURES_FILE))
    return copy


def test_the_cli_signs_and_the_signature_covers_every_file(bundle: Path, tmp_path: Path) -> None:
    private, public = keypair(tmp_path)
    runner = CliRunner()
    signed = runner.invoke(
        cli, ["policy", "sign", "--key", str(private), "--policies", str(bundle)]
    )
    assert signed.exit_code == 0, signed.output
    token = json.loads((bundle / SIGNATURES_FILE).read_text())["signatures"][0]
    claims = jwt.decode(token, RSAKey.import_key(public.read_bytes()), algorithms=["RS256"]).claims
    names = {f["name"] for f in claims["files"]}
    assert ".manifest" in names and "tvaers/decision.rego" in names
    assert "catalogue/data.json" in names
    assert not any(n.endswith("_test.rego") for n in names)
    wellbeing = next(f for f in claims["files"] if f["name"] == "tvaers/decision.rego")
    assert wellbeing["hash"] == file_hash(bundle / "tvaers/decision.rego")
    checked = runner.invoke(
        cli, ["policy", "verify-signature", "--key", str(public), "--policies", str(bundle)]
    )
    assert checked.exit_code == 0, checked.output


def test_json_is_hashed_in_normalised_form(bundle: Path) -> None:
    data = bundle / "catalogue/data.json"
    before = file_hash(data)
    data.write_text(json.dumps(json.loads(data.read_text()), indent=7), encoding="utf-8")
    assert file_hash(data) == before  # whitespace is not content


def test_a_changed_rule_is_refused(bundle: Path, tmp_path: Path) -> None:
    private, public = keypair(tmp_path)
    sign_bundle(bundle, private.read_bytes())
    rego = bundle / "tvaers/decision.rego"
    rego.write_text(rego.read_text() + "\n# allow everything\n")
    with pytest.raises(BundleSignatureError, match="changed"):
        verify_bundle(bundle, public.read_bytes())


def test_an_added_file_is_refused(bundle: Path, tmp_path: Path) -> None:
    private, public = keypair(tmp_path)
    sign_bundle(bundle, private.read_bytes())
    (bundle / "tvaers/override.rego").write_text("package tvaers\n")
    with pytest.raises(BundleSignatureError, match="unsigned"):
        verify_bundle(bundle, public.read_bytes())


def test_another_signer_is_refused(bundle: Path, tmp_path: Path) -> None:
    private, _ = keypair(tmp_path, "insider")
    _, public = keypair(tmp_path, "municipality")
    sign_bundle(bundle, private.read_bytes())
    with pytest.raises(BundleSignatureError, match="does not verify"):
        verify_bundle(bundle, public.read_bytes())


async def test_the_gateway_refuses_to_start_on_an_unsigned_bundle(
    bundle: Path, tmp_path: Path
) -> None:
    private, public = keypair(tmp_path)
    settings = gateway_settings(
        tmp_path / "data", policies_dir=bundle, policy_bundle_key_file=public
    )
    app = create_app(settings)
    with pytest.raises(BundleSignatureError, match="not signed"):
        async with app.router.lifespan_context(app):
            pass
    sign_bundle(bundle, private.read_bytes())
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        pass  # a signed bundle starts
