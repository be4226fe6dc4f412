"""DPO console pages for break-glass review (``/staff/dpo/break-glass``) and anomaly triage.

The same services as the JSON API (``gateway.breakglass.review``, ``gateway.audit.console.
triage``): every verdict and triage is audited in the request's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from gateway.audit.console.triage import AnomalyTriageService, TriageCreate
from gateway.breakglass.review import BreakGlassReview
from gateway.breakglass.schemas import EpisodeReview
from gateway.dependencies import CorrelationIdDep, RuntimeDep, SessionDep
from gateway.web import staff_text  # noqa: F401  (registers the console's messages)
from gateway.web.security import WebDpo
from gateway.web.templating import render

# Included by the staff router (prefix /staff, CSRF-protected), as staff_dpo is.
router = APIRouter(prefix="/dpo", include_in_schema=False)
NoteField = Annotated[str, Form(min_length=1, max_length=2000)]


@router.get("/break-glass")
async def break_glass_queue(request: Request, principal: WebDpo, session: SessionDep) -> Response:
    """Episodes waiting for review, and those reviewed, with what was seen and why."""
    review = BreakGlassReview(session)
    return render(
        request,
        "staff/break_glass.html",
        {
            "pending": await review.queue("pending"),
            "reviewed": await review.queue("reviewed"),
            "nav_current": "break_glass",
        },
    )


@router.post("/break-glass/{episode_id}/review")
async def review_episode(
    principal: WebDpo,
    session: SessionDep,
    svc: RuntimeDep,
    request_id: CorrelationIdDep,
    verdict: Annotated[Literal["justified", "unjustified"], Form()],
    note: NoteField,
    episode_id: Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")],
) -> Response:
    """Record the verdict (audited), then back to the queue."""
    await BreakGlassReview(session).review(
        episode_id,
        EpisodeReview(verdict=verdict, note=note),
        principal,
        now=svc.clock(),
        request_id=request_id,
    )
    return RedirectResponse("/staff/dpo/break-glass", status_code=303)


@router.post("/anomalies/{anomaly_id}/triage")
async def triage_anomaly(
    principal: WebDpo,
    session: SessionDep,
    svc: RuntimeDep,
    request_id: CorrelationIdDep,
    kind: Annotated[str, Form(max_length=32)],
    actor_id: Annotated[str, Form(min_length=1, max_length=200)],
    first_seen: Annotated[datetime, Form()],
    status: Annotated[Literal["investigated", "dismissed"], Form()],
    note: NoteField,
    anomaly_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
) -> Response:
    """Mark an anomaly investigated or dismissed (audited), then back to the console."""
    body = TriageCreate.model_validate(
        {
            "kind": kind,
            "actor_id": actor_id,
            "first_seen": first_seen,
            "status": status,
            "note": note,
        }
    )
    await AnomalyTriageService(session).triage(
        anomaly_id, body, principal, now=svc.clock(), request_id=request_id
    )
    return RedirectResponse("/staff/dpo", status_code=303)
