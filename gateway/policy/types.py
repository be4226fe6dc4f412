"""The policy contract: what the gateway asks and what the policy answers.

The gateway queries one document, ``data.tvaers.decision``, with an input built
by ``gateway.policy.input.build_policy_input``. Both the input and the decision
are plain JSON so that every engine (regorus, OPA in-process, OPA server) can be
compared byte for byte.

Input::

    {
      "subject":    {"user_id": str, "department": str, "roles": [str],
                     "teams": [str]},    # from the token's team claim
      "purpose":    str,
      "citizen":    str,                 # HMAC pseudonym, never a CPR
      "categories": [str],               # requested category ids, sorted, unique
      "consents":   [ConsentInput],      # the citizen's consents for this purpose
      "break_glass": null | {"justification": str, "episode": str},
      "now":        "2026-11-22T10:00:00.000000Z"   # RFC 3339, always sent
    }

    ConsentInput = {
      "id": str, "purpose": str, "status": "active" | "withdrawn",
      "categories": [str], "source_departments": [str],
      "recipient_departments": [str],
      "valid_from": RFC 3339, "valid_until": RFC 3339,
      "scope": null | {"members": [str], "teams": [str]}   # null: whole departments
    }

Decision::

    {
      "allow":   bool,                   # true when at least one grant
      "grants":  [{"category": str, "fields": [str],
                   "basis": {"kind": "consent" | "statute" | "own_department"
                                     | "break_glass",   # ref: the episode id
                             "ref": str}}],
      "denials": [{"category": str, "code": str,
                   "message": {"da": str, "en": str}}],
      "policy_version": str
    }

Grants and denials are sorted by category; fields are sorted. Every requested
category appears exactly once, either in grants or in denials.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from gateway.text import Text

BasisKind = Literal["consent", "statute", "own_department", "break_glass"]


class Basis(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: BasisKind
    ref: str


class Grant(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    category: str
    fields: list[str]
    basis: Basis


# The one bilingual shape (gateway.text.Text), under the name the policy schemas use.
LocalizedText = Text


class Denial(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    category: str
    code: str
    message: LocalizedText


class Decision(BaseModel):
    """A validated policy decision. Anything else from an engine is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    allow: bool
    grants: list[Grant]
    denials: list[Denial]
    policy_version: str
    # Set by the engine, never by the policy: OPA's own id of this decision (its decision
    # logs carry it), so a decision log line joins the audit entry.
    engine_decision_id: str | None = Field(default=None, exclude=True)


class PolicyEngineError(Exception):
    """The engine failed or answered something that is not a Decision."""


class PolicyEngine(Protocol):
    """Evaluates ``data.tvaers.decision`` for one input.

    Implementations: ``RegorusEngine`` (embedded, default) and ``OpaServerEngine``
    (production). ``decide`` raises ``PolicyEngineError`` on any failure; the
    caller fails closed.
    """

    name: str

    async def decide(self, policy_input: dict[str, Any]) -> Decision:
        """Return the decision for ``policy_input``."""
        ...

    async def healthy(self) -> bool:
        """Whether the engine can answer a decision now."""
        ...

    async def aclose(self) -> None:
        """Release resources."""
        ...
