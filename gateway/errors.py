"""Domain errors (``GatewayError`` and its subclasses) and the OpenAPI text for them.

Services raise these; ``gateway.error_handlers`` is the one place that turns them into
responses. This module imports no web framework, so services and repositories stay below HTTP.
"""

from __future__ import annotations

from typing import Any

from gateway.text import Text


class GatewayError(Exception):
    """Base of every error a service raises. ``code`` is machine-readable; ``text`` is for
    people, in Danish and English (``Text``); ``message`` is both on one line (the JSON API's
    ``detail``)."""

    status_code = 500
    code = "internal_error"

    def __init__(self, text: Text | str, *, code: str | None = None) -> None:
        self.text = text if isinstance(text, Text) else Text(da=text, en=text)
        self.message = text.both() if isinstance(text, Text) else text
        super().__init__(self.message)
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


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or expired bearer token."},
    403: {"description": "The caller may not do this."},
    422: {"description": "The request body is invalid."},
    503: {"description": "A dependency failed; nothing was released (fail closed)."},
}
