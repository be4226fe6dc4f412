"""Re-export: the rate limiter lives in ``gateway.ratelimit`` (views use it too)."""

from gateway.ratelimit import RateLimited, RateLimiter

__all__ = ["RateLimited", "RateLimiter"]
