"""Building the policy input document (see ``gateway.policy.types``).

The gateway, not the policy, decides what ``now`` is and which consents are
relevant; this module turns those facts into the plain JSON every engine
evaluates, normalised so that equal facts give byte-equal input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

ConsentStatus = Literal["active", "withdrawn", "expired"]


def format_instant(moment: datetime) -> str:
    """Format an aware datetime as RFC 3339 in UTC with microseconds."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("policy times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class ScopeFacts:
    """Who a scoped consent reaches: named members (user ids) and members of named teams.

    The window is the consent's own validity (``valid_from``/``valid_until``).
    """

    members: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()

    def as_policy_input(self) -> dict[str, Any]:
        return {"members": sorted(set(self.members)), "teams": sorted(set(self.teams))}


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    """What the policy needs to know about one of the citizen's consents.

    Handed over by the consent store; the policy compares the validity
    window with ``now`` itself, so a consent past ``valid_until`` may still
    say ``active`` here.
    """

    consent_id: str
    purpose: str
    status: ConsentStatus
    categories: tuple[str, ...]
    source_departments: tuple[str, ...]
    recipient_departments: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime
    #: The fields granted per category when the consent was given (issue 14); the gateway
    #: narrows a grant to them (``narrow_to_consented_fields``). Not part of the policy input.
    #: None: recorded before field snapshots, the catalogue's current fields apply.
    fields: Mapping[str, Sequence[str]] | None = field(default=None, compare=False)
    # None: the whole of each recipient department; else only the named members and teams.
    scope: ScopeFacts | None = None

    def __post_init__(self) -> None:
        for moment in (self.valid_from, self.valid_until):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValueError("consent validity times must be timezone-aware")

    def as_policy_input(self) -> dict[str, Any]:
        """The consent as the ``ConsentInput`` object of the policy input."""
        return {
            "id": self.consent_id,
            "purpose": self.purpose,
            "status": self.status,
            "categories": sorted(set(self.categories)),
            "source_departments": sorted(set(self.source_departments)),
            "recipient_departments": sorted(set(self.recipient_departments)),
            "valid_from": format_instant(self.valid_from),
            "valid_until": format_instant(self.valid_until),
            "scope": None if self.scope is None else self.scope.as_policy_input(),
        }


def build_policy_input(
    *,
    subject_user_id: str,
    subject_department: str,
    subject_roles: Iterable[str],
    purpose: str,
    citizen_pseudonym: str,
    categories: Iterable[str],
    consents: Iterable[ConsentFacts],
    now: datetime,
    break_glass: Mapping[str, str] | None = None,
    subject_teams: Iterable[str] = (),
) -> dict[str, Any]:
    """Return the input document for ``data.tvaers.decision``.

    ``citizen_pseudonym`` is the keyed HMAC pseudonym, never a CPR number.
    ``subject_teams`` come from the validated token's team claim only, never from a body.
    ``break_glass`` is ``{"justification": ..., "episode": ...}`` when the caller claims an
    emergency under a break-glass purpose; the policy decides whether the justification is
    enough (``policies/tvaers/breakglass.rego``), so a short or blank one is passed on as is.
    """
    claim: dict[str, str] | None = None
    if break_glass is not None:
        claim = {key: str(value) for key, value in sorted(break_glass.items())}
    return {
        "subject": {
            "user_id": subject_user_id,
            "department": subject_department,
            "roles": sorted(set(subject_roles)),
            "teams": sorted(set(subject_teams)),
        },
        "purpose": purpose,
        "citizen": citizen_pseudonym,
        "categories": sorted(set(categories)),
        # Sorted by id so the same consents always give the same input.
        "consents": [
            consent.as_policy_input()
            for consent in sorted(consents, key=lambda consent: consent.consent_id)
        ],
        "break_glass": claim,
        "now": format_instant(now),
    }
