"""Acting for someone else in the portal (issue 14 item 4): a værge or fuldmægtig picks whom
they act for, sees that citizen's consents within the authority and withdraws them.

The page is addressed by the authority's reference, never by a CPR (no CPR in URLs). Every
look-up and withdrawal goes through ``ConsentService`` — the same calls as the API — so it is
audited in the represented citizen's Min log, and anything outside the authority answers 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from gateway.auth.principal import Principal
from gateway.consent.dependencies import ConsentServiceDep
from gateway.consent.representation import NOT_FOUND, Authority, RepresentationNotFound
from gateway.consent.service import ConsentService
from gateway.dependencies import CorrelationIdDep, RuntimeDep
from gateway.web import portal_text  # noqa: F401  (registers the portal's messages)
from gateway.web.i18n import request_lang
from gateway.web.plain import describe
from gateway.web.security import CsrfProtected, WebCitizen
from gateway.web.state import limit_action
from gateway.web.templating import render

router = APIRouter(
    prefix="/portal/represented", include_in_schema=False, dependencies=[CsrfProtected]
)

AuthorityRef = Annotated[str, Path(pattern=r"^[A-Za-z0-9._:-]{1,128}$")]
ConsentIdPath = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]


async def _authority(
    consents: ConsentService, principal: Principal, reference: str, svc: RuntimeDep
) -> Authority:
    for authority in await consents.represented(principal, now=svc.clock()):
        if authority.reference == reference:
            return authority
    raise RepresentationNotFound(NOT_FOUND)


@router.get("/{authority_ref}")
async def represented_page(
    request: Request,
    authority_ref: AuthorityRef,
    principal: WebCitizen,
    consents: ConsentServiceDep,
    svc: RuntimeDep,
    correlation_id: CorrelationIdDep,
) -> Response:
    """The represented citizen's consents that the authority covers (audited for them)."""
    authority = await _authority(consents, principal, authority_ref, svc)
    now, lang = svc.clock(), request_lang(request)
    items = await consents.represented_consents(
        authority.represented_cpr, principal, now=now, correlation_id=correlation_id
    )
    rows = [await consents.row(i.consent_id) for i in items]
    return render(
        request,
        "portal/represented.html",
        {
            "nav_current": "consents",
            "authority": authority,
            "consents": [(r, describe(svc.catalogue, r, lang, now=now)) for r in rows if r],
        },
    )


@router.post("/{authority_ref}/consents/{consent_id}/withdraw")
async def withdraw_for(
    request: Request,
    authority_ref: AuthorityRef,
    consent_id: ConsentIdPath,
    principal: WebCitizen,
    consents: ConsentServiceDep,
    svc: RuntimeDep,
    correlation_id: CorrelationIdDep,
) -> Response:
    """Withdraw for the represented citizen (the same call as the API; 404 outside the
    authority)."""
    await limit_action(request, principal.subject)
    await _authority(consents, principal, authority_ref, svc)
    await consents.withdraw(
        consent_id,
        principal,
        now=svc.clock(),
        via="citizen_portal",
        evidence_ref=None,
        correlation_id=correlation_id,
    )
    return RedirectResponse(f"/portal/represented/{authority_ref}", status_code=303)
