"""SQL for citizens and consents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.consent.models import CitizenRow, ConsentRequestRow, ConsentRow

# A citizen's consents, newest first: built once, executed with bound parameters. Building the
# statement per call (coercing the IN list, the ORDER BY) cost about as much CPU as running it,
# on every shared view (issue 16). The pseudonyms are an expanding parameter, so the compiled
# form is cached per number of pseudonyms (one, or a few with historic identifiers).
_ALL_FOR_CITIZEN = (
    select(ConsentRow)
    .where(ConsentRow.citizen_pseudonym.in_(bindparam("pseudonyms", expanding=True)))
    .order_by(ConsentRow.created_at.desc(), ConsentRow.consent_id)
)
_FOR_CITIZEN_AND_PURPOSE = (
    select(ConsentRow)
    .where(
        ConsentRow.citizen_pseudonym.in_(bindparam("pseudonyms", expanding=True)),
        ConsentRow.purpose == bindparam("purpose"),
    )
    .order_by(ConsentRow.created_at.desc(), ConsentRow.consent_id)
)


class ConsentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def citizen(self, pseudonym: str) -> CitizenRow | None:
        return await self._session.get(CitizenRow, pseudonym)

    async def add_citizen(self, row: CitizenRow) -> None:
        """Insert the citizen unless a concurrent request (any replica) already did."""
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = {c.key: getattr(row, c.key) for c in CitizenRow.__table__.columns}
        await self._session.execute(
            insert(CitizenRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[CitizenRow.pseudonym])
        )

    def add(self, row: ConsentRow | ConsentRequestRow) -> None:
        self._session.add(row)

    async def get(self, consent_id: str, *, for_update: bool = False) -> ConsentRow | None:
        query = select(ConsentRow).where(ConsentRow.consent_id == consent_id)
        if for_update:
            query = query.with_for_update()
        return (await self._session.scalars(query)).one_or_none()

    async def for_citizen(
        self, pseudonyms: list[str], *, purpose: str | None = None
    ) -> list[ConsentRow]:
        if purpose is None:
            rows = await self._session.scalars(_ALL_FOR_CITIZEN, {"pseudonyms": list(pseudonyms)})
        else:
            rows = await self._session.scalars(
                _FOR_CITIZEN_AND_PURPOSE, {"pseudonyms": list(pseudonyms), "purpose": purpose}
            )
        return list(rows.all())

    async def expiring(self, *, after: datetime, before: datetime) -> list[ConsentRow]:
        """Active consents whose validity ends in ``(after, before]``, soonest first."""
        query = (
            select(ConsentRow)
            .where(
                ConsentRow.status == "active",
                ConsentRow.valid_until > after,
                ConsentRow.valid_until <= before,
            )
            .order_by(ConsentRow.valid_until, ConsentRow.consent_id)
            .limit(500)
        )
        return list((await self._session.scalars(query)).all())

    async def pending(self, *, limit: int) -> list[ConsentRow]:
        """Consents awaiting confirmation, oldest first."""
        query = (
            select(ConsentRow)
            .where(ConsentRow.status == "pending_confirmation")
            .order_by(ConsentRow.created_at, ConsentRow.consent_id)
            .limit(limit)
        )
        return list((await self._session.scalars(query)).all())
