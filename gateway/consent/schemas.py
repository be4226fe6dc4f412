"""Request and response shapes of the consent API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

CollectionMethod = Literal["citizen_portal", "written_form", "oral_recorded"]
ConsentStatus = Literal["active", "withdrawn", "expired"]

_CPR = Field(min_length=10, max_length=11, description="CPR number (in the body, never a URL)")


class ConsentCreate(BaseModel):
    """A consent to record. Employees give ``cpr``; a citizen's own CPR comes from the token."""

    model_config = ConfigDict(extra="forbid")

    cpr: str | None = Field(None, min_length=10, max_length=11, description="CPR number")
    purpose: str = Field(min_length=1, max_length=64)
    categories: list[str] = Field(min_length=1, max_length=50)
    source_departments: list[str] | None = Field(
        None, description="Defaults to the departments of the categories"
    )
    recipient_departments: list[str] = Field(min_length=1, max_length=20)
    recipient_scope: str | None = Field(
        None, max_length=200, description="Optional narrowing, e.g. a case or team id"
    )
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime
    collection_method: CollectionMethod
    evidence_ref: str | None = Field(
        None, max_length=500, description="Required for written_form and oral_recorded"
    )
    notice_version: str = Field("2026-11", max_length=64)
    notice_language: Literal["da", "en"] = "da"


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


class ConsentCreated(BaseModel):
    consent: ConsentRead
    receipt: str = Field(description="Compact JWS (EdDSA) over the consent record")


class ConsentSearch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cpr: str = _CPR
    purpose: str | None = None
    include_inactive: bool = True


class ConsentWithdraw(BaseModel):
    model_config = ConfigDict(extra="forbid")
    via: CollectionMethod | None = Field(
        None, description="How the withdrawal was received; defaults by caller kind"
    )
    evidence_ref: str | None = Field(None, max_length=500)


class ConsentList(BaseModel):
    items: list[ConsentRead]
