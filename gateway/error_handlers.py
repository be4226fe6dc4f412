"""The one handler set that turns every API error into RFC 9457 problem details.

The document (type URIs, languages, the ``errors`` extension) is in ``gateway/problems.py``;
docs/api-errors.md describes it. Web pages put their own handlers in front (``gateway.web``).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.errors import GatewayError, StoreUnavailable
from gateway.problems import (
    FieldProblem,
    negotiate_lang,
    problem_response,
    validation_field_problems,
)
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

_HTTP_DETAILS = {
    400: Text(da="Forespørgslen kan ikke læses", en="The request cannot be read"),
    404: Text(da="Adressen findes ikke", en="No such address"),
    405: Text(da="Metoden er ikke tilladt her", en="Method not allowed here"),
    413: Text(da="Forespørgslen er for stor", en="Request body too large"),
}


def gateway_error_response(request: Request, exc: GatewayError) -> JSONResponse:
    """The problem document for a domain error."""
    headers: dict[str, str] = {}
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
        if exc.code == "insufficient_user_authentication":  # RFC 9470: log in again, higher
            headers["WWW-Authenticate"] = 'Bearer error="insufficient_user_authentication"'
    if exc.status_code == 503:
        headers["Retry-After"] = str(exc.retry_after_s or 5)
    if exc.status_code == 429:
        headers["Retry-After"] = str(exc.retry_after_s or 60)
    errors = None
    if exc.field is not None:
        lang = negotiate_lang(request.headers.get("accept-language"))
        errors = [
            FieldProblem(location="body", field=exc.field, code=exc.code, detail=exc.text.get(lang))
        ]
    return problem_response(
        request,
        code=exc.code,
        status=exc.status_code,
        detail_da=exc.text.da,
        detail_en=exc.text.en,
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
        text = _HTTP_DETAILS.get(exc.status_code) or Text(da=str(exc.detail), en=str(exc.detail))
        return problem_response(
            request,
            code=code,
            status=exc.status_code,
            detail_da=text.da,
            detail_en=text.en,
            headers=dict(exc.headers or {}),
        )

    async def handle_infrastructure_error(request: Request, exc: Exception) -> Response:
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
