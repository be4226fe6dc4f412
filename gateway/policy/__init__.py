"""Policy decisions: the input/decision contract and the engines that answer it."""

from __future__ import annotations

from pathlib import Path

from gateway.policy.decision import validate_decision
from gateway.policy.files import DECISION_PATH, load_catalogue, policy_modules
from gateway.policy.input import ConsentFacts, ConsentStatus, build_policy_input, format_instant
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

ENGINE_KINDS = ("regorus",)


def load_policy_engine(kind: str, policies_dir: Path) -> PolicyEngine:
    """Create the configured policy engine; raise ``PolicyEngineError`` if it cannot start.

    Only the embedded ``"regorus"`` engine exists so far. An unknown kind is a
    configuration error, never a silent fallback.
    """
    if kind == "regorus":
        return RegorusEngine(policies_dir)
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
    "PolicyEngine",
    "PolicyEngineError",
    "RegorusEngine",
    "build_policy_input",
    "format_instant",
    "load_catalogue",
    "load_policy_engine",
    "policy_modules",
    "validate_decision",
]
