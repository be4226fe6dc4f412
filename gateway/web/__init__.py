"""The web front end: citizen portal and staff console, server-rendered (Jinja2 + vendored htmx).

``install_web(app, settings)`` adds the session middleware, the static files, the login routes,
the HTML error pages and the page routers. See ``docs/web.md`` for how to add a page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from gateway.config import Settings
from gateway.errors import GatewayError
from gateway.ratelimit import RateLimiter
from gateway.web.config import WebSettings
from gateway.web.oidc import build_oidc_client
from gateway.web.security import CsrfFailed, LoginRequired
from gateway.web.state import WebState
from gateway.web.templating import STATIC_DIR, render

# Paths whose errors are pages for people, not JSON for programs.
WEB_PREFIXES = ("/portal", "/staff", "/auth", "/lang", "/dev/authorize")


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
        login_limiter=RateLimiter(limit=web.login_rate_limit, window_s=web.login_rate_window_s),
        action_limiter=RateLimiter(limit=web.action_rate_limit, window_s=web.action_rate_window_s),
    )
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    _install_error_pages(app)

    from gateway.web.auth_routes import router as auth_router
    from gateway.web.portal import router as portal_router
    from gateway.web.portal_log import router as portal_log_router
    from gateway.web.staff import router as staff_router

    app.include_router(auth_router)
    app.include_router(portal_router)
    app.include_router(portal_log_router)
    app.include_router(staff_router)


def _install_error_pages(app: FastAPI) -> None:
    api_handler = app.exception_handlers.get(GatewayError)

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, GatewayError)
        if not is_web_path(request.url.path):
            assert api_handler is not None
            result: Callable[[Request, Exception], Awaitable[Response]] = api_handler  # type: ignore[assignment]
            return await result(request, exc)
        if isinstance(exc, LoginRequired):
            target = f"/auth/login?next={request.url.path}"
            if request.headers.get("hx-request") == "true":
                return Response(status_code=204, headers={"HX-Redirect": target})
            return RedirectResponse(target, status_code=303)
        key = "error.csrf" if isinstance(exc, CsrfFailed) else f"error.{exc.status_code}"
        headers = {"Retry-After": "60"} if exc.status_code == 429 else None
        return render(
            request,
            "error.html",
            {"message_key": key, "status": exc.status_code},
            status_code=exc.status_code,
            headers=headers,
        )

    app.add_exception_handler(GatewayError, handle)
