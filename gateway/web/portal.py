"""Citizen portal (``/portal``): my consents, requests to answer, revoke, receipts.

Every handler takes ``WebCitizen``: the citizen comes from the session, and every look-up is by
their own pseudonyms, so another citizen's consent id answers 404 exactly like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from gateway.auth.principal import Principal
from gateway.consent.dependencies import ConsentRequestServiceDep, ConsentServiceDep
from gateway.consent.models import ConsentRow
from gateway.consent.service import ConsentService, effective_status
from gateway.consent.terms import ConsentTerms, NoticeText, lawful_basis
from gateway.dependencies import CorrelationIdDep, RuntimeDep
from gateway.errors import ConsentNotFound
from gateway.runtime import Runtime
from gateway.text import Text
from gateway.web import (
    portal_terms_text,  # noqa: F401  (registers the terms' messages)
    portal_text,  # noqa: F401  (registers the portal's messages)
)
from gateway.web.i18n import request_lang
from gateway.web.plain import describe
from gateway.web.security import CsrfProtected, WebCitizen
from gateway.web.state import limit_action
from gateway.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False, dependencies=[CsrfProtected])

UUID = r"^[0-9a-f-]{36}$"
ConsentIdPath = Annotated[str, Path(pattern=UUID)]
RequestIdPath = Annotated[str, Path(pattern=UUID)]
_FLASH = "flash"


RequestsDep = ConsentRequestServiceDep


@dataclass(frozen=True)
class TermsView:
    """The facts ``portal/_terms.html`` shows: as stored on a consent, or as they stand now."""

    controller_name: str
    controller_contact: str
    dpo_contact: str
    withdrawal_method: str
    retention: str


def _terms_now(terms: ConsentTerms) -> TermsView:
    return TermsView(
        terms.controller_name,
        terms.controller_contact,
        terms.dpo_contact,
        terms.withdrawal_method,
        terms.retention,
    )


def _terms_context(
    svc: Runtime, row: ConsentRow | None, *, purpose: str, categories: list[str], lang: str
) -> dict[str, Any]:
    """What the citizen is told (issue 14): a consent's own record, else today's terms."""
    terms = svc.consent_terms
    view = _terms_now(terms)
    notice: NoticeText | None = terms.notice(None, lang)
    basis: list[str] | None = None
    if row is not None:
        stored = row.controller or {}
        view = TermsView(
            stored.get("name", view.controller_name),
            stored.get("contact", view.controller_contact),
            stored.get("dpo_contact", view.dpo_contact),
            row.withdrawal_method or view.withdrawal_method,
            row.retention or view.retention,
        )
        notice = terms.notice(row.notice_version, row.notice_language)
        basis = row.lawful_basis
    return {
        "terms": view,
        "basis": basis or lawful_basis(svc.catalogue, purpose, categories),
        "notice": notice,
    }


def _flash(request: Request, key: str) -> None:
    request.session[_FLASH] = key


def _pop_flash(request: Request) -> str | None:
    value = request.session.pop(_FLASH, None)
    return value if isinstance(value, str) else None


async def _my_consents(consents: ConsentService, principal: Principal) -> list[ConsentRow]:
    return await consents.mine(principal)


async def _my_consent(
    consents: ConsentService, principal: Principal, consent_id: str
) -> ConsentRow:
    for row in await _my_consents(consents, principal):
        if row.consent_id == consent_id:
            return row
    raise ConsentNotFound(Text(da="Samtykket findes ikke", en="consent not found"))


@router.get("")
async def overview(
    request: Request,
    principal: WebCitizen,
    consents: ConsentServiceDep,
    requests: RequestsDep,
    svc: RuntimeDep,
) -> Response:
    """Mine samtykker: requests waiting for an answer, active consents, earlier ones."""
    lang, now = request_lang(request), svc.clock()
    rows = await _my_consents(consents, principal)
    pending = await requests.for_citizen(principal, status="pending")
    represented = await consents.represented(principal, now=now)
    active = [r for r in rows if effective_status(r, now) == "active"]
    to_confirm = [r for r in rows if effective_status(r, now) == "pending_confirmation"]
    earlier = [
        r for r in rows if effective_status(r, now) not in ("active", "pending_confirmation")
    ]
    return render(
        request,
        "portal/overview.html",
        {
            "nav_current": "consents",
            "flash": _pop_flash(request),
            "pending": [(r, describe(svc.catalogue, r, lang, now=now)) for r in pending],
            "active": [(r, describe(svc.catalogue, r, lang, now=now)) for r in active],
            "to_confirm": [(r, describe(svc.catalogue, r, lang, now=now)) for r in to_confirm],
            "earlier": [(r, describe(svc.catalogue, r, lang, now=now)) for r in earlier],
            "represented": represented,
        },
    )


@router.get("/consents/{consent_id}")
async def consent_page(
    request: Request,
    consent_id: ConsentIdPath,
    principal: WebCitizen,
    consents: ConsentServiceDep,
    svc: RuntimeDep,
) -> Response:
    """One consent in plain words, with revoke and receipts."""
    row = await _my_consent(consents, principal, consent_id)
    lang = request_lang(request)
    return render(
        request,
        "portal/consent.html",
        {
            "nav_current": "consents",
            "flash": _pop_flash(request),
            "consent": row,
            "plain": describe(svc.catalogue, row, lang, now=svc.clock()),
            "heading": "portal.terms.about",
            **_terms_context(
                svc, row, purpose=row.purpose, categories=list(row.categories), lang=lang
            ),
        },
    )


@router.post("/consents/{consent_id}/confirm")
async def confirm(
    request: Request,
    consent_id: ConsentIdPath,
    principal: WebCitizen,
    consents: ConsentServiceDep,
    svc: RuntimeDep,
    correlation_id: CorrelationIdDep,
) -> Response:
    """The citizen confirms a consent staff recorded for them: the same service call as
    ``POST /v1/consents/{id}/confirm`` (ownership, audit, 404 for anyone else's)."""
    await limit_action(request, principal.subject)
    await consents.confirm(
        consent_id, principal, now=svc.clock(), evidence_ref=None, correlation_id=correlation_id
    )
    _flash(request, "portal.flash.confirmed")
    return RedirectResponse(f"/portal/consents/{consent_id}", status_code=303)


@router.get("/consents/{consent_id}/revoke")
async def revoke_confirm(
    request: Request,
    consent_id: ConsentIdPath,
    principal: WebCitizen,
    consents: ConsentServiceDep,
    svc: RuntimeDep,
) -> Response:
    """The confirmation step (a fragment for htmx, a page without JavaScript)."""
    row = await _my_consent(consents, principal, consent_id)
    plain = describe(svc.catalogue, row, request_lang(request), now=svc.clock())
    template = (
        "portal/_revoke_confirm.html"
        if request.headers.get("hx-request") == "true"
        else "portal/revoke.html"
    )
    return render(request, template, {"consent": row, "plain": plain, "nav_current": "consents"})


@router.post("/consents/{consent_id}/revoke")
async def revoke(
    request: Request,
    consent_id: ConsentIdPath,
    principal: WebCitizen,
    consents: ConsentServiceDep,
    svc: RuntimeDep,
    correlation_id: CorrelationIdDep,
) -> Response:
    """Revoke: committed before the redirect, so every later request is refused."""
    await limit_action(request, principal.subject)
    # The same service call as POST /v1/consents/{id}/withdraw: ownership, audit, 404 for
    # anyone else's consent.
    await consents.withdraw(
        consent_id,
        principal,
        now=svc.clock(),
        via="citizen_portal",
        evidence_ref=None,
        correlation_id=correlation_id,
    )
    _flash(request, "portal.flash.revoked")
    return RedirectResponse(f"/portal/consents/{consent_id}", status_code=303)


@router.get("/consents/{consent_id}/receipt.jws")
async def receipt_download(
    consent_id: ConsentIdPath, principal: WebCitizen, consents: ConsentServiceDep
) -> Response:
    """The signed receipt (compact JWS, EdDSA); verify with ``/v1/consents/receipt-keys``."""
    row = await _my_consent(consents, principal, consent_id)
    return PlainTextResponse(
        row.receipt,
        media_type="application/jose",
        headers={"Content-Disposition": f'attachment; filename="samtykke-{consent_id}.jws"'},
    )


@router.get("/consents/{consent_id}/withdrawal-receipt.jws")
async def withdrawal_receipt_download(
    consent_id: ConsentIdPath, principal: WebCitizen, consents: ConsentServiceDep
) -> Response:
    """The signed withdrawal receipt (compact JWS); 404 while the consent is not withdrawn."""
    row = await _my_consent(consents, principal, consent_id)
    if row.withdrawal_receipt is None:
        raise ConsentNotFound(Text(da="Ingen tilbagekaldelse", en="not withdrawn"))
    return PlainTextResponse(
        row.withdrawal_receipt,
        media_type="application/jose",
        headers={"Content-Disposition": f'attachment; filename="tilbagekaldelse-{consent_id}.jws"'},
    )


@router.get("/consents/{consent_id}/print")
async def receipt_print(
    request: Request,
    consent_id: ConsentIdPath,
    principal: WebCitizen,
    consents: ConsentServiceDep,
    svc: RuntimeDep,
) -> Response:
    """A human-readable receipt to print or save as PDF."""
    row = await _my_consent(consents, principal, consent_id)
    return render(
        request,
        "portal/print.html",
        {
            "consent": row,
            "plain": describe(svc.catalogue, row, request_lang(request), now=svc.clock()),
            "nav_current": "consents",
        },
    )


@router.get("/requests/{consent_request_id}")
async def request_page(
    request: Request,
    consent_request_id: RequestIdPath,
    principal: WebCitizen,
    requests: RequestsDep,
    svc: RuntimeDep,
) -> Response:
    """A caseworker's request, in plain words, with approve and decline."""
    row = await requests.get_for_citizen(consent_request_id, principal)
    lang = request_lang(request)
    return render(
        request,
        "portal/request.html",
        {
            "nav_current": "consents",
            "req": row,
            "plain": describe(svc.catalogue, row, lang, now=svc.clock()),
            "heading": "portal.terms.title",
            **_terms_context(
                svc, None, purpose=row.purpose, categories=list(row.categories), lang=lang
            ),
        },
    )


@router.post("/requests/{consent_request_id}/approve")
async def approve(
    request: Request,
    consent_request_id: RequestIdPath,
    principal: WebCitizen,
    requests: RequestsDep,
    svc: RuntimeDep,
    correlation_id: CorrelationIdDep,
) -> Response:
    """Approve: the consent is created (collection method ``citizen_portal``)."""
    await limit_action(request, principal.subject)
    consent = await requests.approve(
        consent_request_id,
        principal,
        now=svc.clock(),
        correlation_id=correlation_id,
        lang=request_lang(request),
    )
    _flash(request, "portal.flash.approved")
    return RedirectResponse(f"/portal/consents/{consent.consent_id}", status_code=303)


@router.post("/requests/{consent_request_id}/decline")
async def decline(
    request: Request,
    consent_request_id: RequestIdPath,
    principal: WebCitizen,
    requests: RequestsDep,
    svc: RuntimeDep,
    correlation_id: CorrelationIdDep,
) -> Response:
    """Decline: nothing is shared, and the caseworker sees the answer."""
    await limit_action(request, principal.subject)
    await requests.decline(
        consent_request_id, principal, now=svc.clock(), correlation_id=correlation_id
    )
    _flash(request, "portal.flash.declined")
    return RedirectResponse("/portal", status_code=303)
