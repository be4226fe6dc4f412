"""Security invariants made into code checks (STYLE.md habit 8)."""

from __future__ import annotations

import ast
from pathlib import Path

from gateway.app import create_app
from tests.harness import test_settings as gateway_settings

ROOT = Path(__file__).resolve().parents[2]


def calls_named(path: Path, name: str) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == name
    ]


def test_connector_fetch_is_called_only_by_the_views_orchestrator() -> None:
    callers = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "gateway").rglob("*.py")
        if calls_named(path, "fetch")
    }
    assert callers == {"gateway/views/service.py"}


def test_no_route_takes_a_cpr_in_its_path_or_query(tmp_path: Path) -> None:
    """CPR numbers travel in bodies only: no path, query or header parameter of any route."""
    app = create_app(gateway_settings(tmp_path))
    schema = app.openapi()
    parameters = [
        (path, param["name"], param["in"])
        for path, operations in schema["paths"].items()
        for operation in operations.values()
        for param in operation.get("parameters", [])
    ]
    assert parameters, "the schema lists parameters"
    assert [p for p in parameters if "cpr" in p[1].lower() or "cpr" in p[0].lower()] == []


def test_only_the_audit_writer_and_session_dependency_commit() -> None:
    """Services never commit (STYLE.md habit 2); the audit writer is the one exception."""
    allowed = {"gateway/db.py", "gateway/audit/entries/service.py"}
    committing = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "gateway").rglob("*service*.py")
        if calls_named(path, "commit")
    }
    assert committing <= allowed
