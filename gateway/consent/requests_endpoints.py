"""Consent request API: caseworkers ask, and see the citizen's answer. CPR only in bodies."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from gateway.auth.dependencies import EmployeePrincipal
from gateway.consent.dependencies import ConsentActionLimit, ConsentRequestServiceDep
from gateway.consent.requests import (
    ConsentRequestCreate,
    ConsentRequestRead,
    RequestStatus,
    request_read,
)
from gateway.dependencies import CorrelationIdDep, RuntimeDep
from gateway.errors import ERROR_RESPONSES

router = APIRouter(prefix="/v1", tags=["consent requests"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    **{k: ERROR_RESPONSES[k] for k in (401, 403, 422, 503)},
    429: {"description": "Too many consent actions by this employee; try again shortly."},
}
RequestIdPath = Path(pattern=r"^[0-9a-f-]{36}$", description="Consent request id (UUID)")


@router.post(
    "/consent-requests",
    status_code=201,
    response_model=ConsentRequestRead,
    responses={
        **_ERRORS,
        200: {
            "model": ConsentRequestRead,
            "description": "Your unanswered request for this citizen and purpose, unchanged",
        },
    },
)
async def create_consent_request(
    body: ConsentRequestCreate,
    principal: EmployeePrincipal,
    _limit: ConsentActionLimit,
    requests: ConsentRequestServiceDep,
    svc: RuntimeDep,
    correlation_id: CorrelationIdDep,
    response: Response,
) -> ConsentRequestRead:
    """Ask a citizen for consent; they approve or decline in the citizen portal.

    Validated exactly as the consent it would become (purpose, categories within the purpose,
    recipients allowed, validity within the purpose's maximum), and your department must be
    allowed to use the purpose. `message` is shown to the citizen. Audited.

    One pending request per citizen, purpose and caseworker: while yours is unanswered,
    asking again answers 200 with that request (nothing new is stored); a new one is 201.
    """
    row, created = await requests.create(
        body, principal, now=svc.clock(), correlation_id=correlation_id
    )
    if not created:
        response.status_code = 200  # the pending request you already sent, unchanged
    return request_read(row)


@router.get(
    "/consent-requests",
    response_model=list[ConsentRequestRead],
    responses={k: ERROR_RESPONSES[k] for k in (401, 403)},
)
async def list_consent_requests(
    principal: EmployeePrincipal,
    requests: ConsentRequestServiceDep,
    status: Annotated[RequestStatus | None, Query()] = None,
) -> list[ConsentRequestRead]:
    """Your department's consent requests, newest first (at most 100)."""
    return [request_read(r) for r in await requests.for_department(principal, status=status)]


@router.get(
    "/consent-requests/{consent_request_id}",
    response_model=ConsentRequestRead,
    responses={**_ERRORS, 404: {"description": "No such request (or not your department's)"}},
)
async def get_consent_request(
    principal: EmployeePrincipal,
    requests: ConsentRequestServiceDep,
    consent_request_id: str = RequestIdPath,
) -> ConsentRequestRead:
    """A request and the citizen's answer: `pending`, `approved` (with `consent_id`) or
    `declined`. Visible to the caseworker who asked and their department."""
    return request_read(await requests.get_for_employee(consent_request_id, principal))
