"""The consent domain's request-scoped service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from gateway.consent.requests import ConsentRequestService
from gateway.consent.service import ConsentService
from gateway.dependencies import RuntimeDep, SessionDep


async def consent_service(rt: RuntimeDep, session: SessionDep) -> ConsentService:
    return ConsentService(
        session,
        catalogue=rt.catalogue,
        cipher=rt.keys.cipher,
        pseudonymiser=rt.keys.pseudonymiser,
        signer=rt.receipts,
    )


ConsentServiceDep = Annotated[ConsentService, Depends(consent_service)]


async def consent_request_service(
    rt: RuntimeDep, session: SessionDep, consents: ConsentServiceDep
) -> ConsentRequestService:
    return ConsentRequestService(session, consents=consents, catalogue=rt.catalogue)


ConsentRequestServiceDep = Annotated[ConsentRequestService, Depends(consent_request_service)]
