"""The audit entry (NIST SP 800-53 AU-3 / FHIR AuditEvent fields) and its API shapes.

An entry holds no payload data and no CPR: the citizen appears as a keyed HMAC pseudonym
with its key id. ``AuditEvent.leaf_bytes()`` is the canonical JSON that becomes a Merkle leaf.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.audit.proofs.canonical import canonical_json
from gateway.auth.principal import Principal
from gateway.catalogue.identifiers import is_category_id, is_purpose_id

Phase = Literal["intent", "outcome", "event"]


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    """UTC with microseconds, fixed width, so entries sort and compare as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    user_id: str
    kind: Literal["employee", "citizen", "system"]
    department: str | None = None
    roles: list[str] = Field(default_factory=list)
    client_id: str | None = None
    # An employee's name as their login gave it: citizens read in "Min log" who looked
    # (as sundhed.dk shows). Never set for citizens (their own name adds nothing there).
    name: str | None = Field(None, max_length=200)

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        """The actor an entry records for an authenticated caller (roles sorted)."""
        return cls(
            user_id=principal.subject,
            kind=principal.kind,
            department=principal.department,
            roles=sorted(principal.roles),
            client_id=principal.client_id,
            name=principal.name if principal.kind == "employee" and principal.name else None,
        )


class CitizenRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    pseudonym: str
    key_id: str


class RepresentationRef(BaseModel):
    """A representative (værge / fuldmagt) acted for the citizen: under which authority, until
    when. The representative's own id is the entry's ``actor``; never a CPR here."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["vaerge", "fuldmagt"]
    authority_ref: str = Field(max_length=128, pattern=r"^[A-Za-z0-9._:/-]+$")
    authority_valid_until: str
    representative_name: str | None = Field(None, max_length=200)


class BasisRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    category: str
    kind: str
    ref: str


class CategoryOutcome(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    requested: list[str] = Field(default_factory=list)
    granted: list[str] = Field(default_factory=list)
    withheld: list[str] = Field(default_factory=list)
    unavailable: list[str] = Field(default_factory=list)

    @field_validator("requested", "granted", "withheld", "unavailable")
    @classmethod
    def _catalogue_ids_only(cls, value: list[str]) -> list[str]:
        # The last gate: free text from a caller (a CPR, a message, markup) never becomes
        # part of an entry. Callers map unknown ids to ``unknown_category`` before this.
        bad = [v for v in value if not is_category_id(v)]
        if bad:
            raise ValueError("audit categories must be catalogue ids or unknown_category")
        return value


class AuditEvent(BaseModel):
    """One audit entry. Every field is part of the verifiable leaf."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    event_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    time: str = Field(default_factory=lambda: format_time(utc_now()))
    phase: Phase
    action: str
    outcome: str
    request_id: str
    actor: Actor
    purpose: str | None = None
    citizen: CitizenRef | None = None
    categories: CategoryOutcome = Field(default_factory=CategoryOutcome)
    bases: list[BasisRef] = Field(default_factory=list)
    consent_ids: list[str] = Field(default_factory=list)
    denial_codes: dict[str, str] = Field(default_factory=dict)
    source_systems: list[str] = Field(default_factory=list)
    record_counts: dict[str, int] = Field(default_factory=dict)
    decision_id: str | None = None
    # OPA's own decision id (engine `opa` with decision logs on): joins OPA's decision log.
    opa_decision_id: str | None = None
    policy_version: str | None = None
    reason: str | None = None
    # Break-glass only: the caller's justification (CPR-like digits removed). Left out of the
    # leaf when absent, so every other entry keeps exactly the bytes it had before.
    justification: str | None = Field(None, max_length=2000)
    # Issue 14: a representative acted for the citizen (left out of the leaf when absent).
    representation: RepresentationRef | None = None

    @field_validator("purpose")
    @classmethod
    def _purpose_id_only(cls, value: str | None) -> str | None:
        if value is not None and not is_purpose_id(value):
            raise ValueError("audit purpose must be a catalogue id or unknown_purpose")
        return value

    @field_validator("denial_codes")
    @classmethod
    def _keys_are_category_ids(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not all(is_category_id(k) for k in value):
            raise ValueError("audit category keys must be catalogue ids or unknown_category")
        return value

    def leaf_bytes(self) -> bytes:
        body = self.model_dump(mode="json")
        # Optional fields added later are left out when empty, so every other entry keeps
        # exactly the bytes (and leaf hash) it had before.
        for optional in ("justification", "opa_decision_id", "representation"):
            if body[optional] is None:
                del body[optional]
        return canonical_json(body)


class AuditEntryRead(BaseModel):
    """An entry as the DPO API returns it."""

    seq: int
    leaf_index: int | None
    entry: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntryRead]
    next_cursor: int | None = Field(None, description="Pass as `before` to read older entries")


class AuditCitizenSearch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cpr: str = Field(min_length=10, max_length=11, description="CPR in the body, never the URL")
    since: datetime | None = None
    until: datetime | None = None
    limit: int = Field(100, ge=1, le=1000)
    before: int | None = None
