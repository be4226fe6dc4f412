"""What the web front end builds once per app (``app.state.web``)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from gateway.ratelimit import RateLimiter
from gateway.web.config import WebSettings
from gateway.web.oidc import StarletteOAuth2App


@dataclass
class WebState:
    settings: WebSettings
    oidc: StarletteOAuth2App
    login_limiter: RateLimiter
    action_limiter: RateLimiter


def web_state(request: Request) -> WebState:
    found = request.app.state.web
    assert isinstance(found, WebState)
    return found


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit_login(request: Request) -> None:
    """Count a login step for the caller's address (429 past the limit)."""
    web_state(request).login_limiter.hit(f"login:{client_address(request)}")


def limit_action(request: Request, subject: str) -> None:
    """Count a consent action for a logged-in user (429 past the limit)."""
    web_state(request).action_limiter.hit(f"action:{subject}")
