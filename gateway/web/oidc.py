"""The OIDC client (authorization code + PKCE) that logs people in to the web pages.

authlib's Starlette integration does the protocol: state and nonce, the PKCE verifier kept in
the session, the code exchange, and the ID token check (signature via the provider's JWKS,
issuer, audience = our client id, nonce). The access token is then validated by the same
``TokenValidator`` as API bearer tokens, so web and API agree on who someone is.
"""

from __future__ import annotations

import base64
import json
import warnings
from typing import Any
from urllib.parse import urlencode

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
from gateway.cpr import CPR_PATTERN
from gateway.web.config import WebSettings

__all__ = [
    "OAuthError",
    "StarletteOAuth2App",
    "build_oidc_client",
    "end_session_endpoint",
    "logout_url",
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


def logout_url(
    endpoint: str,
    *,
    id_token: str | None,
    client_id: str,
    post_logout_redirect_uri: str,
    lang: str,
) -> str:
    """The provider's end-session URL (RP-Initiated Logout 1.0, GET).

    The ID token goes along as ``id_token_hint`` unless it carries a CPR number (some MitID
    brokers put it in the ID token) or was too large to keep: a CPR number never goes into a
    URL, so then the request names the client instead (``client_id``, which the specification
    allows), and the provider asks the person to confirm.
    """
    params = {"post_logout_redirect_uri": post_logout_redirect_uri, "ui_locales": lang}
    if id_token is None or _carries_cpr(id_token):
        params["client_id"] = client_id
    else:
        params["id_token_hint"] = id_token
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{urlencode(params)}"


def _carries_cpr(id_token: str) -> bool:
    """Whether the token's payload holds anything that reads as a CPR number (or is unreadable)."""
    try:
        payload = id_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return True
    return any(CPR_PATTERN.search(text) for text in _strings(claims))


def _strings(value: Any) -> list[str]:
    """Every string in a JSON value (claim names too); numbers such as ``exp`` are no CPR."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []
