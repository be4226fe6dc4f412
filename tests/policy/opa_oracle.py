"""Real OPA, in-process, as the reference the embedded engine is checked against.

``opa-golib-python-bindings`` embeds OPA's Go library. It loads the same
modules (``gateway.policy.files``) and catalogue as ``RegorusEngine``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opa_bindings import OpaEngine, OpaUndefinedError

from gateway.policy.files import load_policy_data, policy_modules

DECISION_DOCUMENT = "tvaers.decision"


class OpaOracle:
    """Evaluates documents of the policy bundle on real OPA."""

    def __init__(self, policies_dir: Path, *, include_tests: bool = False) -> None:
        self._engine = OpaEngine()
        for module in policy_modules(policies_dir, include_tests=include_tests):
            self._engine.add_policy(
                module.relative_to(policies_dir).as_posix(), module.read_text(encoding="utf-8")
            )
        self._engine.add_data(load_policy_data(policies_dir))

    def decide(self, policy_input: dict[str, Any]) -> Any:
        """The raw value of ``data.tvaers.decision`` for ``policy_input``."""
        return self._engine.eval_document(DECISION_DOCUMENT, policy_input)

    def document(self, path: str, policy_input: dict[str, Any] | None = None) -> Any:
        """The value of ``data.<path>``, or ``None`` when it is undefined."""
        try:
            return self._engine.eval_document(path, policy_input)
        except OpaUndefinedError:
            return None

    def close(self) -> None:
        self._engine.close()
