"""The audit writer: commits entries durably in its own transaction, before data moves.

This is the one exception to "services never commit" (STYLE.md habit 2): an audit entry must
be on disk before the caller may see data, independent of the request's own transaction.
Any failure raises ``AuditUnavailable`` so the caller fails closed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.audit.repository import AuditRepository
from gateway.audit.schemas import AuditEvent
from gateway.errors import AuditUnavailable

logger = logging.getLogger("tvaers.audit")


class AuditWriter:
    """Appends audit entries durably. ``append`` returns only after the commit."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def append(self, events: Sequence[AuditEvent]) -> None:
        """Commit ``events`` in one transaction or raise ``AuditUnavailable``."""
        try:
            async with self._sessions() as session:
                AuditRepository(session).add(events)
                await session.commit()
        except Exception as exc:  # any failure, incl. injected ones: fail closed
            logger.error("audit append failed: %s", type(exc).__name__)
            raise AuditUnavailable(
                "Revisionsloggen kan ikke skrives; intet udleveres / audit log unavailable"
            ) from exc
