"""Login (OIDC code + PKCE), logout, the language switch and the front page."""

from __future__ import annotations

import logging
import time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gateway.errors import GatewayError
from gateway.runtime import runtime_of
from gateway.web.i18n import LANG_COOKIE
from gateway.web.oidc import OAuthError, redirect_uri
from gateway.web.security import CsrfProtected, session_principal, store_principal
from gateway.web.state import limit_login, web_state
from gateway.web.templating import render

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False, dependencies=[CsrfProtected])

_SESSION_NEXT = "next"


def safe_next(value: str | None, default: str = "/portal") -> str:
    """Only same-site paths: no scheme, no ``//host``, no backslash tricks."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    return value


def home_for(kind: str, roles: tuple[str, ...]) -> str:
    if kind == "citizen":
        return "/portal"
    return "/staff/dpo" if "dpo" in roles else "/staff"


@router.get("/")
async def front_page(request: Request) -> Response:
    """Front page: log in as a citizen or an employee (or go on, if logged in)."""
    principal = session_principal(request)
    if principal is not None:
        return RedirectResponse(home_for(principal.kind, principal.roles), status_code=303)
    return render(request, "index.html")


@router.get("/auth/login")
async def login(request: Request, next: str | None = None) -> Response:
    """Start the authorization code flow with PKCE (S256); ``next`` is where to land after."""
    limit_login(request)
    request.session[_SESSION_NEXT] = safe_next(next)
    client = web_state(request).oidc
    lang = "en" if request.cookies.get(LANG_COOKIE) == "en" else "da"
    response: Response = await client.authorize_redirect(
        request, redirect_uri(runtime_of(request).settings), ui_locales=lang
    )
    return response


@router.get("/auth/callback")
async def callback(request: Request) -> Response:
    """Exchange the code (with the PKCE verifier), validate the tokens, start the session."""
    limit_login(request)
    client = web_state(request).oidc
    try:
        token = await client.authorize_access_token(request)
        principal = await runtime_of(request).token_validator.validate(token["access_token"])
    except (OAuthError, GatewayError, KeyError) as exc:
        # The reason goes to the log (never a token or CPR); the person gets a plain message.
        log.warning("web login failed: %s", type(exc).__name__)
        return render(request, "auth/failed.html", status_code=400)
    target = safe_next(request.session.get(_SESSION_NEXT))
    settings = web_state(request).settings
    expires_at = int(time.time()) + settings.session_max_age_s
    if isinstance(token.get("expires_at"), int):
        expires_at = min(expires_at, int(token["expires_at"]))
    store_principal(request, principal, expires_at=expires_at)
    if target == "/portal" and principal.kind == "employee":
        target = home_for(principal.kind, principal.roles)
    return RedirectResponse(target, status_code=303)


@router.post("/auth/logout")
async def logout(request: Request) -> Response:
    """End the session (the cookie is cleared)."""
    request.session.clear()
    return render(request, "auth/logged_out.html")


@router.post("/lang")
async def switch_language(
    request: Request,
    lang: Annotated[str, Form(pattern="^(da|en)$")],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Set the language cookie (a year) and go back to the page the switch was on."""
    response = RedirectResponse(safe_next(next, "/"), status_code=303)
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        samesite="lax",
        secure=request.url.scheme == "https",
        httponly=True,
    )
    return response
