"""``tvaers serve`` trusts forwarded addresses only from the configured proxies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from gateway.cli import app as cli


def served_with(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, allow: str | None) -> Any:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(kwargs))
    monkeypatch.setenv("TVAERS_DATA_DIR", str(tmp_path))
    if allow is None:
        monkeypatch.delenv("TVAERS_FORWARDED_ALLOW_IPS", raising=False)
    else:
        monkeypatch.setenv("TVAERS_FORWARDED_ALLOW_IPS", allow)
    result = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    return seen


def test_the_configured_proxy_is_trusted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen = served_with(monkeypatch, tmp_path, "10.0.0.5,10.0.1.0/24")
    assert seen["proxy_headers"] is True
    assert seen["forwarded_allow_ips"] == "10.0.0.5,10.0.1.0/24"


def test_empty_trusts_no_proxy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen = served_with(monkeypatch, tmp_path, "")
    assert seen["proxy_headers"] is False


def test_by_default_only_a_local_proxy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen = served_with(monkeypatch, tmp_path, None)
    assert seen["forwarded_allow_ips"] == "127.0.0.1"
