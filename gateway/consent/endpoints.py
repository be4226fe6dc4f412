"""Consent API. CPR numbers travel only in request bodies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query

from gateway.auth.dependencies import AnyPrincipal, CitizenPrincipal, EmployeePrincipal
from gateway.consent.dependencies import ConsentActionLimit, ConsentServiceDep
from gateway.consent.schemas import (
    ConsentConfirm,
    ConsentCreate,
    ConsentCreated,
    ConsentList,
    ConsentNoticeRead,
    ConsentRead,
    ConsentSearch,
    ConsentWithdraw,
    RepresentedCitizen,
    RepresentedList,
    RepresentedSearch,
)
from gateway.consent.service import consent_read
from gateway.dependencies import CorrelationIdDep, RuntimeDep
from gateway.errors import ERROR_RESPONSES, NotFound
from gateway.text import Text

router = APIRouter(prefix="/v1", tags=["consents"])

# Consent actions are audited by ConsentService in the same transaction as the change itself:
# both commit together before the response is sent, or neither does.

_ERRORS: dict[int | str, dict[str, Any]] = {
    **{k: ERROR_RESPONSES[k] for k in (401, 403, 422, 503)},
    429: {"description": "Too many consent actions by this employee; try again shortly."},
}
ConsentId = Path(pattern=r"^[0-9a-f-]{36}$", description="Consent id (UUID)")


@router.post("/consents", status_code=201, response_model=ConsentCreated, responses=_ERRORS)
async def create_consent(
    body: ConsentCreate,
    principal: AnyPrincipal,
    _limit: ConsentActionLimit,
    consents: ConsentServiceDep,
    svc: RuntimeDep,
    correlation_id: CorrelationIdDep,
) -> ConsentCreated:
    """Record a consent.

    A caseworker records a `written_form` or `oral_recorded` consent (with `evidence_ref`); a
    citizen grants one for themselves with `citizen_portal` (the CPR comes from their token).
    Validated against the catalogue: categories within the purpose, recipients allowed for the
    purpose, validity within the purpose's maximum. Returns the consent and a signed receipt.
    """
    now = svc.clock()
    row, _ = await consents.create(body, principal, now=now, correlation_id=correlation_id)
    return ConsentCreated(consent=consent_read(row, now), receipt=row.receipt)


@router.post("/consents/search", response_model=ConsentList, responses=_ERRORS)
async def search_consents(
    body: ConsentSearch,
    principal: EmployeePrincipal,
    consents: ConsentServiceDep,
    svc: RuntimeDep,
    correlation_id: CorrelationIdDep,
) -> ConsentList:
    """A citizen's consents, found by CPR in the body (employees only; audited).

    Only consents the caller's department is party to (source or recipient). The DPO sees
    every consent, without its evidence reference and special-category data."""
    items = await consents.search(body, principal, now=svc.clock(), correlation_id=correlation_id)
    return ConsentList(items=items)


@router.get("/me/consents", response_model=ConsentList, responses=_ERRORS)
async def my_consents(
    principal: CitizenPrincipal, consents: ConsentServiceDep, svc: RuntimeDep
) -> ConsentList:
    """The calling citizen's own consents, newest first."""
    rows = await consents.mine(principal)
    return ConsentList(items=[consent_read(r, svc.clock()) for r in rows])


@router.get("/me/represented", response_model=RepresentedList, responses=_ERRORS)
async def my_represented(
    principal: CitizenPrincipal, consents: ConsentServiceDep, svc: RuntimeDep
) -> RepresentedList:
    """Whom the calling citizen may act for (værge / fuldmagt), under authorities in force now.

    Give one of these CPR numbers as `cpr` in `POST /v1/consents` to grant for them, or in
    `POST /v1/me/represented/consents` to see their consents; withdraw with the consent id."""
    authorities = await consents.represented(principal, now=svc.clock())
    return RepresentedList(
        items=[
            RepresentedCitizen(
                cpr=a.represented_cpr,
                name=a.represented_name,
                kind=a.kind,
                authority_ref=a.reference,
                purposes=sorted(a.purposes) if a.purposes is not None else None,
                actions=sorted(a.actions),
                valid_from=a.valid_from,
                valid_until=a.valid_until,
            )
            for a in authorities
        ]
    )


@router.post(
    "/me/represented/consents",
    response_model=ConsentList,
    responses={**_ERRORS, 404: {"description": "No authority to see this citizen's consents"}},
)
async def represented_consents(
    body: RepresentedSearch,
    principal: CitizenPrincipal,
    consents: ConsentServiceDep,
    svc: RuntimeDep,
    correlation_id: CorrelationIdDep,
) -> ConsentList:
    """A represented citizen's consents, for the purposes the caller's authority covers
    (audited; it shows in that citizen's Min log). 404 without such an authority."""
    items = await consents.represented_consents(
        body.cpr, principal, now=svc.clock(), correlation_id=correlation_id
    )
    return ConsentList(items=items)


@router.post(
    "/consents/{consent_id}/withdraw",
    response_model=ConsentRead,
    responses={
        **_ERRORS,
        404: {"description": "No such consent"},
        409: {"description": "Already withdrawn"},
    },
)
async def withdraw_consent(
    principal: AnyPrincipal,
    _limit: ConsentActionLimit,
    consents: ConsentServiceDep,
    svc: RuntimeDep,
    correlation_id: CorrelationIdDep,
    consent_id: str = ConsentId,
    body: ConsentWithdraw | None = None,
) -> ConsentRead:
    """Withdraw a consent: by the citizen, or by an employee recording the citizen's withdrawal.

    Effective for every request that starts after this response: it is committed before the
    response is sent.
    """
    now = svc.clock()
    body = body or ConsentWithdraw()
    row = await consents.withdraw(
        consent_id,
        principal,
        now=now,
        via=body.via,
        evidence_ref=body.evidence_ref,
        correlation_id=correlation_id,
    )
    return consent_read(row, now)


@router.get("/consents/receipt-keys")
async def receipt_keys(svc: RuntimeDep) -> dict[str, Any]:
    """JWKS of the key that signs consent receipts (verify receipts offline with it)."""
    return svc.receipts.jwks()


@router.post(
    "/consents/{consent_id}/confirm",
    response_model=ConsentRead,
    responses={
        **_ERRORS,
        404: {"description": "No such consent, or not one the caller may confirm"},
        409: {"description": "Not pending (already confirmed, withdrawn or expired)"},
    },
)
async def confirm_consent(
    principal: AnyPrincipal,
    _limit: ConsentActionLimit,
    consents: ConsentServiceDep,
    svc: RuntimeDep,
    correlation_id: CorrelationIdDep,
    consent_id: str = ConsentId,
    body: ConsentConfirm | None = None,
) -> ConsentRead:
    """Confirm a staff-recorded consent that is `pending_confirmation`.

    By the citizen (their own consent), or by an employee of the source department that must
    confirm it — for health data a health professional, with `evidence_ref` naming the journal
    note (sundhedsloven §42). The recorder can never confirm their own consent. Audited.
    """
    now = svc.clock()
    body = body or ConsentConfirm()
    row = await consents.confirm(
        consent_id,
        principal,
        now=now,
        evidence_ref=body.evidence_ref,
        correlation_id=correlation_id,
    )
    return consent_read(row, now)


@router.get("/consent-notices", response_model=list[str])
async def consent_notice_versions(svc: RuntimeDep) -> list[str]:
    """The versions of the consent notice text, oldest first (the last is current)."""
    return svc.consent_terms.versions()


@router.get(
    "/consent-notices/{version}",
    response_model=ConsentNoticeRead,
    responses={404: {"description": "No such version"}},
)
async def consent_notice(
    svc: RuntimeDep,
    version: str = Path(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$"),
    lang: str = Query("da", pattern=r"^(da|en)$"),
) -> ConsentNoticeRead:
    """The consent notice text of `version` exactly as shown to citizens; its SHA-256 (over
    the UTF-8 bytes of `text`) is the one stored in each consent and signed into receipts."""
    terms = svc.consent_terms
    notice = terms.notice(version, lang)
    if notice is None:
        raise NotFound(Text(da="Ukendt version", en="unknown version"), code="not_found")
    return ConsentNoticeRead(
        version=notice.version,
        language=notice.language,
        sha256=notice.sha256,
        text=notice.text,
        current=notice.version == terms.current_version,
        controller=terms.controller(),
        dpo_contact=terms.dpo_contact,
        retention=terms.retention,
        jurisdiction=terms.jurisdiction,
        withdrawal_method=terms.withdrawal_method,
    )
