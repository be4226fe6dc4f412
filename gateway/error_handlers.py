"""The one handler set that turns errors into ``{"error", "detail"}`` JSON responses."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.errors import GatewayError, StoreUnavailable
from gateway.text import Text

logger = logging.getLogger("tvaers.errors")

# Infrastructure failures no service can do anything about. The request's transaction has
# rolled back (``session_scope``), so nothing was stored: say so with a 503, not a bare 500.
INFRASTRUCTURE_ERRORS: tuple[type[Exception], ...] = (OSError, OperationalError, InterfaceError)


HTTP_ERROR_CODES = {
    400: "malformed_request",
    401: "not_authenticated",
    403: "not_permitted",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "too_many_requests",
}


def install_error_handlers(app: FastAPI) -> None:
    async def handle_gateway_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, GatewayError)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        if exc.status_code == 503:
            headers = {"Retry-After": "5"}
        return JSONResponse(
            {"error": exc.code, "detail": exc.message},
            status_code=exc.status_code,
            headers=headers,
        )

    async def handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        # Never echo input values back: a CPR may be among them.
        problems = [
            {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type")}
            for err in exc.errors()
        ]
        return JSONResponse({"error": "invalid_request", "detail": problems}, status_code=422)

    async def handle_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
        return JSONResponse(
            {"error": code, "detail": exc.detail},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    async def handle_infrastructure_error(request: Request, exc: Exception) -> JSONResponse:
        # The type only: driver messages can carry SQL parameters (a CPR among them).
        logger.error("infrastructure failure: %s", type(exc).__name__)
        unavailable = StoreUnavailable(
            Text(
                da="Lageret svarer ikke; intet er gemt",
                en="storage unavailable; nothing was stored",
            )
        )
        return await handle_gateway_error(request, unavailable)

    app.add_exception_handler(GatewayError, handle_gateway_error)
    for error_type in INFRASTRUCTURE_ERRORS:
        app.add_exception_handler(error_type, handle_infrastructure_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
