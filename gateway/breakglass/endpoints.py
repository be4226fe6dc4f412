"""DPO review queue for break-glass episodes: ``/v1/audit/break-glass`` (DPO only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from gateway.auth.dependencies import DpoPrincipal
from gateway.breakglass.review import BreakGlassReview
from gateway.breakglass.schemas import EpisodeList, EpisodeRead, EpisodeReview, ReviewStatus
from gateway.dependencies import CorrelationIdDep, RuntimeDep, SessionDep
from gateway.errors import ERROR_RESPONSES

router = APIRouter(prefix="/v1/audit", tags=["break-glass (DPO)"])
_ERRORS: dict[int | str, dict[str, Any]] = {k: ERROR_RESPONSES[k] for k in (401, 403, 422)}
EpisodeId = Path(pattern=r"^[0-9a-f-]{36}$", description="Episode id (UUID)")


def review_service(session: SessionDep) -> BreakGlassReview:
    return BreakGlassReview(session)


ReviewDep = Annotated[BreakGlassReview, Depends(review_service)]


@router.get("/break-glass", response_model=EpisodeList, responses=_ERRORS)
async def break_glass_queue(
    principal: DpoPrincipal,
    review: ReviewDep,
    status: Annotated[ReviewStatus, Query()] = "pending",
) -> EpisodeList:
    """Break-glass episodes waiting for review (or reviewed), newest first.

    Each with the justification, what was seen, and the user's other recent accesses.
    """
    return EpisodeList(items=await review.queue(status))


@router.post(
    "/break-glass/{episode_id}/review",
    response_model=EpisodeRead,
    responses={**_ERRORS, 404: {}, 409: {}},
)
async def review_break_glass(
    body: EpisodeReview,
    principal: DpoPrincipal,
    review: ReviewDep,
    svc: RuntimeDep,
    request_id: CorrelationIdDep,
    episode_id: Annotated[str, EpisodeId],
) -> EpisodeRead:
    """Record the DPO's verdict (`justified` / `unjustified`) with a note. Audited."""
    return await review.review(episode_id, body, principal, now=svc.clock(), request_id=request_id)
