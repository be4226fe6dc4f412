"""Dependency providers of the consent API that are not services (kept out of services.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.auth.dependencies import AnyPrincipal
from gateway.ratelimit import RateLimiter


def _limiter(request: Request) -> RateLimiter:
    state = request.app.state
    found = getattr(state, "consent_action_limiter", None)
    if not isinstance(found, RateLimiter):
        settings = state.services.settings
        found = RateLimiter(
            limit=settings.consent_action_limit_per_user,
            window_s=settings.consent_action_limit_window_s,
        )
        state.consent_action_limiter = found
    return found


async def consent_action_limit(request: Request, principal: AnyPrincipal) -> None:
    """Count one consent action of an employee; 429 when their window is full.

    Citizens act on their own consents only and are not limited here: a withdrawal must
    never be refused."""
    if principal.kind == "employee":
        _limiter(request).hit(f"consent-action:{principal.subject}")


ConsentActionLimit = Annotated[None, Depends(consent_action_limit)]
