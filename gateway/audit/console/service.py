"""The DPO's reads of the audit log. A search by citizen and every export are themselves audited,
here and only here, so the API (``/v1/audit/...``) and the console pages cannot forget it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.console.analytics import AuditAnalytics, AuditQuery, dpo_event
from gateway.audit.console.export import csv_export
from gateway.audit.console.integrity import signed_export_zip
from gateway.audit.entries.models import AuditEntryRow
from gateway.audit.entries.repository import AuditRepository
from gateway.audit.entries.schemas import AuditCitizenSearch
from gateway.audit.log.export import ExportSummary
from gateway.auth.principal import Principal
from gateway.cpr import normalise_cpr

if TYPE_CHECKING:
    from gateway.runtime import Runtime


def describe(body: AuditQuery) -> dict[str, object]:
    """The filter as written into an export, with the CPR replaced by a remark."""
    described = body.model_dump(mode="json", exclude_none=True, exclude={"cpr"})
    if body.cpr:
        described["citizen"] = "én borger, matchet på pseudonym / one citizen, by pseudonym"
    return described


class DpoConsoleService:
    """Searches and exports for the DPO, each audited in the request's transaction."""

    def __init__(self, session: AsyncSession, *, runtime: Runtime) -> None:
        self._session = session
        self._rt = runtime
        self._audit = AuditRepository(session)

    def _record(
        self,
        principal: Principal,
        *,
        action: str,
        correlation_id: str,
        cpr: str | None,
        counts: dict[str, int],
    ) -> None:
        self._audit.add(
            [
                dpo_event(
                    principal,
                    action=action,
                    request_id=correlation_id,
                    pseudonymiser=self._rt.keys.pseudonymiser,
                    cpr=cpr,
                    counts=counts,
                )
            ]
        )

    async def search_by_citizen(
        self, body: AuditCitizenSearch, principal: Principal, *, correlation_id: str
    ) -> Sequence[AuditEntryRow]:
        """Every entry about one citizen, matched by pseudonym under every HMAC key."""
        cpr = normalise_cpr(body.cpr)
        pseudonyms = self._rt.keys.pseudonymiser.all_pseudonyms(cpr)
        rows = await self._audit.search(
            since=body.since,
            until=body.until,
            pseudonyms=list(pseudonyms.values()),
            before=body.before,
            limit=body.limit,
        )
        self._record(
            principal,
            action="audit.search_citizen",
            correlation_id=correlation_id,
            cpr=cpr,
            counts={"entries": len(rows)},
        )
        return rows

    async def page(
        self,
        query: AuditQuery,
        principal: Principal,
        *,
        before: int | None,
        limit: int,
        correlation_id: str,
    ) -> tuple[Sequence[AuditEntryRow], int]:
        """One page of entries matching ``query`` and the total; a search by citizen is
        audited (other searches are not)."""
        analytics = AuditAnalytics(self._session, settings=self._rt.settings)
        flt = query.to_filter(self._rt.keys.pseudonymiser)
        rows = await analytics.search(flt, before=before, limit=limit)
        total = await analytics.count(flt)
        if query.cpr:
            self._record(
                principal,
                action="audit.search_citizen",
                correlation_id=correlation_id,
                cpr=query.cpr,
                counts={"entries": total},
            )
        return rows, total

    async def csv_export(
        self, query: AuditQuery, principal: Principal, *, correlation_id: str
    ) -> AsyncIterator[bytes]:
        """The CSV export of ``query``: audited now, then streamed from a session of its own
        (the request's session is closed once the handler returns)."""
        flt = query.to_filter(self._rt.keys.pseudonymiser)
        total = await AuditAnalytics(self._session, settings=self._rt.settings).count(flt)
        self._record(
            principal,
            action="audit.export_csv",
            correlation_id=correlation_id,
            cpr=query.cpr,
            counts={"entries": total},
        )
        sessions = self._rt.sessions
        catalogue = self._rt.catalogue

        async def stream() -> AsyncIterator[bytes]:
            async with sessions() as own:
                async for chunk in csv_export(own, flt, catalogue):
                    yield chunk

        return stream()

    async def signed_export(
        self, query: AuditQuery, principal: Principal, *, correlation_id: str
    ) -> tuple[bytes, ExportSummary]:
        """The signed export (zip) of ``query``, audited."""
        content, summary = await signed_export_zip(
            self._rt.sessions,
            origin=self._rt.settings.audit_origin,
            selection=query.to_filter(self._rt.keys.pseudonymiser),
            description=describe(query),
        )
        self._record(
            principal,
            action="audit.export_signed",
            correlation_id=correlation_id,
            cpr=query.cpr,
            counts={"entries": summary.embedded, "tree_size": summary.tree_size},
        )
        return content, summary
