"""The consent domain's request-scoped service."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends

from gateway.auth.dependencies import AnyPrincipal
from gateway.consent.requests import ConsentRequestService
from gateway.consent.service import ConsentService
from gateway.dependencies import RuntimeDep, SessionDep
from gateway.notices.outbox import outside_channels


async def consent_service(rt: RuntimeDep, session: SessionDep) -> ConsentService:
    return ConsentService(
        session,
        catalogue=rt.catalogue,
        cipher=rt.keys.cipher,
        pseudonymiser=rt.keys.pseudonymiser,
        signer=rt.receipts,
        notice_channels=outside_channels(rt.settings),
        clock_skew=timedelta(seconds=rt.settings.consent_clock_skew_s),
        terms=rt.consent_terms,
        representation=rt.representation,
    )


ConsentServiceDep = Annotated[ConsentService, Depends(consent_service)]


async def consent_request_service(
    rt: RuntimeDep, session: SessionDep, consents: ConsentServiceDep
) -> ConsentRequestService:
    return ConsentRequestService(session, consents=consents, catalogue=rt.catalogue)


ConsentRequestServiceDep = Annotated[ConsentRequestService, Depends(consent_request_service)]


async def consent_action_limit(rt: RuntimeDep, principal: AnyPrincipal) -> None:
    """Count one consent action of an employee; 429 when their window is full.

    The window lives in the shared state (``TVAERS_SHARED_STATE``): with several replicas
    every one of them counts it, so a load balancer does not multiply the limit. Citizens act
    on their own consents only and are not limited here: a withdrawal must never be refused."""
    if principal.kind == "employee":
        limiter = rt.shared.limiter(
            "consent-action",
            limit=rt.settings.consent_action_limit_per_user,
            window_s=rt.settings.consent_action_limit_window_s,
        )
        await limiter.hit(f"consent-action:{principal.subject}")


ConsentActionLimit = Annotated[None, Depends(consent_action_limit)]
