"""API shapes of the DPO's break-glass review queue."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ReviewStatus = Literal["pending", "reviewed"]
Verdict = Literal["justified", "unjustified"]


class RecentAccess(BaseModel):
    """The same user's other shared views around the episode (from the audit log)."""

    views: int = Field(description="Shared-view outcomes in the 7 days before the episode")
    distinct_citizens: int
    break_glass_episodes: int = Field(description="The user's break-glass episodes in 90 days")


class EpisodeRead(BaseModel):
    episode_id: str
    actor_id: str
    actor_department: str | None
    actor_roles: list[str]
    purpose: str
    justification: str
    opened_at: datetime
    expires_at: datetime
    categories: list[str] = Field(description="What was seen under break-glass")
    views: int
    review_status: ReviewStatus
    review_verdict: Verdict | None
    review_note: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    recent: RecentAccess


class EpisodeList(BaseModel):
    items: list[EpisodeRead]


class EpisodeReview(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Verdict
    note: str = Field(min_length=1, max_length=2000)
