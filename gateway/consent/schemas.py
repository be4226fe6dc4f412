"""Request and response shapes of the consent API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from gateway.catalogue.identifiers import CATEGORY_PATTERN, PURPOSE_PATTERN

CollectionMethod = Literal["citizen_portal", "written_form", "oral_recorded"]
ConsentStatus = Literal["active", "pending_confirmation", "withdrawn", "expired"]

#: Identifiers are checked against the catalogue's shape before anything is written.
PurposeId = Annotated[str, Field(min_length=1, max_length=64, pattern=PURPOSE_PATTERN)]
CategoryId = Annotated[str, Field(max_length=96, pattern=CATEGORY_PATTERN)]
DepartmentId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]

#: User ids (token ``sub``) and team ids (the token's team claim) a scope may name.
UserId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._@:|-]+$")]
TeamId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


class ConsentScope(BaseModel):
    """Who inside the recipient departments the consent reaches (issue 14 item 3).

    Named members (user ids) and/or teams (matched against the caller token's team claim);
    the window is the consent's validity. Without a scope a consent reaches each recipient
    department as a whole. Enforced by the policy (denial code ``outside_consent_scope``).
    """

    model_config = ConfigDict(extra="forbid")

    members: list[UserId] = Field(default_factory=list, max_length=20)
    teams: list[TeamId] = Field(default_factory=list, max_length=10)
    label: str | None = Field(
        None,
        max_length=200,
        description="What the citizen is told, e.g. »Rundbordssamtale 10. december«",
    )

    @model_validator(mode="after")
    def _names_someone(self) -> ConsentScope:
        if not self.members and not self.teams:
            raise ValueError("a scope names at least one member or team")
        self.members = sorted(set(self.members))
        self.teams = sorted(set(self.teams))
        return self


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
    scope: ConsentScope | None = Field(
        None, description="Narrow the consent to named members and/or teams (e.g. one meeting)"
    )
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = Field(
        None,
        description="Required, except for a scoped consent under a purpose with a default "
        "meeting length (`meeting_validity_minutes`): then `valid_from` + that length",
    )
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


class ActedBy(BaseModel):
    """A representative acted for the citizen (værge / fuldmagt), under this authority."""

    representative: str
    representative_name: str
    kind: Literal["vaerge", "fuldmagt"]
    authority_ref: str
    authority_valid_until: datetime


class ConsentRead(BaseModel):
    consent_id: str
    purpose: str
    categories: list[str]
    source_departments: list[str]
    recipient_departments: list[str]
    scope: ConsentScope | None
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
    granted_by_representative: ActedBy | None = None
    withdrawn_by_representative: ActedBy | None = None


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


class RepresentedCitizen(BaseModel):
    """Someone the caller may act for, under one authority in force now."""

    cpr: str = Field(description="The represented citizen's CPR (only in bodies, never URLs)")
    name: str
    kind: Literal["vaerge", "fuldmagt"]
    authority_ref: str
    purposes: list[str] | None = Field(description="null: every consent-based purpose")
    actions: list[Literal["view", "grant", "withdraw"]]
    valid_from: datetime
    valid_until: datetime


class RepresentedList(BaseModel):
    items: list[RepresentedCitizen]


class RepresentedSearch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cpr: str = _CPR


class ConsentList(BaseModel):
    items: list[ConsentRead]
