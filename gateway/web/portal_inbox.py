"""Portal inbox (``/portal/inbox``) and the citizen's own copy (``/portal/export``).

Both read only by the signed-in citizen's own pseudonyms. The copy is the same as
``GET /v1/me/export`` (and audited the same way): JSON to download, or a printable page.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from gateway.citizen_copy.endpoints import CopyDep, export_for
from gateway.citizen_copy.render import render_copy
from gateway.dependencies import CorrelationIdDep, RuntimeDep, SessionDep
from gateway.notices.citizen import CitizenNotices
from gateway.web import portal_text  # noqa: F401  (registers the inbox's messages)
from gateway.web.i18n import request_lang
from gateway.web.portal_log import MyPseudonyms
from gateway.web.security import CsrfProtected, WebCitizen
from gateway.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False, dependencies=[CsrfProtected])


@router.get("/inbox")
async def my_inbox(
    request: Request,
    principal: WebCitizen,
    pseudonyms: MyPseudonyms,
    svc: RuntimeDep,
    session: SessionDep,
) -> Response:
    """Indbakke: the notices Tværs has sent the citizen, newest first."""
    notices = await CitizenNotices(session, cipher=svc.keys.cipher).inbox(pseudonyms)
    lang = request_lang(request)
    return render(
        request,
        "portal/inbox.html",
        {"nav_current": "inbox", "notices": notices, "lang_key": "en" if lang == "en" else "da"},
    )


@router.get("/export")
async def my_copy(
    request: Request,
    principal: WebCitizen,
    svc: RuntimeDep,
    service: CopyDep,
    request_id: CorrelationIdDep,
    format: Annotated[Literal["json", "html"], Query()] = "html",
) -> Response:
    """Din kopi: everything Tværs holds about the citizen (GDPR art. 15). Audited."""
    copy = await export_for(
        principal, svc, service, request_id=request_id, receipt_base="/portal/log"
    )
    if format == "json":
        return Response(
            copy.model_dump_json(indent=2),
            media_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="tvaers-min-kopi.json"'},
        )
    return HTMLResponse(render_copy(copy, svc.catalogue))
