"""The break-glass episode table: one user × one citizen × a short window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime


class BreakGlassEpisodeRow(Base):
    """An emergency access episode and its DPO review.

    The justification has any CPR-like digits removed before it is stored (see
    ``gateway.breakglass.service.scrub``).
    """

    __tablename__ = "break_glass_episodes"

    episode_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen_pseudonym: Mapped[str] = mapped_column(String(64))
    pseudonym_key_id: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(200))
    actor_department: Mapped[str | None] = mapped_column(String(64))
    actor_roles: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(64))
    justification: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    categories: Mapped[list[str]] = mapped_column(JSON)
    views: Mapped[int] = mapped_column(Integer)
    first_request_id: Mapped[str] = mapped_column(String(36))
    review_status: Mapped[str] = mapped_column(String(16), index=True)
    review_verdict: Mapped[str | None] = mapped_column(String(16))
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_break_glass_actor_citizen", "actor_id", "citizen_pseudonym", "expires_at"),
        Index("ix_break_glass_citizen", "citizen_pseudonym"),
    )
