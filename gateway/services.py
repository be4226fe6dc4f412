"""Everything the app builds once at start-up and hands to requests (``app.state.services``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

import httpx
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.audit.entries.service import AuditWriter
from gateway.auth.devidp import DevIdentityProvider
from gateway.auth.tokens import TokenValidator
from gateway.catalogue.models import Catalogue
from gateway.config import Settings
from gateway.consent.receipts import ReceiptSigner
from gateway.consent.service import ConsentFactsReader, ConsentService
from gateway.db import session_scope
from gateway.keys import KeyMaterial
from gateway.policy.types import PolicyEngine
from gateway.ratelimit import ViewLimits
from gateway.registry import ConnectorRegistry
from gateway.views.service import ViewService


def utc_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    keys: KeyMaterial
    catalogue: Catalogue
    policy: PolicyEngine
    registry: ConnectorRegistry
    http: httpx.AsyncClient
    token_validator: TokenValidator
    receipts: ReceiptSigner
    audit: AuditWriter
    dev_idp: DevIdentityProvider | None
    view_limits: ViewLimits
    clock: Callable[[], datetime] = utc_clock


def services(request: Request) -> Services:
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


ServicesDep = Annotated[Services, Depends(services)]


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session: commits on success, rolls back on error.

    Used with ``scope="function"`` so the commit happens before the response is sent: a
    withdrawal is durable when its response arrives (invariant 3).
    """
    async for session in session_scope(services(request).sessions):
        yield session


SessionDep = Annotated[AsyncSession, Depends(db_session, scope="function")]


def consent_service(svc: ServicesDep, session: SessionDep) -> ConsentService:
    return ConsentService(
        session,
        catalogue=svc.catalogue,
        cipher=svc.keys.cipher,
        pseudonymiser=svc.keys.pseudonymiser,
        signer=svc.receipts,
        clock_skew=timedelta(seconds=svc.settings.consent_clock_skew_s),
    )


ConsentServiceDep = Annotated[ConsentService, Depends(consent_service)]


def view_service(svc: ServicesDep) -> ViewService:
    return ViewService(
        consents=ConsentFactsReader(
            svc.sessions,
            catalogue=svc.catalogue,
            cipher=svc.keys.cipher,
            pseudonymiser=svc.keys.pseudonymiser,
            signer=svc.receipts,
        ),
        policy=svc.policy,
        audit=svc.audit,
        registry=svc.registry,
        catalogue=svc.catalogue,
        clock=svc.clock,
        limits=svc.view_limits,
    )


ViewServiceDep = Annotated[ViewService, Depends(view_service)]


def request_id(request: Request) -> str:
    found = getattr(request.state, "request_id", None)
    assert isinstance(found, str)
    return found


RequestIdDep = Annotated[str, Depends(request_id)]
