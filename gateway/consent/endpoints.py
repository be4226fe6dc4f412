"""Consent API. CPR numbers travel only in request bodies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from gateway.audit.entries.repository import AuditRepository
from gateway.auth.dependencies import AnyPrincipal, CitizenPrincipal, EmployeePrincipal
from gateway.catalogue.identifiers import purpose_code
from gateway.consent.dependencies import ConsentActionLimit
from gateway.consent.events import citizen_event, consent_event
from gateway.consent.schemas import (
    ConsentCreate,
    ConsentCreated,
    ConsentList,
    ConsentRead,
    ConsentSearch,
    ConsentWithdraw,
)
from gateway.consent.service import consent_read
from gateway.cpr import normalise_cpr
from gateway.errors import ERROR_RESPONSES
from gateway.services import ConsentServiceDep, RequestIdDep, ServicesDep, SessionDep

router = APIRouter(prefix="/v1", tags=["consents"])

# Consent actions write their audit entry in the same transaction as the change itself: both
# commit together before the response is sent, or neither does.

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
    svc: ServicesDep,
    session: SessionDep,
    request_id: RequestIdDep,
) -> ConsentCreated:
    """Record a consent.

    A caseworker records a `written_form` or `oral_recorded` consent (with `evidence_ref`); a
    citizen grants one for themselves with `citizen_portal` (the CPR comes from their token).
    Validated against the catalogue: categories within the purpose, recipients allowed for the
    purpose, validity within the purpose's maximum. Returns the consent and a signed receipt.
    """
    now = svc.clock()
    row, identity = await consents.create(body, principal, now=now)
    AuditRepository(session).add(
        [consent_event("consent.create", principal, identity, row, request_id=request_id)]
    )
    return ConsentCreated(consent=consent_read(row, now), receipt=row.receipt)


@router.post("/consents/search", response_model=ConsentList, responses=_ERRORS)
async def search_consents(
    body: ConsentSearch,
    principal: EmployeePrincipal,
    consents: ConsentServiceDep,
    svc: ServicesDep,
    session: SessionDep,
    request_id: RequestIdDep,
) -> ConsentList:
    """A citizen's consents, found by CPR in the body (employees only; audited).

    Only consents the caller's department is party to (source or recipient). The DPO sees
    every consent, without its evidence reference and special-category data."""
    now = svc.clock()
    identity = consents.identify(normalise_cpr(body.cpr))
    items = await consents.search(
        identity,
        principal,
        now=now,
        purpose=body.purpose,
        include_inactive=body.include_inactive,
    )
    AuditRepository(session).add(
        [
            citizen_event(
                "consent.search",
                principal,
                identity,
                request_id=request_id,
                purpose=purpose_code(body.purpose, svc.catalogue.purposes)
                if body.purpose
                else None,
                consent_ids=[i.consent_id for i in items],
            )
        ]
    )
    return ConsentList(items=items)


@router.get("/me/consents", response_model=ConsentList, responses=_ERRORS)
async def my_consents(
    principal: CitizenPrincipal, consents: ConsentServiceDep, svc: ServicesDep
) -> ConsentList:
    """The calling citizen's own consents, newest first."""
    assert principal.cpr is not None
    identity = consents.identify(normalise_cpr(principal.cpr))
    rows = await consents.for_citizen(identity)
    return ConsentList(items=[consent_read(r, svc.clock()) for r in rows])


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
    svc: ServicesDep,
    session: SessionDep,
    request_id: RequestIdDep,
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
        consent_id, principal, now=now, via=body.via, evidence_ref=body.evidence_ref
    )
    identity = await consents.identity_of(row.citizen_pseudonym)
    AuditRepository(session).add(
        [consent_event("consent.withdraw", principal, identity, row, request_id=request_id)]
    )
    return consent_read(row, now)


@router.get("/consents/receipt-keys")
async def receipt_keys(svc: ServicesDep) -> dict[str, Any]:
    """JWKS of the key that signs consent receipts (verify receipts offline with it)."""
    return svc.receipts.jwks()
