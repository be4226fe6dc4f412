"""The development identity provider's login page and its OAuth 2.0 code exchange.

The stand-in for MitID or the municipality's employee login: a page to choose a demo user, then
authorization code + PKCE (S256 only), so the web pages log in exactly as they would against a
production OIDC provider. Mounted only when the development identity provider is enabled.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from gateway.auth.devidp import TOKEN_LIFETIME_S, DevIdentityProvider, basic_client_id, provider_of
from gateway.web.security import CsrfProtected
from gateway.web.state import limit_login
from gateway.web.templating import render


def _redirect_allowed(provider: DevIdentityProvider, redirect_uri: str) -> bool:
    # Only back to this gateway: the development provider must not become an open redirector.
    return redirect_uri.startswith(provider.issuer.rstrip("/") + "/")


def dev_idp_pages_router() -> APIRouter:
    """``/dev/authorize`` (a page to choose a demo user) and ``/dev/oauth/token`` (code + PKCE)."""
    router = APIRouter(tags=["development identity provider"])
    idp = provider_of

    @router.get("/dev/authorize", include_in_schema=False)
    async def authorize(
        request: Request,
        response_type: str,
        client_id: str,
        redirect_uri: str,
        code_challenge: str,
        state: str = "",
        nonce: str | None = None,
        code_challenge_method: str = "plain",
        scope: str = "",
    ) -> Response:
        """Choose a demo user (the stand-in for MitID or the municipality's employee login)."""
        provider = idp(request)
        if (
            response_type != "code"
            or code_challenge_method != "S256"
            or not _redirect_allowed(provider, redirect_uri)
        ):
            return render(
                request, "error.html", {"message_key": "error.400", "status": 400}, status_code=400
            )
        users = list(provider.users.values())
        return render(
            request,
            "devidp/authorize.html",
            {
                "citizens": [u for u in users if u.kind == "citizen"],
                "employees": [u for u in users if u.kind == "employee"],
                "params": {
                    "client_id": client_id,
                    "redirect_uri": redirect_uri,
                    "code_challenge": code_challenge,
                    "state": state,
                    "nonce": nonce or "",
                },
            },
        )

    @router.post(
        "/dev/authorize",
        include_in_schema=False,
        dependencies=[CsrfProtected, Depends(limit_login)],
    )
    async def authorize_choose(
        request: Request,
        username: Annotated[str, Form(max_length=100)],
        client_id: Annotated[str, Form(max_length=200)],
        redirect_uri: Annotated[str, Form(max_length=1000)],
        code_challenge: Annotated[str, Form(min_length=43, max_length=128)],
        state: Annotated[str, Form(max_length=500)] = "",
        nonce: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        provider = idp(request)
        if not _redirect_allowed(provider, redirect_uri):
            return render(
                request, "error.html", {"message_key": "error.400", "status": 400}, status_code=400
            )
        code = provider.new_code(
            username,
            client_id=client_id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            nonce=nonce or None,
        )
        query = urlencode({"code": code, "state": state})
        return RedirectResponse(f"{redirect_uri}?{query}", status_code=303)

    @router.post("/dev/oauth/token", tags=["development identity provider"])
    async def oauth_token(
        request: Request,
        grant_type: Annotated[str, Form()],
        code: Annotated[str, Form()],
        redirect_uri: Annotated[str, Form()],
        code_verifier: Annotated[str, Form(min_length=43, max_length=128)],
        client_id: Annotated[str | None, Form()] = None,
    ) -> Response:
        """OAuth 2.0 token endpoint: authorization code + PKCE (S256) → access and ID token."""
        if client_id is None:  # client_secret_basic: the id is in the Authorization header
            client_id = basic_client_id(request.headers.get("authorization", ""))
        provider = idp(request)
        if grant_type != "authorization_code":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        pending = provider.redeem(
            code, client_id=client_id or "", redirect_uri=redirect_uri, code_verifier=code_verifier
        )
        if pending is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        return JSONResponse(
            {
                "access_token": provider.issue(pending.username),
                "id_token": provider.id_token(pending),
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_S,
                "scope": "openid profile",
            },
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    return router
