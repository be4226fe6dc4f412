"""Domain errors and the one handler that turns them into ``{"error", "detail"}`` responses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("tvaers.errors")


class GatewayError(Exception):
    """Base of every error a service raises. ``code`` is machine-readable, ``message`` human."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidRequest(GatewayError):
    status_code = 422
    code = "invalid_request"


class NotAuthenticated(GatewayError):
    status_code = 401
    code = "not_authenticated"


class NotPermitted(GatewayError):
    status_code = 403
    code = "not_permitted"


class NotFound(GatewayError):
    status_code = 404
    code = "not_found"


class Conflict(GatewayError):
    status_code = 409
    code = "conflict"


class ServiceUnavailable(GatewayError):
    """A dependency the gateway must not work without failed: fail closed."""

    status_code = 503
    code = "service_unavailable"


class ConsentNotFound(NotFound):
    code = "consent_not_found"


class AuditUnavailable(ServiceUnavailable):
    code = "audit_unavailable"


class PolicyUnavailable(ServiceUnavailable):
    code = "policy_unavailable"


class ConsentStoreUnavailable(ServiceUnavailable):
    code = "consent_store_unavailable"


class StoreUnavailable(ServiceUnavailable):
    """The database or the disk failed mid-request (full, read-only, I/O error, gone)."""

    code = "store_unavailable"


# Infrastructure failures no service can do anything about. The request's transaction has
# rolled back (``session_scope``), so nothing was stored: say so with a 503, not a bare 500.
INFRASTRUCTURE_ERRORS: tuple[type[Exception], ...] = (OSError, OperationalError, InterfaceError)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or expired bearer token."},
    403: {"description": "The caller may not do this."},
    422: {"description": "The request body is invalid."},
    503: {"description": "A dependency failed; nothing was released (fail closed)."},
}


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
            "Lageret svarer ikke; intet er gemt / storage unavailable; nothing was stored"
        )
        return await handle_gateway_error(request, unavailable)

    app.add_exception_handler(GatewayError, handle_gateway_error)
    for error_type in INFRASTRUCTURE_ERRORS:
        app.add_exception_handler(error_type, handle_infrastructure_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
