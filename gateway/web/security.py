"""Who is logged in to the web pages, and CSRF protection for every state-changing request.

The session cookie is signed (Starlette ``SessionMiddleware``, itsdangerous) and short-lived.
It holds the claims of the token validated at login. A citizen's CPR is stored in it only
encrypted with the gateway's data key (AES-GCM), because a signed cookie is readable by
anyone who sees it.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Annotated, Any

from fastapi import Depends, Request

from gateway.auth.principal import Principal
from gateway.errors import GatewayError
from gateway.runtime import runtime_of
from gateway.text import Text

SESSION_USER = "user"
SESSION_CSRF = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_ID_TOKEN = "idt"  # noqa: S105 (a session key name, not a secret)
_CPR_AAD = b"web.session.cpr"
_ID_TOKEN_AAD = b"web.session.id_token"
_ID_TOKEN_MAX_CHARS = 1600  # encrypted and encoded twice, about 2.9 KB of the cookie
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(GatewayError):
    """No valid web session: pages redirect to the login, htmx gets ``HX-Redirect``."""

    status_code = 401
    code = "login_required"


class PageForbidden(GatewayError):
    status_code = 403
    code = "forbidden"


class CsrfFailed(GatewayError):
    status_code = 403
    code = "csrf_failed"


def store_principal(request: Request, principal: Principal, *, expires_at: int) -> None:
    """Put a validated principal into the session (CPR encrypted), with a fresh CSRF token."""
    user: dict[str, Any] = {
        "kind": principal.kind,
        "sub": principal.subject,
        "name": principal.name,
        "department": principal.department,
        "roles": list(principal.roles),
        "client_id": principal.client_id,
        "exp": expires_at,
    }
    if principal.cpr is not None:
        cipher = runtime_of(request).keys.cipher
        key_id, blob = cipher.encrypt(principal.cpr.encode("ascii"), aad=_CPR_AAD)
        user["cpr"] = [key_id, base64.b64encode(blob).decode("ascii")]
    request.session.clear()  # new identity, new session: no fixation
    request.session[SESSION_USER] = user
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)


def store_id_token(request: Request, id_token: str | None) -> None:
    """Remember that the login came from the provider, for the logout; with the ID token
    (``id_token_hint``), encrypted — it may carry the CPR number and the session cookie is only
    signed — unless it would push the cookie towards the browsers' 4 KB limit."""
    if id_token is None or len(id_token) > _ID_TOKEN_MAX_CHARS:
        request.session[SESSION_ID_TOKEN] = []  # provider login, no hint to send
        return
    cipher = runtime_of(request).keys.cipher
    key_id, blob = cipher.encrypt(id_token.encode("ascii"), aad=_ID_TOKEN_AAD)
    request.session[SESSION_ID_TOKEN] = [key_id, base64.b64encode(blob).decode("ascii")]


def pop_id_token(request: Request) -> tuple[bool, str | None]:
    """(whether the login came from the provider, its ID token if kept); removed from the
    session."""
    stored = request.session.pop(SESSION_ID_TOKEN, None)
    if not isinstance(stored, list):
        return False, None
    if len(stored) != 2:
        return True, None
    key_id, blob = stored
    try:
        cipher = runtime_of(request).keys.cipher
        token = cipher.decrypt(key_id, base64.b64decode(blob), aad=_ID_TOKEN_AAD)
    except Exception:  # a rotated or foreign key: log out without the hint
        return True, None
    return True, token.decode("ascii")


def session_principal(request: Request) -> Principal | None:
    """The logged-in principal, or ``None`` (no session, expired, or undecryptable)."""
    cached = getattr(request.state, "web_principal", None)
    if isinstance(cached, Principal):
        return cached
    user = request.session.get(SESSION_USER)
    if not isinstance(user, dict) or int(user.get("exp", 0)) < time.time():
        return None
    cpr: str | None = None
    if user.get("cpr"):
        key_id, blob = user["cpr"]
        try:
            cpr = (
                runtime_of(request)
                .keys.cipher.decrypt(key_id, base64.b64decode(blob), aad=_CPR_AAD)
                .decode("ascii")
            )
        except Exception:  # a rotated or foreign key: treat as logged out, never crash
            return None
    principal = Principal(
        kind=user["kind"],
        subject=user["sub"],
        name=user["name"],
        department=user.get("department"),
        roles=tuple(user.get("roles") or ()),
        client_id=user.get("client_id"),
        cpr=cpr,
    )
    request.state.web_principal = principal
    return principal


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use, also for visitors not logged in)."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


async def csrf_protect(request: Request) -> None:
    """Refuse an unsafe request whose form field or ``X-CSRF-Token`` header does not match.

    Added to every web router; safe methods pass. htmx sends the header from ``hx-headers``
    on ``<body>``; plain forms send the hidden ``csrf_token`` field.
    """
    if request.method not in _UNSAFE:
        return
    expected = request.session.get(SESSION_CSRF)
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent or not secrets.compare_digest(expected, sent):
        raise CsrfFailed(Text(da="CSRF-kontrol fejlede", en="CSRF check failed"))


async def web_principal(request: Request) -> Principal:
    principal = session_principal(request)
    if principal is None:
        raise LoginRequired(Text(da="Log ind først", en="please log in"))
    return principal


async def web_citizen(principal: Annotated[Principal, Depends(web_principal)]) -> Principal:
    if principal.kind != "citizen" or not principal.cpr:
        raise PageForbidden(Text(da="Kun for borgere", en="citizens only"))
    return principal


async def web_employee(principal: Annotated[Principal, Depends(web_principal)]) -> Principal:
    if principal.kind != "employee":
        raise PageForbidden(Text(da="Kun for medarbejdere", en="employees only"))
    return principal


async def web_dpo(principal: Annotated[Principal, Depends(web_employee)]) -> Principal:
    if not principal.is_dpo:
        raise PageForbidden(Text(da="Kun for databeskyttelsesrådgiveren", en="DPO only"))
    return principal


WebPrincipal = Annotated[Principal, Depends(web_principal)]
WebCitizen = Annotated[Principal, Depends(web_citizen)]
WebEmployee = Annotated[Principal, Depends(web_employee)]
WebDpo = Annotated[Principal, Depends(web_dpo)]
CsrfProtected = Depends(csrf_protect)
