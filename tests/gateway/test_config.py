"""Settings: the documented table cannot drift, and production refuses unsafe configuration."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gateway.app import create_app
from gateway.config import (
    REPO_ROOT,
    TABLE_END,
    TABLE_START,
    Settings,
    UnsafeConfiguration,
    render_configuration_doc,
    settings_table,
)
from gateway.keys import KeyConfigurationError, SymmetricKeyRing, load_checked_keys
from gateway.keys_cli import keys_app

DOC = REPO_ROOT / "docs" / "configuration.md"


# --------------------------------------------------------------------------- documentation


def test_configuration_doc_table_matches_the_settings() -> None:
    current = DOC.read_text(encoding="utf-8")
    assert TABLE_START in current and TABLE_END in current
    assert render_configuration_doc(current) == current, (
        "docs/configuration.md is out of date: run `make docs` (python -m gateway.config)"
    )


def test_every_setting_is_described_and_in_the_table() -> None:
    table = settings_table()
    for name, info in Settings.model_fields.items():
        assert info.description, f"Settings.{name} needs a docstring (it becomes the docs)"
        assert f"`TVAERS_{name.upper()}`" in table


def test_a_new_field_changes_the_table() -> None:
    """The drift check is not vacuous: another field renders another row."""

    class Extended(Settings):
        brand_new: int = 3
        """A field the docs do not have."""

    before = settings_table()
    original = Settings.model_fields
    try:
        Settings.model_fields = Extended.model_fields  # type: ignore[misc]
        assert settings_table() != before
        assert "`TVAERS_BRAND_NEW`" in settings_table()
    finally:
        Settings.model_fields = original  # type: ignore[misc]


# --------------------------------------------------------------------------- production


def production_keys(directory: Path) -> dict[str, Path]:
    result = CliRunner().invoke(keys_app, ["generate", "--out", str(directory)])
    assert result.exit_code == 0, result.output
    return {
        "data_key_file": directory / "data-keys.json",
        "pseudonym_key_file": directory / "pseudonym-keys.json",
        "audit_key_file": directory / "audit-signing.pem",
        "receipt_key_file": directory / "receipt-signing.pem",
    }


def safe_production(tmp_path: Path, **override: Any) -> Settings:
    """A production configuration that must start; each test breaks one thing."""
    values: dict[str, Any] = {
        "env": "production",
        "data_dir": tmp_path / "data",
        "public_url": "https://tvaers.aarhus.dk",
        "oidc_issuer": "https://login.aarhus.dk/realms/tvaers",
        "oidc_jwks_url": "https://login.aarhus.dk/realms/tvaers/protocol/openid-connect/certs",
        "audit_origin": "tvaers.aarhus.dk/audit",
        "database_url": "postgresql+asyncpg://tvaers:Zq8-long-random@db/tvaers",
        "connectors": {
            "jobcenter": {"base_url": "https://jobcenter.aarhus.dk"},
            "health": {"base_url": "https://fhir.aarhus.dk/fhir"},
        },
        **production_keys(tmp_path / "keys"),
    }
    values.update(override)
    return Settings(**values)


def refusal(settings: Settings) -> str:
    with pytest.raises(UnsafeConfiguration) as caught:
        load_checked_keys(settings)
    return str(caught.value)


def test_a_safe_production_configuration_starts(tmp_path: Path) -> None:
    settings = safe_production(tmp_path)
    assert settings.production_problems() == []
    assert load_checked_keys(settings).development_keys == ()
    assert not settings.dev_idp_enabled


def test_development_key_file_is_refused(tmp_path: Path) -> None:
    dev_ring = tmp_path / "elsewhere" / "data-keys.json"
    SymmetricKeyRing.generate(dev_ring, development=True)
    message = refusal(safe_production(tmp_path, data_key_file=dev_ring))
    assert "refuses to start in production" in message
    assert f"development key in use: data encryption keys ({dev_ring} is marked" in message


def test_development_key_directory_is_refused(tmp_path: Path) -> None:
    settings = safe_production(tmp_path)
    dev_dir = settings.keys_dir
    dev_dir.mkdir(parents=True)
    # A signing key copied into the default (development) key directory and used from there.
    shutil.copy(tmp_path / "keys" / "audit-signing.pem", dev_dir / "audit-signing.pem")
    message = refusal(settings.model_copy(update={"audit_key_file": None}))
    assert "audit signing key (read from the development key directory" in message


def test_missing_keys_are_reported_with_the_other_problems(tmp_path: Path) -> None:
    settings = safe_production(tmp_path, data_key_file=None, dev_idp=True)
    message = refusal(settings)
    assert "development identity provider is enabled" in message
    assert "TVAERS_DATA_KEY_FILE or TVAERS_DATA_KEYS" in message
    with pytest.raises(KeyConfigurationError):  # alone, the key error is the reason
        load_checked_keys(safe_production(tmp_path / "b", data_key_file=None))


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"dev_idp": True}, "development identity provider is enabled"),
        (
            {"connectors": {"social": {"base_url": "http://social.internal:8102"}}},
            "connectors without https: social",
        ),
        (
            {"audit_origin": "tvaers.example.kommune.dk/audit"},
            "TVAERS_AUDIT_ORIGIN is a placeholder",
        ),
        (
            {"database_url": "postgresql+asyncpg://tvaers:changethis@db/tvaers"},
            "the password in TVAERS_DATABASE_URL is a placeholder",
        ),
        ({"data_keys": "changethis"}, "TVAERS_DATA_KEYS is a placeholder"),
        ({"public_url": "http://tvaers.aarhus.dk"}, "TVAERS_PUBLIC_URL must be"),
        ({"oidc_jwks_url": ""}, "TVAERS_OIDC_ISSUER and TVAERS_OIDC_JWKS_URL"),
    ],
    ids=["dev-idp", "plaintext", "origin", "db-password", "inline-key", "public-url", "oidc"],
)
def test_unsafe_production_settings_are_refused(
    tmp_path: Path, override: dict[str, Any], expected: str
) -> None:
    settings = safe_production(tmp_path, **override)
    assert any(expected in p for p in settings.production_problems()), (
        settings.production_problems()
    )
    with pytest.raises(UnsafeConfiguration, match="refuses to start in production"):
        settings.refuse_unsafe_production()
    development = settings.model_copy(update={"env": "development"})
    assert development.production_problems() == [], "only production refuses"


def test_plaintext_connectors_when_explicitly_allowed(tmp_path: Path) -> None:
    plain = {"social": {"base_url": "http://127.0.0.1:8102"}}
    assert safe_production(tmp_path, connectors=plain).production_problems()
    allowed = safe_production(tmp_path / "b", connectors=plain, allow_plaintext_connectors=True)
    assert allowed.production_problems() == []


def test_allow_plaintext_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TVAERS_ALLOW_PLAINTEXT_CONNECTORS", "true")
    monkeypatch.setenv("TVAERS_DEV_IDP", "false")
    settings = Settings()
    assert settings.allow_plaintext_connectors is True
    assert settings.dev_idp_enabled is False


async def test_the_app_lifespan_refuses_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: an ASGI server that imports create_app gets the same refusal."""
    monkeypatch.setenv("TVAERS_WEB_SESSION_SECRET", "x" * 48)  # the web front end needs one
    app = create_app(safe_production(tmp_path, dev_idp=True))
    with pytest.raises(UnsafeConfiguration):
        async with app.router.lifespan_context(app):
            pass


def test_tvaers_serve_in_production_with_a_development_key_exits_non_zero(tmp_path: Path) -> None:
    settings = safe_production(tmp_path)
    dev_ring = tmp_path / "dev-data-keys.json"
    SymmetricKeyRing.generate(dev_ring, development=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TVAERS_")}
    env.update(
        TVAERS_ENV="production",
        TVAERS_DATA_DIR=str(settings.data_dir),
        TVAERS_PUBLIC_URL=settings.public_url,
        TVAERS_OIDC_ISSUER=settings.oidc_issuer,
        TVAERS_OIDC_JWKS_URL=settings.oidc_jwks_url,
        TVAERS_AUDIT_ORIGIN=settings.audit_origin,
        TVAERS_CONNECTORS='{"jobcenter": {"base_url": "https://jobcenter.aarhus.dk"}}',
        TVAERS_DATA_KEY_FILE=str(dev_ring),
        TVAERS_PSEUDONYM_KEY_FILE=str(settings.pseudonym_key_file),
        TVAERS_AUDIT_KEY_FILE=str(settings.audit_key_file),
        TVAERS_RECEIPT_KEY_FILE=str(settings.receipt_key_file),
    )
    tvaers = Path(sys.executable).parent / "tvaers"
    command = [str(tvaers)] if tvaers.exists() else [sys.executable, "-m", "gateway.cli"]
    result = subprocess.run(
        [*command, "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Tværs refuses to start in production" in result.stderr
    assert "development key in use: data encryption keys" in result.stderr
    assert "Uvicorn running" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
