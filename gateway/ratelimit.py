"""Sliding-window rate limits in one process (429 when exceeded): login, consent actions, views.

``RateLimiter`` is the in-memory window; with several replicas ``gateway.shared_state``
counts the windows in the database instead (``TVAERS_SHARED_STATE``), so a user answered
429 by one replica is answered 429 by every other.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.config import Settings
from gateway.errors import GatewayError
from gateway.text import Text

if TYPE_CHECKING:
    from gateway.shared_state import Limiter, SharedState


class RateLimited(GatewayError):
    status_code = 429
    code = "rate_limited"


class RateLimiter:
    """At most ``limit`` hits per ``window_s`` seconds for each key."""

    def __init__(
        self, *, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str) -> None:
        """Count one hit for ``key``; raise ``RateLimited`` if the window is full."""
        now = self._clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) >= self.limit:
            wait_s = max(1, math.ceil(hits[0] + self.window_s - now))
            raise RateLimited(
                Text(
                    da=f"For mange forsøg; prøv igen om {wait_s} s",
                    en=f"too many attempts; try again in {wait_s} s",
                ),
                retry_after_s=wait_s,
            )
        hits.append(now)
        if len(self._hits) > 10_000:  # bound memory under a flood of distinct keys
            self._prune(now)

    def _prune(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window_s]:
            del self._hits[key]


@dataclass(frozen=True)
class ViewLimits:
    """Sliding-window limits on shared views: per user and per citizen (pseudonym)."""

    per_user: Limiter
    per_citizen: Limiter

    @classmethod
    def from_settings(cls, settings: Settings, shared: SharedState) -> ViewLimits:
        window = settings.view_limit_window_s
        return cls(
            per_user=shared.limiter(
                "view-user", limit=settings.view_limit_per_user, window_s=window
            ),
            per_citizen=shared.limiter(
                "view-citizen", limit=settings.view_limit_per_citizen, window_s=window
            ),
        )
