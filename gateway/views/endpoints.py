"""``POST /v1/views``: the shared citizen view."""

from __future__ import annotations

from fastapi import APIRouter, Response

from gateway.auth.dependencies import EmployeePrincipal
from gateway.dependencies import CorrelationIdDep
from gateway.errors import ERROR_RESPONSES
from gateway.views.dependencies import ViewServiceDep
from gateway.views.schemas import ViewRequest, ViewResponse

router = APIRouter(prefix="/v1", tags=["views"])


@router.post(
    "/views",
    response_model=ViewResponse,
    responses={k: ERROR_RESPONSES[k] for k in (401, 403, 422, 503)},
)
async def create_view(
    body: ViewRequest,
    principal: EmployeePrincipal,
    views: ViewServiceDep,
    correlation_id: CorrelationIdDep,
    response: Response,
) -> ViewResponse:
    """Shared view of one citizen for a declared purpose.

    One section per requested category: `granted` (minimised records with source, basis and
    retrieval time), `withheld` (code and a Danish/English reason naming what is missing), or
    `unavailable` (the department system failed or timed out). Intent and outcome are audited
    durably before the response; if the consent store, policy engine or audit log fails, the
    answer is 503 and no data.
    """
    result = await views.view(body, principal, correlation_id=correlation_id)
    response.headers["X-Tvaers-Decision-Id"] = result.decision_id
    return result
