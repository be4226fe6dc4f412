"""Audit entries for what callers do with a citizen's consents (API and portal alike).

Written by the consent services (never by a handler) in the same transaction as the change
itself, so both commit together before the response is sent, or neither does.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.audit.entries.schemas import Actor, AuditEvent, CategoryOutcome, CitizenRef
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
) -> AuditEvent:
    """A successful ``event`` entry: ``principal`` acted on the citizen's consents."""
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
    )


def consent_event(
    action: str,
    principal: Principal,
    identity: CitizenIdentity,
    consent: ConsentRow,
    *,
    request_id: str,
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
    )
