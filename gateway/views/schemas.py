"""Shapes of the shared citizen view."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.catalogue.identifiers import CATEGORY_PATTERN, PURPOSE_PATTERN
from gateway.policy.types import LocalizedText

SectionStatus = Literal["granted", "withheld", "unavailable"]


class ViewRequest(BaseModel):
    """Ask for a shared view. The CPR travels in the body only."""

    model_config = ConfigDict(extra="forbid")

    cpr: str = Field(min_length=10, max_length=11, description="CPR number of the citizen")
    purpose: str = Field(
        min_length=1,
        max_length=64,
        pattern=PURPOSE_PATTERN,
        description="Purpose id from the catalogue",
    )
    categories: list[Annotated[str, Field(max_length=96, pattern=CATEGORY_PATTERN)]] | None = Field(
        None, max_length=50, description="Optional subset; default: every category of the purpose"
    )
    justification: str | None = Field(
        None,
        max_length=2000,
        description="Break-glass purposes only: why this is an emergency (at least 20 characters)."
        " Reviewed by the DPO; the citizen is told afterwards.",
    )


class SectionBasis(BaseModel):
    kind: Literal["consent", "statute", "own_department", "break_glass"]
    ref: str
    consent_valid_until: datetime | None = None


class SectionReason(BaseModel):
    code: str
    message: LocalizedText


class Section(BaseModel):
    category: str
    title: LocalizedText
    department: str
    status: SectionStatus
    source_system: str | None = None
    basis: SectionBasis | None = None
    fields: list[str] = Field(default_factory=list)
    retrieved_at: datetime | None = None
    records: list[dict[str, Any]] = Field(default_factory=list)
    reason: SectionReason | None = None


class ViewResponse(BaseModel):
    request_id: str
    purpose: str
    decision_id: str
    policy_version: str
    generated_at: datetime
    sections: list[Section]
