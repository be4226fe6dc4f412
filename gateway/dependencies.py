"""Dependencies every domain may use: the runtime, the request's database session, its id.

Per-domain services are built in each domain's own ``dependencies.py``
(``gateway.consent.dependencies``, ``gateway.views.dependencies``, …).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.db import session_scope
from gateway.runtime import Runtime, runtime_of


async def runtime_dep(request: Request) -> Runtime:
    """``runtime_of`` as an async dependency: FastAPI runs a plain ``def`` dependency in its
    thread pool, a hop on every request for what is an attribute read (issue 16)."""
    return runtime_of(request)


RuntimeDep = Annotated[Runtime, Depends(runtime_dep)]


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session: commits on success, rolls back on error.

    Used with ``scope="function"`` so the commit happens before the response is sent: a
    withdrawal is durable when its response arrives (invariant 3).
    """
    async for session in session_scope(runtime_of(request).sessions):
        yield session


SessionDep = Annotated[AsyncSession, Depends(db_session, scope="function")]


async def correlation_id(request: Request) -> str:
    """The HTTP request's correlation id (``X-Request-ID``), recorded as ``request_id`` in audit
    entries. Not to be confused with a consent request's id (``consent_request_id``)."""
    found = getattr(request.state, "request_id", None)
    assert isinstance(found, str)
    return found


CorrelationIdDep = Annotated[str, Depends(correlation_id)]
