"""The web front end: citizen portal and staff console, server-rendered (Jinja2 + vendored htmx).

``install_web(app, settings)`` adds the session middleware, the static files, the login routes,
the HTML error pages and the page routers. See ``docs/web.md`` for how to add a page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from gateway.config import Settings
from gateway.errors import GatewayError
from gateway.web.config import WebSettings
from gateway.web.i18n import is_known
from gateway.web.oidc import build_oidc_client
from gateway.web.security import CsrfFailed, LoginRequired, session_principal
from gateway.web.state import WebState
from gateway.web.templating import STATIC_DIR, render

# Paths whose errors are pages for people, not JSON for programs.
WEB_PREFIXES = ("/portal", "/staff", "/auth", "/lang", "/dev/authorize", "/tilgaengelighed")
# Pages behind a login: a stale form there means the session ended, so log in again.
LOGIN_PREFIXES = ("/portal", "/staff")


def is_web_path(path: str) -> bool:
    return path == "/" or path.startswith(WEB_PREFIXES)


def install_web(app: FastAPI, settings: Settings, *, web: WebSettings | None = None) -> None:
    """Mount the web front end on ``app`` (call once, from ``create_app``)."""
    web = web or WebSettings()
    secret = web.effective_session_secret(
        keys_dir=settings.keys_dir, allow_generate=settings.env != "production"
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=web.session_cookie,
        max_age=web.session_max_age_s,
        same_site="lax",
        https_only=settings.effective_public_url.startswith("https://"),
    )
    app.state.web = WebState(
        settings=web,
        oidc=build_oidc_client(settings, web, app=app),
    )
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    _install_error_pages(app)

    from gateway.web.accessibility import router as accessibility_router
    from gateway.web.auth_routes import router as auth_router
    from gateway.web.portal import router as portal_router
    from gateway.web.portal_inbox import router as portal_inbox_router
    from gateway.web.portal_log import router as portal_log_router
    from gateway.web.portal_represented import router as portal_represented_router
    from gateway.web.staff import router as staff_router

    app.include_router(auth_router)
    app.include_router(accessibility_router)
    app.include_router(portal_router)
    app.include_router(portal_log_router)
    app.include_router(portal_represented_router)
    app.include_router(portal_inbox_router)
    app.include_router(staff_router)


Handler = Callable[[Request, Exception], Awaitable[Response]]


def _install_error_pages(app: FastAPI) -> None:
    """Errors on web paths are pages in the visitor's language; the API keeps problem+json."""
    api_handlers: dict[type[Exception], Handler] = {
        kind: cast(Handler, app.exception_handlers[kind])
        for kind in (GatewayError, RequestValidationError, StarletteHTTPException)
    }

    def login_redirect(request: Request) -> Response:
        target = f"/auth/login?next={request.url.path}"
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    def page(
        request: Request, *, key: str, status: int, headers: dict[str, str] | None = None
    ) -> Response:
        return render(
            request,
            "error.html",
            {"message_key": key, "status": status},
            status_code=status,
            headers=headers,
        )

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, GatewayError)
        if not is_web_path(request.url.path):
            return await api_handlers[GatewayError](request, exc)
        if isinstance(exc, LoginRequired):
            return login_redirect(request)
        if (
            isinstance(exc, CsrfFailed)
            and request.url.path.startswith(LOGIN_PREFIXES)
            and session_principal(request) is None
        ):
            # The session expired (or never was): the form is stale because the login is.
            # Nothing was done; the visitor logs in again (pages behind a login only).
            return login_redirect(request)
        key = "error.csrf" if isinstance(exc, CsrfFailed) else f"error.{exc.status_code}"
        headers = None
        if exc.status_code == 429:
            headers = {"Retry-After": str(exc.retry_after_s or 60)}
        return page(request, key=key, status=exc.status_code, headers=headers)

    async def handle_validation(request: Request, exc: Exception) -> Response:
        if not is_web_path(request.url.path):
            return await api_handlers[RequestValidationError](request, exc)
        # A malformed address or form on a page (e.g. /portal/consents/not-a-uuid): the page
        # does not exist for this input; say so in the visitor's language, not pydantic's.
        return page(request, key="error.404", status=404)

    async def handle_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not is_web_path(request.url.path):
            return await api_handlers[StarletteHTTPException](request, exc)
        key = f"error.{exc.status_code}"
        if not is_known(key):
            key = "error.400" if exc.status_code < 500 else "error.500"
        return page(request, key=key, status=exc.status_code)

    app.add_exception_handler(GatewayError, handle)
    app.add_exception_handler(RequestValidationError, handle_validation)
    app.add_exception_handler(StarletteHTTPException, handle_http)
