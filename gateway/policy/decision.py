"""Validation of an engine's raw answer into a ``Decision``.

Whatever engine answered, the gateway only trusts a decision that has the
contract's exact shape and accounts for every requested category exactly
once. Anything else is a ``PolicyEngineError`` and the request fails closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from gateway.policy.types import Decision, PolicyEngineError


def validate_decision(raw: Any, *, requested: Iterable[str]) -> Decision:
    """Return ``raw`` as a ``Decision`` or raise ``PolicyEngineError``.

    ``requested`` is the input's category list: the decision must grant or
    deny each of them once, in sorted order, and nothing else.
    """
    try:
        decision = Decision.model_validate(raw)
    except ValidationError as exc:
        # The pydantic message can quote input values; the error count is enough.
        raise PolicyEngineError(
            f"policy answer is not a decision ({exc.error_count()} validation errors)"
        ) from None
    granted = [grant.category for grant in decision.grants]
    denied = [denial.category for denial in decision.denials]
    if granted != sorted(granted) or denied != sorted(denied):
        raise PolicyEngineError("policy decision is not sorted by category")
    if any(grant.fields != sorted(grant.fields) for grant in decision.grants):
        raise PolicyEngineError("policy decision has unsorted fields")
    answered = granted + denied
    if len(answered) != len(set(answered)) or set(answered) != set(requested):
        raise PolicyEngineError("policy decision does not answer each requested category once")
    if decision.allow != bool(decision.grants):
        raise PolicyEngineError("policy decision allow flag disagrees with its grants")
    return decision
