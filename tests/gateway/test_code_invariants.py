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


# Builders of audit events and writers of audit rows: only service modules may use them.
AUDIT_EVENT_BUILDERS = frozenset(
    {"AuditEvent", "citizen_event", "consent_event", "request_event", "dpo_event"}
)
ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "api_route"})


def is_route_module(tree: ast.Module) -> bool:
    """A module that declares HTTP handlers (``@router.post(...)`` and the like)."""
    return any(
        isinstance(dec, ast.Call)
        and isinstance(dec.func, ast.Attribute)
        and dec.func.attr in ROUTE_METHODS
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for dec in node.decorator_list
    )


def audit_writes(source: str) -> list[str]:
    """Where a module builds an audit event or writes to an audit store: ``AuditEvent(...)``,
    ``consent_event(...)``, ``AuditRepository(s).add(...)``, ``svc.audit.append(...)``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id in AUDIT_EVENT_BUILDERS:
            found.append(f"{node.lineno}: {node.id}")
        elif isinstance(node, ast.alias) and node.name.split(".")[-1] in AUDIT_EVENT_BUILDERS:
            found.append(f"import {node.name}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"add", "append", "write"}
            and "audit" in ast.unparse(node.func.value).lower()
        ):
            found.append(f"{node.lineno}: {ast.unparse(node.func)}")
    return found


def test_the_audit_write_scanner_catches_a_handler_that_audits_itself() -> None:
    handler = """
from gateway.audit.entries.repository import AuditRepository
from gateway.consent.events import consent_event

@router.post("/v1/consents/{consent_id}/withdraw")
async def withdraw(session, svc):
    AuditRepository(session).add([consent_event("consent.withdraw", p, i, row, request_id=r)])
    await svc.audit.append([event])
"""
    assert is_route_module(ast.parse(handler))
    writes = audit_writes(handler)
    assert "import consent_event" in writes
    assert any("AuditRepository(session).add" in w for w in writes)
    assert any("svc.audit.append" in w for w in writes)
    assert audit_writes("rows = await AuditRepository(session).search(limit=10)\n") == []


def test_no_http_handler_writes_audit_entries_itself() -> None:
    """Every action audit entry is written by a service method (ConsentService,
    ConsentRequestService, DpoConsoleService, ViewService …), so the API and the web pages call
    the same method and neither can forget the entry."""
    offenders = {}
    route_modules = []
    for path in sorted((ROOT / "gateway").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if not is_route_module(ast.parse(source)):
            continue
        route_modules.append(path.name)
        writes = audit_writes(source)
        if writes:
            offenders[str(path.relative_to(ROOT))] = writes
    assert len(route_modules) >= 10, route_modules  # the scan sees the handlers
    assert offenders == {}
