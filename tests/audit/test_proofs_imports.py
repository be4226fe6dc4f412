"""The offline verifier (``gateway/audit/proofs/``) imports nothing of a database or web stack."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import gateway.audit.proofs

FORBIDDEN = ("sqlalchemy", "aiosqlite", "asyncpg", "fastapi", "starlette", "httpx", "uvicorn")


def test_every_proofs_module_imports_without_database_or_web_packages() -> None:
    modules = [
        f"gateway.audit.proofs.{m.name}"
        for m in pkgutil.iter_modules(gateway.audit.proofs.__path__)
    ]
    assert "gateway.audit.proofs.cosignature" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stdout
