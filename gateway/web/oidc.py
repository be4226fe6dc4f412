"""The OIDC client (authorization code + PKCE) that logs people in to the web pages.

authlib's Starlette integration does the protocol: state and nonce, the PKCE verifier kept in
the session, the code exchange, and the ID token check (signature via the provider's JWKS,
issuer, audience = our client id, nonce). The access token is then validated by the same
``TokenValidator`` as API bearer tokens, so web and API agree on who someone is.
"""

from __future__ import annotations

import warnings
from typing import Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning  # type: ignore[import-untyped]

# authlib 1.9 prefers the ``httpx2`` fork and warns once, at import, when it falls back to
# httpx — which is what we use everywhere (and what our ASGI transport is built for).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.starlette_client import (  # type: ignore[import-untyped]
        OAuth,
        OAuthError,
        StarletteOAuth2App,
    )
from starlette.types import ASGIApp

from gateway.config import Settings
from gateway.web.config import WebSettings

__all__ = [
    "OAuthError",
    "StarletteOAuth2App",
    "build_oidc_client",
    "end_session_endpoint",
    "post_logout_redirect_uri",
    "redirect_uri",
]

CLIENT_NAME = "tvaers"


def uses_dev_idp(settings: Settings) -> bool:
    return settings.dev_idp_enabled and not settings.oidc_jwks_url


def build_oidc_client(settings: Settings, web: WebSettings, *, app: ASGIApp) -> StarletteOAuth2App:
    """Register the provider: the built-in development provider, or any OIDC provider by discovery.

    The development provider is this very app, so its back-channel calls (discovery, token,
    JWKS) go in-process through ``httpx.ASGITransport`` instead of over the network.
    """
    client_kwargs: dict[str, Any] = {"scope": web.oidc_scope, "code_challenge_method": "S256"}
    if uses_dev_idp(settings):
        client_kwargs["transport"] = httpx.ASGITransport(app=app)
    oauth = OAuth()
    client = oauth.register(
        CLIENT_NAME,
        client_id=web.oidc_client_id,
        client_secret=web.oidc_client_secret or None,
        # Fetched by the gateway itself: may be an internal address (TVAERS_OIDC_DISCOVERY_URL).
        server_metadata_url=settings.effective_discovery_url,
        client_kwargs=client_kwargs,
    )
    assert isinstance(client, StarletteOAuth2App)
    return client


def redirect_uri(settings: Settings) -> str:
    """Where the provider sends the browser back: from the public URL, never the Host header."""
    return f"{settings.effective_public_url.rstrip('/')}/auth/callback"


def post_logout_redirect_uri(settings: Settings) -> str:
    """Where the provider sends the browser after its logout (registered with the provider)."""
    return f"{settings.effective_public_url.rstrip('/')}/auth/logged-out"


async def end_session_endpoint(client: StarletteOAuth2App) -> str | None:
    """The provider's RP-initiated logout endpoint (discovery), or ``None`` if it has none."""
    try:
        metadata = await client.load_server_metadata()
    except (httpx.HTTPError, ValueError):
        return None
    endpoint = metadata.get("end_session_endpoint")
    if isinstance(endpoint, str) and endpoint.startswith(("https://", "http://")):
        return endpoint
    return None
