"""Outbox tables: a notice (also the portal inbox) and one delivery row per outside channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime


class NoticeRow(Base):
    """A notice to a citizen, Danish and English. Its row *is* the portal inbox entry.

    ``dedupe_key`` makes a notice happen once per cause (e.g. ``consent_expiring:<id>``).
    Texts never hold a CPR number.
    """

    __tablename__ = "notices"

    notice_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen_pseudonym: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    reference: Mapped[str | None] = mapped_column(String(64))
    subject_da: Mapped[str] = mapped_column(String(300))
    subject_en: Mapped[str] = mapped_column(String(300))
    body_da: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_notices_citizen_time", "citizen_pseudonym", "created_at"),)


class NoticeDeliveryRow(Base):
    """One notice on one outside channel (``email``, ``digital_post``).

    ``delivery_id`` is the stable message id every attempt reuses (SMTP Message-ID, MeMo
    MessageUUID), so a receiver can drop a repeat. ``status``: ``pending`` → ``sent`` or,
    after ``max attempts``, ``dead`` (the operator's dead-letter list).
    """

    __tablename__ = "notice_deliveries"

    delivery_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    notice_id: Mapped[str] = mapped_column(ForeignKey("notices.notice_id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_notice_deliveries_due", "status", "next_attempt_at"),)


class NoticeContactRow(Base):
    """A citizen's e-mail address for notices, stored only encrypted."""

    __tablename__ = "notice_contacts"

    citizen_pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    email_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    email_key_id: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
