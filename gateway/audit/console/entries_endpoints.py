"""DPO access to the audit log: list with filters, and search by citizen (CPR in the body)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from gateway.audit.console.dependencies import DpoConsoleServiceDep
from gateway.audit.entries.repository import AuditRepository, entry_dict
from gateway.audit.entries.schemas import AuditCitizenSearch, AuditEntryRead, AuditPage
from gateway.auth.dependencies import DpoPrincipal
from gateway.db import MAX_SQL_INTEGER
from gateway.dependencies import CorrelationIdDep, SessionDep
from gateway.errors import ERROR_RESPONSES

router = APIRouter(prefix="/v1/audit", tags=["audit"])
_ERRORS: dict[int | str, dict[str, Any]] = {k: ERROR_RESPONSES[k] for k in (401, 403, 422, 503)}


def _page(rows: list, limit: int) -> AuditPage:  # type: ignore[type-arg]
    items = [AuditEntryRead(seq=r.seq, leaf_index=r.leaf_index, entry=entry_dict(r)) for r in rows]
    return AuditPage(items=items, next_cursor=rows[-1].seq if len(rows) == limit else None)


@router.get("/entries", response_model=AuditPage, responses=_ERRORS)
async def list_entries(
    principal: DpoPrincipal,
    session: SessionDep,
    since: datetime | None = None,
    until: datetime | None = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    department: Annotated[str | None, Query(max_length=64)] = None,
    purpose: Annotated[str | None, Query(max_length=64)] = None,
    outcome: Annotated[str | None, Query(max_length=32)] = None,
    basis_kind: Annotated[str | None, Query(max_length=32)] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_SQL_INTEGER)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPage:
    """Audit entries, newest first, filtered (DPO only). Search by citizen with POST /search."""
    rows = await AuditRepository(session).search(
        since=since,
        until=until,
        actor_id=actor,
        department=department,
        purpose=purpose,
        outcome=outcome,
        basis_kind=basis_kind,
        before=before,
        limit=limit,
    )
    return _page(rows, limit)


@router.post("/search", response_model=AuditPage, responses=_ERRORS)
async def search_by_citizen(
    body: AuditCitizenSearch,
    principal: DpoPrincipal,
    console: DpoConsoleServiceDep,
    correlation_id: CorrelationIdDep,
) -> AuditPage:
    """Every entry about one citizen, matched by pseudonym under every HMAC key (DPO only).

    The DPO's search is itself audited, in the same transaction as the read.
    """
    rows = await console.search_by_citizen(body, principal, correlation_id=correlation_id)
    return _page(list(rows), body.limit)
