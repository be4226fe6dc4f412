"""The shared-view orchestrator, built per request from what the lifespan owns."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from gateway.consent.service import ConsentFactsReader
from gateway.dependencies import RuntimeDep
from gateway.views.service import ViewService


async def view_service(rt: RuntimeDep) -> ViewService:
    return ViewService(
        consents=ConsentFactsReader(
            rt.sessions,
            catalogue=rt.catalogue,
            cipher=rt.keys.cipher,
            pseudonymiser=rt.keys.pseudonymiser,
            signer=rt.receipts,
        ),
        policy=rt.policy,
        audit=rt.audit,
        registry=rt.registry,
        catalogue=rt.catalogue,
        clock=rt.clock,
        limits=rt.view_limits,
    )


ViewServiceDep = Annotated[ViewService, Depends(view_service)]
