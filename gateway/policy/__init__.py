"""Policy decisions: the input/decision contract and the engines that answer it."""

from __future__ import annotations

from pathlib import Path

from gateway.policy.catalogue_index import build_index, render_index
from gateway.policy.decision import validate_decision
from gateway.policy.files import DECISION_PATH, load_catalogue, load_policy_data, policy_modules
from gateway.policy.input import (
    ConsentFacts,
    ConsentStatus,
    ScopeFacts,
    build_policy_input,
    format_instant,
)
from gateway.policy.opa_engine import OpaServerEngine, bundle_revision
from gateway.policy.regorus_engine import RegorusEngine
from gateway.policy.types import (
    Basis,
    BasisKind,
    Decision,
    Denial,
    Grant,
    LocalizedText,
    PolicyEngine,
    PolicyEngineError,
)

ENGINE_KINDS = ("regorus", "opa")


def load_policy_engine(
    kind: str,
    policies_dir: Path,
    *,
    opa_url: str = "http://127.0.0.1:8181",
    opa_timeout_s: float = 0.5,
) -> PolicyEngine:
    """Create the configured policy engine; raise ``PolicyEngineError`` if it cannot start.

    ``"regorus"`` (default) evaluates ``policies_dir`` in-process; ``"opa"``
    asks the OPA server at ``opa_url``, which serves the same directory as a
    bundle. An unknown kind is a configuration error, never a silent fallback.
    """
    if kind == "regorus":
        return RegorusEngine(policies_dir)
    if kind == "opa":
        return OpaServerEngine(opa_url, timeout_s=opa_timeout_s)
    raise PolicyEngineError(
        f"unknown policy engine kind {kind!r}; known: {', '.join(ENGINE_KINDS)}"
    )


__all__ = [
    "DECISION_PATH",
    "ENGINE_KINDS",
    "Basis",
    "BasisKind",
    "ConsentFacts",
    "ConsentStatus",
    "Decision",
    "Denial",
    "Grant",
    "LocalizedText",
    "OpaServerEngine",
    "PolicyEngine",
    "PolicyEngineError",
    "RegorusEngine",
    "ScopeFacts",
    "build_index",
    "build_policy_input",
    "bundle_revision",
    "format_instant",
    "load_catalogue",
    "load_policy_data",
    "load_policy_engine",
    "policy_modules",
    "render_index",
    "validate_decision",
]
