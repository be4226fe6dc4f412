"""SQL for consent requests."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.consent.models import ConsentRequestRow


class ConsentRequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, row: ConsentRequestRow) -> None:
        self._session.add(row)

    async def get(self, request_id: str, *, for_update: bool = False) -> ConsentRequestRow | None:
        query = select(ConsentRequestRow).where(ConsentRequestRow.request_id == request_id)
        if for_update:
            query = query.with_for_update()
        return (await self._session.scalars(query)).one_or_none()

    async def pending_from(
        self, pseudonyms: Sequence[str], *, purpose: str, requested_by: str
    ) -> ConsentRequestRow | None:
        """The pending request this caseworker already sent this citizen for this purpose."""
        query = (
            select(ConsentRequestRow)
            .where(
                ConsentRequestRow.citizen_pseudonym.in_(list(pseudonyms)),
                ConsentRequestRow.purpose == purpose,
                ConsentRequestRow.requested_by == requested_by,
                ConsentRequestRow.status == "pending",
            )
            .order_by(ConsentRequestRow.created_at.desc())
            .limit(1)
        )
        return (await self._session.scalars(query)).first()

    async def for_citizen(
        self, pseudonyms: Sequence[str], *, status: str | None = None
    ) -> list[ConsentRequestRow]:
        query = select(ConsentRequestRow).where(
            ConsentRequestRow.citizen_pseudonym.in_(list(pseudonyms))
        )
        if status is not None:
            query = query.where(ConsentRequestRow.status == status)
        query = query.order_by(ConsentRequestRow.created_at.desc(), ConsentRequestRow.request_id)
        return list((await self._session.scalars(query)).all())

    async def for_department(
        self, department: str, *, status: str | None = None, limit: int = 100
    ) -> list[ConsentRequestRow]:
        query = select(ConsentRequestRow).where(
            ConsentRequestRow.requested_by_department == department
        )
        if status is not None:
            query = query.where(ConsentRequestRow.status == status)
        query = query.order_by(ConsentRequestRow.created_at.desc()).limit(limit)
        return list((await self._session.scalars(query)).all())
