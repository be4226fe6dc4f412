"""Audit entries for what callers do with a citizen's consents (API and portal alike).

Written by the consent services (never by a handler) in the same transaction as the change
itself, so both commit together before the response is sent, or neither does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gateway.audit.entries.schemas import (
    Actor,
    AuditEvent,
    CategoryOutcome,
    CitizenRef,
    RepresentationRef,
)
from gateway.auth.principal import Principal
from gateway.consent.identity import CitizenIdentity
from gateway.consent.models import ConsentRow


def citizen_event(
    action: str,
    principal: Principal,
    identity: CitizenIdentity,
    *,
    request_id: str,
    purpose: str | None = None,
    categories: Iterable[str] = (),
    consent_ids: Iterable[str] = (),
    reason: str | None = None,
    representation: dict[str, Any] | None = None,
) -> AuditEvent:
    """A successful ``event`` entry: ``principal`` acted on the citizen's consents (for them,
    under an authority, when ``representation`` is given — ``Authority.record``)."""
    return AuditEvent(
        phase="event",
        action=action,
        outcome="success",
        request_id=request_id,
        actor=Actor.of(principal),
        purpose=purpose,
        citizen=CitizenRef(pseudonym=identity.pseudonym, key_id=identity.key_id),
        categories=CategoryOutcome(requested=sorted(categories)),
        consent_ids=list(consent_ids),
        reason=reason,
        representation=_representation_ref(representation),
    )


def _representation_ref(record: dict[str, Any] | None) -> RepresentationRef | None:
    if record is None:
        return None
    return RepresentationRef(
        kind=record["kind"],
        authority_ref=record["authority_ref"],
        authority_valid_until=record["authority_valid_until"],
        representative_name=record.get("representative_name"),
    )


def consent_event(
    action: str,
    principal: Principal,
    identity: CitizenIdentity,
    consent: ConsentRow,
    *,
    request_id: str,
    representation: dict[str, Any] | None = None,
) -> AuditEvent:
    """The entry for a change to one consent (``consent.create|withdraw``)."""
    return citizen_event(
        action,
        principal,
        identity,
        request_id=request_id,
        purpose=consent.purpose,
        categories=consent.categories,
        consent_ids=[consent.consent_id],
        representation=representation,
    )
