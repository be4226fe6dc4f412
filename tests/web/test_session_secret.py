"""The web session secret: generated in development, required and real in production."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import UnsafeConfiguration
from gateway.web.config import WebSettings


def test_development_generates_and_keeps_a_secret(tmp_path: Path) -> None:
    first = WebSettings().effective_session_secret(keys_dir=tmp_path, allow_generate=True)
    again = WebSettings().effective_session_secret(keys_dir=tmp_path, allow_generate=True)
    assert first == again
    assert len(first) >= 32
    assert (tmp_path / "web-session-secret").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("secret", ["", "short", "changethis" * 5, "x" * 31])
def test_production_refuses_a_missing_short_or_placeholder_secret(
    tmp_path: Path, secret: str
) -> None:
    with pytest.raises(UnsafeConfiguration, match="TVAERS_WEB_SESSION_SECRET"):
        WebSettings(session_secret=secret).effective_session_secret(
            keys_dir=tmp_path, allow_generate=False
        )
    assert not (tmp_path / "web-session-secret").exists()


def test_production_accepts_a_real_secret(tmp_path: Path) -> None:
    secret = "k4Jx9-q2Lr7vTz0wMb3NcY8dHf6uPe1sAg5oRi"
    assert (
        WebSettings(session_secret=secret).effective_session_secret(
            keys_dir=tmp_path, allow_generate=False
        )
        == secret
    )


def test_every_web_setting_is_documented() -> None:
    from gateway.config import REPO_ROOT

    doc = (REPO_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [
        name for name in WebSettings.model_fields if f"`TVAERS_WEB_{name.upper()}`" not in doc
    ]
    assert missing == []
