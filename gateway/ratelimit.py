"""In-process sliding-window rate limits (429 when exceeded): login, consent actions, views.

Per process: with several gateway replicas each enforces its own window, which still bounds
an attacker to ``replicas x limit``. Good enough for login throttling; a shared store would
be the next step.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from gateway.config import Settings
from gateway.errors import GatewayError
from gateway.text import Text


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
            raise RateLimited(
                Text(
                    da="For mange forsøg; prøv igen om lidt",
                    en="too many attempts; try again shortly",
                )
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

    per_user: RateLimiter
    per_citizen: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> ViewLimits:
        window = settings.view_limit_window_s
        return cls(
            per_user=RateLimiter(limit=settings.view_limit_per_user, window_s=window),
            per_citizen=RateLimiter(limit=settings.view_limit_per_citizen, window_s=window),
        )
