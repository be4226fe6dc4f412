"""Login (OIDC code + PKCE), logout, the language switch and the front page."""

from __future__ import annotations

import logging
import time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gateway.auth.claims import InsufficientAssurance
from gateway.errors import GatewayError
from gateway.runtime import runtime_of
from gateway.web.i18n import LANG_COOKIE, request_lang
from gateway.web.oidc import (
    OAuthError,
    end_session_endpoint,
    logout_url,
    post_logout_redirect_uri,
    redirect_uri,
)
from gateway.web.security import (
    CsrfProtected,
    pop_id_token,
    session_principal,
    store_id_token,
    store_principal,
)
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
    await limit_login(request)
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
    await limit_login(request)
    client = web_state(request).oidc
    try:
        token = await client.authorize_access_token(request)
        principal = await runtime_of(request).token_validator.validate(token["access_token"])
    except InsufficientAssurance as exc:
        # The provider logged the person in, but below the NSIS level their kind needs.
        log.warning("web login refused: assurance below %s", exc.required)
        return render(
            request,
            "auth/failed.html",
            {"assurance": exc.text.get(request_lang(request))},
            status_code=403,
        )
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
    id_token = token.get("id_token")
    store_id_token(request, id_token if isinstance(id_token, str) else None)
    if target == "/portal" and principal.kind == "employee":
        target = home_for(principal.kind, principal.roles)
    return RedirectResponse(target, status_code=303)


@router.post("/auth/logout")
async def logout(request: Request) -> Response:
    """End the session here and, when the provider offers it, at the provider too.

    RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): a page ends the session here
    and sends the browser on to the provider's ``end_session_endpoint`` with ``id_token_hint``
    and ``post_logout_redirect_uri`` (a link that same-origin script follows; a redirect from
    this form post would be stopped by ``form-action 'self'``). The provider ends its session
    and sends the browser back to ``/auth/logged-out``.
    """
    from_provider, id_token = pop_id_token(request)
    request.session.clear()
    endpoint = await end_session_endpoint(web_state(request).oidc) if from_provider else None
    if endpoint is None:
        return render(request, "auth/logged_out.html")
    url = logout_url(
        endpoint,
        id_token=id_token,
        client_id=web_state(request).settings.oidc_client_id,
        post_logout_redirect_uri=post_logout_redirect_uri(runtime_of(request).settings),
        lang=request_lang(request),
    )
    return render(request, "auth/logout_provider.html", {"logout_url": url})


@router.get("/auth/logged-out")
async def logged_out(request: Request) -> Response:
    """Where the provider returns the browser after its logout (the session ended before:
    a GET changes nothing, so a link elsewhere cannot log anyone out)."""
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
