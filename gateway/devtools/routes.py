"""``POST /v1/audit/demo/snooping-pattern``: synthetic traffic for the DPO console (demo, tests).

Refused with 404 when ``TVAERS_ENV=production``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from gateway.auth.dependencies import DpoPrincipal
from gateway.dependencies import RuntimeDep
from gateway.devtools.demo_patterns import seed_snooping_pattern
from gateway.errors import ERROR_RESPONSES, NotFound
from gateway.text import Text

router = APIRouter(prefix="/v1/audit", tags=["audit (DPO console)"])
_ERRORS: dict[int | str, dict[str, Any]] = {k: ERROR_RESPONSES[k] for k in (401, 403, 422)}


class SnoopingPatternRead(BaseModel):
    actor_id: str
    citizens: int
    entries: int
    first: datetime
    last: datetime


@router.post(
    "/demo/snooping-pattern", status_code=201, response_model=SnoopingPatternRead, responses=_ERRORS
)
async def demo_snooping_pattern(principal: DpoPrincipal, svc: RuntimeDep) -> SnoopingPatternRead:
    """Development and test only: write a synthetic snooping pattern into the audit log.

    One jobcenter user (`vikar-jobcenter`) looks up 24 distinct synthetic citizens at night
    without consent, a third of them with a purpose the role may not use, so the console's
    anomaly rules have something to show. Entries carry `reason: synthetic_demo_pattern`.
    Not available when `TVAERS_ENV=production` (404).
    """
    if svc.settings.env == "production":
        raise NotFound(Text(da="Ikke tilgængelig i produktion", en="not available in production"))
    pattern = await seed_snooping_pattern(svc.audit, svc.keys.pseudonymiser, now=svc.clock())
    return SnoopingPatternRead(
        actor_id=pattern.actor_id,
        citizens=pattern.citizens,
        entries=pattern.entries,
        first=pattern.first,
        last=pattern.last,
    )
