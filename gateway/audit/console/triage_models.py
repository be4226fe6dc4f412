"""The DPO's triage of an anomaly: investigated or dismissed, with a note."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime


class AnomalyTriageRow(Base):
    """The latest triage of one anomaly (``anomaly_id`` from ``Anomaly.anomaly_id``)."""

    __tablename__ = "anomaly_triage"

    anomaly_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
