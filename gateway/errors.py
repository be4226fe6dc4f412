"""Domain errors and the handlers that turn every API error into RFC 9457 problem details.

The document format (type URIs, languages, the ``errors`` extension) is in ``gateway/problems.py``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.problems import (
    FieldProblem,
    negotiate_lang,
    problem_response,
    split_bilingual,
    validation_field_problems,
)

logger = logging.getLogger("tvaers.errors")


class GatewayError(Exception):
    """Base of every error a service raises. ``code`` is machine-readable, ``message`` human.

    ``message`` is ``"dansk / english"`` (or one language for both); ``field`` names the input
    at fault, when there is one (it becomes a field error in the problem document).
    """

    status_code = 500
    code = "internal_error"
    field: str | None = None
    retry_after_s: int | None = None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        retry_after_s: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if field is not None:
            self.field = field
        if retry_after_s is not None:
            self.retry_after_s = retry_after_s

    def text(self, lang: str) -> str:
        """The message in ``lang`` (``da`` or ``en``)."""
        da, en = split_bilingual(self.message)
        return en if lang == "en" else da


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


# Per-operation descriptions; ``gateway/openapi.py`` gives every 4xx/5xx the Problem schema.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or expired bearer token."},
    403: {"description": "The caller may not do this."},
    422: {"description": "The request is invalid; field errors are in `errors`."},
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

_HTTP_DETAILS = {
    400: ("Forespørgslen kan ikke læses", "The request cannot be read"),
    404: ("Adressen findes ikke", "No such address"),
    405: ("Metoden er ikke tilladt her", "Method not allowed here"),
    413: ("Forespørgslen er for stor", "Request body too large"),
}


def gateway_error_response(request: Request, exc: GatewayError) -> JSONResponse:
    """The problem document for a domain error (used by the API and by the web's JSON paths)."""
    headers: dict[str, str] = {}
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if exc.status_code == 503:
        headers["Retry-After"] = str(exc.retry_after_s or 5)
    if exc.status_code == 429:
        headers["Retry-After"] = str(exc.retry_after_s or 60)
    da, en = split_bilingual(exc.message)
    errors = None
    if exc.field is not None:
        lang = negotiate_lang(request.headers.get("accept-language"))
        errors = [
            FieldProblem(
                location="body", field=exc.field, code=exc.code, detail=en if lang == "en" else da
            )
        ]
    return problem_response(
        request,
        code=exc.code,
        status=exc.status_code,
        detail_da=da,
        detail_en=en,
        errors=errors,
        headers=headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    async def handle_gateway_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, GatewayError)
        return gateway_error_response(request, exc)

    async def handle_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        lang = negotiate_lang(request.headers.get("accept-language"))
        # Never echo input values back: a CPR may be among them.
        problems = validation_field_problems(list(exc.errors()), lang)
        return problem_response(
            request,
            code="invalid_request",
            status=422,
            detail_da="Et eller flere felter er ugyldige; se errors",
            detail_en="One or more fields are invalid; see errors",
            errors=problems,
        )

    async def handle_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
        da, en = _HTTP_DETAILS.get(exc.status_code, (str(exc.detail), str(exc.detail)))
        return problem_response(
            request,
            code=code,
            status=exc.status_code,
            detail_da=da,
            detail_en=en,
            headers=dict(exc.headers or {}),
        )

    async def handle_infrastructure_error(request: Request, exc: Exception) -> Response:
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
