"""What the app builds once at start-up (``app.state.runtime``), read by per-domain dependencies.

This module imports no domain module at run time (only for type checking), so any domain's
``dependencies.py`` can read its piece from here without pulling in the others: the consent
service never sees the views service, and nothing here closes an import cycle. Endpoints do not
import this module: they depend on the small ``Annotated`` aliases in ``gateway.dependencies``
and in each domain's own ``dependencies.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.requests import Request

if TYPE_CHECKING:
    import httpx
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from gateway.audit.entries.service import AuditWriter
    from gateway.auth.devidp import DevIdentityProvider
    from gateway.auth.tokens import TokenValidator
    from gateway.catalogue.models import Catalogue
    from gateway.config import Settings
    from gateway.consent.receipts import ReceiptSigner
    from gateway.consent.representation import Representation
    from gateway.consent.terms import ConsentTerms
    from gateway.keys import KeyMaterial
    from gateway.policy.types import PolicyEngine
    from gateway.ratelimit import ViewLimits
    from gateway.registry import ConnectorRegistry
    from gateway.shared_state import SharedState


def utc_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Engines, keys and clients owned by the app's lifespan."""

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
    consent_terms: ConsentTerms
    audit: AuditWriter
    dev_idp: DevIdentityProvider | None
    view_limits: ViewLimits
    shared: SharedState
    representation: Representation
    clock: Callable[[], datetime] = field(default=utc_clock)


def runtime_of(request: Request) -> Runtime:
    """The running app's ``Runtime`` (set by the lifespan before the first request)."""
    found = request.app.state.runtime
    assert isinstance(found, Runtime)
    return found
