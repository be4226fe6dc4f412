"""The OpenAPI document: readable operation ids, one Problem schema on every 4xx/5xx.

FastAPI builds the document; :func:`install_openapi` post-processes it once:

- every operation answers 4XX and 5XX with ``application/problem+json`` (``Problem``); the
  specific codes an operation declares (401, 403, 404, 409, 422, 503 …) get the same content;
- operations with a request body document 413, rate-limited ones 429 with ``Retry-After``;
- 503 documents ``Retry-After`` too.

Operation ids are the handlers' names in camelCase (``createConsent``), stable across paths.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from gateway.problems import PROBLEM_MEDIA_TYPE, Problem

# Operations behind a rate limit (429 with Retry-After).
RATE_LIMITED_OPERATIONS = frozenset({"createView"})
# Operations that answer with their own, standard error format (OAuth 2.0, RFC 6749 §5.2).
OWN_ERROR_FORMAT = frozenset({"oauthToken"})

# Request examples for the main operations (synthetic CPR numbers, as in the demo).
REQUEST_EXAMPLES: dict[str, dict[str, Any]] = {
    "createView": {
        "team": {
            "summary": "Shared view for an interdisciplinary team",
            "value": {"cpr": "0101901234", "purpose": "tvaerfagligt_team"},
        },
        "one_category": {
            "summary": "Only the WHO-5 wellbeing scores",
            "value": {
                "cpr": "0101901234",
                "purpose": "tvaerfagligt_team",
                "categories": ["health.wellbeing"],
            },
        },
    },
    "createConsent": {
        "written": {
            "summary": "A consent given on a written form",
            "value": {
                "cpr": "0101901234",
                "purpose": "tvaerfagligt_team",
                "categories": ["health.wellbeing", "social.services"],
                "recipient_departments": ["jobcenter"],
                "valid_until": "2027-06-30T23:59:59+02:00",
                "collection_method": "written_form",
                "evidence_ref": "journal/2026/123",
            },
        }
    },
    "createConsentRequest": {
        "ask": {
            "summary": "Ask the citizen before a team meeting",
            "value": {
                "cpr": "0101901234",
                "purpose": "tvaerfagligt_team",
                "categories": ["health.wellbeing", "social.services"],
                "recipient_departments": ["jobcenter"],
                "valid_until": "2027-03-31T23:59:59+02:00",
                "message": "Før vores møde vil jeg gerne se, hvordan du har det. Du bestemmer.",
            },
        }
    },
}

_PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def operation_id(route: APIRoute) -> str:
    """``create_consent`` → ``createConsent``: the handler's name, independent of its path."""
    first, *rest = route.name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def _problem_response(description: str, *, retry_after: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": _PROBLEM_CONTENT}
    if retry_after:
        response["headers"] = _RETRY_AFTER
    return response


def _is_error(status: str) -> bool:
    return status[:1] in ("4", "5")


def add_problem_responses(spec: dict[str, Any]) -> dict[str, Any]:
    """Give every operation's error responses the Problem schema (in place; returns ``spec``)."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in problem_schema.pop("$defs", {}).items():
        schemas[name] = definition
    schemas["Problem"] = problem_schema
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for methods in spec.get("paths", {}).values():
        for method, operation in methods.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            if operation.get("operationId") in OWN_ERROR_FORMAT:
                _drop_validation_schema(operation)
                continue
            responses = operation.setdefault("responses", {})
            for status, response in list(responses.items()):
                if _is_error(status):
                    response["content"] = _PROBLEM_CONTENT
                    if status == "503":
                        response["headers"] = _RETRY_AFTER
            if "requestBody" in operation:
                responses.setdefault("413", _problem_response("Request body too large."))
                examples = REQUEST_EXAMPLES.get(operation.get("operationId", ""))
                body = operation["requestBody"].get("content", {}).get("application/json")
                if examples and body is not None:
                    body["examples"] = examples
            if operation.get("operationId") in RATE_LIMITED_OPERATIONS:
                responses["429"] = _problem_response(
                    "Too many requests; wait `Retry-After` seconds.", retry_after=True
                )
            responses.setdefault("4XX", _problem_response("Client error (problem details)."))
            responses.setdefault("5XX", _problem_response("Server error (problem details)."))
    return spec


def _drop_validation_schema(operation: dict[str, Any]) -> None:
    responses = operation.get("responses", {})
    if "422" in responses:
        responses["422"]["content"] = _PROBLEM_CONTENT


def install_openapi(app: FastAPI) -> None:
    """Replace ``app.openapi`` with the post-processed, cached document."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            app.openapi_schema = add_problem_responses(spec)
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]
