"""The layering of docs/architecture.md, enforced: import-linter contracts, no cycles, and an
offline verifier that loads no database or web module."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACT_IDS = {
    "rooms",
    "domain-layers",
    "connectors-standalone",
    "verifier-offline",
    "leaf-services",
    "services-below-http",
    "no-demo-in-production",
}


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(cwd / "pyproject.toml")],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd), "PYTHONDONTWRITEBYTECODE": "1"},
        check=False,
    )


def copy_tree(dest: Path) -> Path:
    for name in ("gateway", "connectors"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def test_every_contract_is_configured() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    ids = {c["id"] for c in config["tool"]["importlinter"]["contracts"]}
    assert ids == CONTRACT_IDS


def test_the_import_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(CONTRACT_IDS)} kept, 0 broken." in result.stdout


def test_a_forbidden_import_breaks_the_build(tmp_path: Path) -> None:
    """Consent (a leaf service) importing the views orchestrator fails the contracts."""
    tree = copy_tree(tmp_path)
    service = tree / "gateway" / "consent" / "service.py"
    service.write_text(
        service.read_text(encoding="utf-8") + "\nimport gateway.views.service  # noqa\n",
        encoding="utf-8",
    )
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "Audit, consent and policy never import the views orchestrator BROKEN" in " ".join(
        result.stdout.split()
    )
    assert "gateway.consent.service -> gateway.views.service" in result.stdout


def test_a_database_import_in_the_verifier_breaks_the_build(tmp_path: Path) -> None:
    tree = copy_tree(tmp_path)
    merkle = tree / "gateway" / "audit" / "proofs" / "merkle.py"
    merkle.write_text(
        merkle.read_text(encoding="utf-8") + "\nimport gateway.db  # noqa\n", encoding="utf-8"
    )
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "needs no database, web stack or network BROKEN" in " ".join(result.stdout.split())


def strongly_connected(graph: grimp.ImportGraph) -> list[set[str]]:
    """Tarjan's algorithm over module-level imports (type-checking imports excluded)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles_in_gateway_or_connectors() -> None:
    graph = grimp.build_graph(
        "gateway", "connectors", include_external_packages=False, exclude_type_checking_imports=True
    )
    assert len(graph.modules) > 100
    assert strongly_connected(graph) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path) -> None:
    pkg = tmp_path / "cyclic"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from cyclic import b\n")
    (pkg / "b.py").write_text("from cyclic import a\n")
    sys.path.insert(0, str(tmp_path))
    try:
        graph = grimp.build_graph("cyclic", cache_dir=None)
    finally:
        sys.path.remove(str(tmp_path))
    assert strongly_connected(graph) == [{"cyclic.a", "cyclic.b"}]


FORBIDDEN_IN_VERIFIER = (
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "alembic",
    "fastapi",
    "starlette",
    "jinja2",
    "httpx",
    "gateway.db",
    "gateway.web",
    "gateway.runtime",
    "gateway.audit.entries",
    "gateway.audit.log",
    "gateway.audit.console",
)


def test_the_offline_verifier_loads_no_database_or_web_module() -> None:
    """Imported in a fresh interpreter, as `tvaers audit verify` on a laptop would."""
    code = (
        "import json, sys\n"
        "import gateway.audit.proofs.verify, gateway.audit.proofs.verify_full\n"
        "import gateway.audit.proofs.cli\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = json.loads(out.stdout)
    assert "gateway.audit.proofs.verify" in loaded
    bad = [m for m in loaded if any(m == f or m.startswith(f + ".") for f in FORBIDDEN_IN_VERIFIER)]
    assert bad == []


def test_a_production_start_loads_no_demo_code(tmp_path: Path) -> None:
    """Building the app with the development provider off and TVAERS_ENV=production imports
    neither gateway.devtools nor the simulators' seed, and mounts no demo endpoint."""
    code = (
        "import json, sys\n"
        "from gateway.app import create_app\n"
        "from gateway.config import Settings\n"
        "settings = Settings(data_dir=sys.argv[1], env='production', dev_idp_enabled=False)\n"
        "app = create_app(settings)\n"
        "paths = sorted(app.openapi()['paths'])\n"
        "print(json.dumps({'modules': sorted(sys.modules), 'paths': paths}))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "TVAERS_WEB_SESSION_SECRET": "s" * 64}
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    found = json.loads(out.stdout)
    assert "gateway.app" in found["modules"]
    demo = [
        m
        for m in found["modules"]
        if m.startswith(("gateway.devtools", "connectors.simulators", "gateway.demo"))
    ]
    assert demo == []
    assert "/v1/audit/demo/snooping-pattern" not in found["paths"]
    assert "/v1/views" in found["paths"]
