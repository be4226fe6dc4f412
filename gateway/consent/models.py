"""Tables for citizens (encrypted CPR + pseudonym), consents and consent requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime


class CitizenRow(Base):
    """A citizen known to Tværs. The CPR is stored only encrypted; lookups use the pseudonym."""

    __tablename__ = "citizens"

    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    pseudonym_key_id: Mapped[str] = mapped_column(String(32))
    cpr_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    cpr_key_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConsentRow(Base):
    """An immutable consent (ISO/IEC TS 27560-style).

    A change is a new row; the old one is withdrawn.
    """

    __tablename__ = "consents"

    consent_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen_pseudonym: Mapped[str] = mapped_column(ForeignKey("citizens.pseudonym"))
    purpose: Mapped[str] = mapped_column(String(64))
    categories: Mapped[list[str]] = mapped_column(JSON)
    source_departments: Mapped[list[str]] = mapped_column(JSON)
    recipient_departments: Mapped[list[str]] = mapped_column(JSON)
    # Legacy free text, no longer written (issue 14): replaced by the structured ``scope``.
    recipient_scope: Mapped[str | None] = mapped_column(String(200))
    # {"members": [user ids], "teams": [team ids], "label": str | None}; None: whole departments.
    scope: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Who acted for the citizen under which authority (værge / fuldmagt), when a representative
    # granted (``representation``) or withdrew (``withdrawal_representation``) the consent.
    representation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    withdrawal_representation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(32))
    collection_method: Mapped[str] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_by_department: Mapped[str | None] = mapped_column(String(64))
    evidence_ref: Mapped[str | None] = mapped_column(String(500))
    notice_version: Mapped[str] = mapped_column(String(64))
    notice_language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_via: Mapped[str | None] = mapped_column(String(32))
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    receipt: Mapped[str] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(36))
    # Issue 14 (migration 0006_consentrecord_record_fields). Null on rows recorded before it.
    granted_fields: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    """The fields granted per category when the consent was given (never widened later)."""
    notice_sha256: Mapped[str | None] = mapped_column(String(64))
    controller: Mapped[dict[str, str] | None] = mapped_column(JSON)
    """Controller name and contact and the DPO contact, as configured when recorded."""
    lawful_basis: Mapped[list[str] | None] = mapped_column(JSON)
    retention: Mapped[str | None] = mapped_column(String(300))
    jurisdiction: Mapped[str | None] = mapped_column(String(8))
    withdrawal_method: Mapped[str | None] = mapped_column(String(300))
    awaiting_confirmation: Mapped[list[str] | None] = mapped_column(JSON)
    """Source departments whose confirmation a ``pending_confirmation`` consent still needs."""
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    confirmed_via: Mapped[str | None] = mapped_column(String(32))
    withdrawal_evidence_ref: Mapped[str | None] = mapped_column(String(500))
    withdrawal_receipt: Mapped[str | None] = mapped_column(Text)
    history: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    """Event history (ISO/IEC TS 27560): created, confirmed, withdrawn — who, when, how."""

    __table_args__ = (Index("ix_consents_citizen_purpose", "citizen_pseudonym", "purpose"),)


class ConsentRequestRow(Base):
    """A caseworker's request for a consent, approved or declined by the citizen in the portal."""

    __tablename__ = "consent_requests"

    request_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen_pseudonym: Mapped[str] = mapped_column(ForeignKey("citizens.pseudonym"), index=True)
    purpose: Mapped[str] = mapped_column(String(64))
    categories: Mapped[list[str]] = mapped_column(JSON)
    source_departments: Mapped[list[str]] = mapped_column(JSON)
    recipient_departments: Mapped[list[str]] = mapped_column(JSON)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_by_department: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_id: Mapped[str | None] = mapped_column(String(36))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
