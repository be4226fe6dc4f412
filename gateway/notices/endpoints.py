"""``/v1/me/notices`` (the inbox) and ``/v1/me/notice-preferences`` (citizens only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from gateway.auth.dependencies import CitizenPrincipal
from gateway.dependencies import CorrelationIdDep, RuntimeDep, SessionDep
from gateway.errors import ERROR_RESPONSES
from gateway.notices.citizen import CitizenNotices
from gateway.notices.schemas import NoticeList, NoticePreferences, NoticePreferencesRead

router = APIRouter(prefix="/v1/me", tags=["citizen notices"])
_ERRORS: dict[int | str, dict[str, Any]] = {k: ERROR_RESPONSES[k] for k in (401, 403, 422, 503)}


def _notices(svc: RuntimeDep, session: SessionDep) -> CitizenNotices:
    return CitizenNotices(session, cipher=svc.keys.cipher)


NoticesDep = Annotated[CitizenNotices, Depends(_notices)]


def _pseudonyms(svc: RuntimeDep, principal: CitizenPrincipal) -> list[str]:
    assert principal.cpr is not None
    return list(svc.keys.pseudonymiser.all_pseudonyms(principal.cpr).values())


@router.get("/notices", response_model=NoticeList, responses=_ERRORS)
async def my_notices(
    principal: CitizenPrincipal, svc: RuntimeDep, notices: NoticesDep
) -> NoticeList:
    """Indbakke: every notice Tværs has sent you, newest first, Danish and English."""
    return NoticeList(items=await notices.inbox(_pseudonyms(svc, principal)))


@router.put("/notice-preferences", response_model=NoticePreferencesRead, responses=_ERRORS)
async def set_notice_preferences(
    body: NoticePreferences,
    principal: CitizenPrincipal,
    svc: RuntimeDep,
    notices: NoticesDep,
    request_id: CorrelationIdDep,
) -> NoticePreferencesRead:
    """Set (or remove, with `null`) the e-mail address notices are also sent to."""
    email_set = await notices.set_email(
        principal,
        body.email,
        pseudonymiser=svc.keys.pseudonymiser,
        now=svc.clock(),
        request_id=request_id,
    )
    return NoticePreferencesRead(email_set=email_set)
