"""API shapes of the citizen's notices (inbox) and notice settings."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from gateway.policy.types import LocalizedText


class DeliveryRead(BaseModel):
    channel: str
    status: str
    attempts: int
    sent_at: datetime | None


class NoticeRead(BaseModel):
    notice_id: str
    kind: str
    subject: LocalizedText
    body: LocalizedText
    created_at: datetime
    deliveries: list[DeliveryRead] = Field(
        default_factory=list, description="Outside channels (e-mail, Digital Post)"
    )


class NoticeList(BaseModel):
    items: list[NoticeRead]


class NoticePreferences(BaseModel):
    """Where to send e-mail notices; ``null`` removes the address. Stored encrypted."""

    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(
        None, max_length=254, pattern=r"^[^@\s<>\"',;:]+@[^@\s<>\"',;:]+\.[^@\s<>\"',;:]+$"
    )


class NoticePreferencesRead(BaseModel):
    email_set: bool
