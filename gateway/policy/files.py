"""Where the policy files and the catalogue live, shared by every engine.

Every engine (embedded regorus, OPA server, the OPA test oracle) must load
exactly the same modules, so the selection rule is written once here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gateway.policy.catalogue_index import INDEX_FILE, build_index
from gateway.policy.types import PolicyEngineError

CATALOGUE_FILE = Path("catalogue") / "data.json"
DECISION_PATH = "data.tvaers.decision"
TEST_SUFFIX = "_test.rego"


def policy_modules(policies_dir: Path, *, include_tests: bool = False) -> list[Path]:
    """Return the ``.rego`` files under ``policies_dir``, sorted.

    Test modules (``*_test.rego``) are left out unless ``include_tests``: they
    have no business in a serving engine.
    """
    modules = sorted(
        path
        for path in policies_dir.rglob("*.rego")
        if include_tests or not path.name.endswith(TEST_SUFFIX)
    )
    if not modules:
        raise PolicyEngineError(f"no .rego policy files under {policies_dir}")
    return modules


def load_catalogue(policies_dir: Path) -> dict[str, Any]:
    """Read the catalogue JSON that engines mount as ``data.catalogue``."""
    path = policies_dir / CATALOGUE_FILE
    try:
        catalogue = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PolicyEngineError(f"cannot load policy catalogue {path}: {exc}") from exc
    if not isinstance(catalogue, dict) or not isinstance(catalogue.get("version"), str):
        raise PolicyEngineError(f"policy catalogue {path} has no version")
    return catalogue


def load_policy_data(policies_dir: Path) -> dict[str, Any]:
    """The data document every engine mounts: ``{"catalogue": {..., "index": ...}}``.

    The same layout OPA builds from the bundle directory (``catalogue/data.json``
    at ``data.catalogue``, ``catalogue/index/data.json`` at
    ``data.catalogue.index``). A missing or stale index is an error: decisions
    would otherwise use the fields of an older catalogue.
    """
    catalogue = load_catalogue(policies_dir)
    path = policies_dir / INDEX_FILE
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PolicyEngineError(f"cannot load catalogue index {path}: {exc}") from exc
    if index != build_index(catalogue):
        raise PolicyEngineError(
            f"catalogue index {path} does not match the catalogue; run `tvaers policy index`"
        )
    return {"catalogue": {**catalogue, "index": index}}
