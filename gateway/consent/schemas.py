"""Request and response shapes of the consent API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.catalogue.identifiers import CATEGORY_PATTERN, PURPOSE_PATTERN

CollectionMethod = Literal["citizen_portal", "written_form", "oral_recorded"]
ConsentStatus = Literal["active", "pending_confirmation", "withdrawn", "expired"]

#: Identifiers are checked against the catalogue's shape before anything is written.
PurposeId = Annotated[str, Field(min_length=1, max_length=64, pattern=PURPOSE_PATTERN)]
CategoryId = Annotated[str, Field(max_length=96, pattern=CATEGORY_PATTERN)]
DepartmentId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]

_CPR = Field(min_length=10, max_length=11, description="CPR number (in the body, never a URL)")


class ConsentCreate(BaseModel):
    """A consent to record. Employees give ``cpr``; a citizen's own CPR comes from the token."""

    model_config = ConfigDict(extra="forbid")

    cpr: str | None = Field(None, min_length=10, max_length=11, description="CPR number")
    purpose: PurposeId
    categories: list[CategoryId] = Field(min_length=1, max_length=50)
    source_departments: list[DepartmentId] | None = Field(
        None, max_length=20, description="Defaults to the departments of the categories"
    )
    recipient_departments: list[DepartmentId] = Field(min_length=1, max_length=20)
    recipient_scope: str | None = Field(
        None, max_length=200, description="Optional narrowing, e.g. a case or team id"
    )
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime
    collection_method: CollectionMethod
    evidence_ref: str | None = Field(
        None, max_length=500, description="Required for written_form and oral_recorded"
    )
    evidence_date: date | None = Field(
        None,
        description="Date on the paper form or of the oral consent, when earlier than today; "
        "signed into the receipt. `valid_from` itself is never backdated.",
    )
    notice_version: str | None = Field(
        None,
        max_length=64,
        description="Version of the consent notice text shown to the citizen "
        "(`GET /v1/consent-notices/{version}`); defaults to the current one",
    )
    notice_language: Literal["da", "en"] = "da"


class ConsentEvent(BaseModel):
    """One event in a consent's history (ISO/IEC TS 27560 event)."""

    event: Literal["created", "confirmed", "withdrawn"]
    at: datetime
    by: str
    department: str | None = None
    via: str | None = None
    evidence_ref: str | None = None


class ConsentRead(BaseModel):
    consent_id: str
    purpose: str
    categories: list[str]
    source_departments: list[str]
    recipient_departments: list[str]
    recipient_scope: str | None
    valid_from: datetime
    valid_until: datetime
    status: ConsentStatus
    collection_method: CollectionMethod
    recorded_by: str
    evidence_ref: str | None
    notice_version: str
    notice_language: str
    created_at: datetime
    withdrawn_at: datetime | None
    withdrawn_via: str | None
    # Issue 14: the record as the citizen gave it (None on consents recorded before).
    granted_fields: dict[str, list[str]] | None = Field(
        None, description="Fields granted per category when the consent was given"
    )
    notice_sha256: str | None = None
    controller: dict[str, str] | None = None
    lawful_basis: list[str] | None = None
    retention: str | None = None
    jurisdiction: str | None = None
    withdrawal_method: str | None = None
    awaiting_confirmation: list[str] = Field(
        default_factory=list,
        description="Source departments that must confirm before the consent is a basis",
    )
    confirmed_at: datetime | None = None
    confirmed_via: str | None = None
    withdrawal_evidence_ref: str | None = None
    withdrawal_receipt: str | None = Field(
        None, description="Signed withdrawal receipt (compact JWS), once withdrawn"
    )
    history: list[ConsentEvent] = Field(default_factory=list)


class ConsentCreated(BaseModel):
    consent: ConsentRead
    receipt: str = Field(description="Compact JWS (EdDSA) over the consent record")


class ConsentSearch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cpr: str = _CPR
    purpose: PurposeId | None = None
    include_inactive: bool = True


class ConsentWithdraw(BaseModel):
    model_config = ConfigDict(extra="forbid")
    via: CollectionMethod | None = Field(
        None, description="How the withdrawal was received; defaults by caller kind"
    )
    evidence_ref: str | None = Field(None, max_length=500)


class ConsentConfirm(BaseModel):
    """A confirmation of a ``pending_confirmation`` consent (source department or citizen)."""

    model_config = ConfigDict(extra="forbid")
    evidence_ref: str | None = Field(
        None,
        max_length=500,
        description="Required for staff: the journal note or record of the confirmation",
    )


class ConsentNoticeRead(BaseModel):
    """A consent notice text exactly as shown (its SHA-256 is over these UTF-8 bytes)."""

    version: str
    language: str
    sha256: str
    text: str
    current: bool
    controller: dict[str, str] = Field(description="Controller name and contact (configured)")
    dpo_contact: str
    retention: str
    jurisdiction: str
    withdrawal_method: str


class ConsentList(BaseModel):
    items: list[ConsentRead]
