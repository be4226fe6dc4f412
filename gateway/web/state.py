"""What the web front end builds once per app (``app.state.web``)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from gateway.runtime import runtime_of
from gateway.web.config import WebSettings
from gateway.web.oidc import StarletteOAuth2App


@dataclass
class WebState:
    settings: WebSettings
    oidc: StarletteOAuth2App


def web_state(request: Request) -> WebState:
    found = request.app.state.web
    assert isinstance(found, WebState)
    return found


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def limit_login(request: Request) -> None:
    """Count a login step for the caller's address (429 past the limit).

    The address is the proxy's unless the proxy is trusted (``TVAERS_FORWARDED_ALLOW_IPS``):
    behind an untrusted proxy every user would share one bucket.
    """
    web = web_state(request).settings
    limiter = runtime_of(request).shared.limiter(
        "web-login", limit=web.login_rate_limit, window_s=web.login_rate_window_s
    )
    await limiter.hit(f"login:{client_address(request)}")


async def limit_action(request: Request, subject: str) -> None:
    """Count a consent action for a logged-in user (429 past the limit)."""
    web = web_state(request).settings
    limiter = runtime_of(request).shared.limiter(
        "web-action", limit=web.action_rate_limit, window_s=web.action_rate_window_s
    )
    await limiter.hit(f"action:{subject}")
