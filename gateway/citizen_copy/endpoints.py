"""``GET /v1/me/export``: the citizen's own copy, as JSON or a printable Danish page."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from gateway.audit.entries.schemas import CitizenRef
from gateway.audit.log.endpoints import LogServiceDep
from gateway.auth.dependencies import CitizenPrincipal
from gateway.auth.principal import Principal
from gateway.citizen_copy.render import render_copy
from gateway.citizen_copy.service import CitizenCopy, CitizenCopyService
from gateway.dependencies import CorrelationIdDep, RuntimeDep, SessionDep
from gateway.errors import ERROR_RESPONSES
from gateway.notices.citizen import CitizenNotices
from gateway.runtime import Runtime

router = APIRouter(prefix="/v1/me", tags=["citizen's own copy (GDPR art. 15)"])
_ERRORS: dict[int | str, dict[str, Any]] = {k: ERROR_RESPONSES[k] for k in (401, 403, 422, 503)}


def copy_service(svc: RuntimeDep, session: SessionDep, logs: LogServiceDep) -> CitizenCopyService:
    return CitizenCopyService(
        session,
        logs=logs,
        catalogue=svc.catalogue,
        notices=CitizenNotices(session, cipher=svc.keys.cipher),
    )


CopyDep = Annotated[CitizenCopyService, Depends(copy_service)]


async def export_for(
    principal: Principal,
    svc: Runtime,
    service: CitizenCopyService,
    *,
    request_id: str,
    receipt_base: str,
) -> CitizenCopy:
    """The copy for a signed-in citizen (API and portal alike)."""
    assert principal.cpr is not None
    pseudonymiser = svc.keys.pseudonymiser
    key_id = pseudonymiser.current_key_id
    pseudonyms = pseudonymiser.all_pseudonyms(principal.cpr)
    return await service.export(
        principal,
        list(pseudonyms.values()),
        CitizenRef(pseudonym=pseudonyms[key_id], key_id=key_id),
        now=svc.clock(),
        request_id=request_id,
        receipt_base=receipt_base,
    )


@router.get(
    "/export",
    response_model=CitizenCopy,
    responses={**_ERRORS, 200: {"content": {"application/json": {}, "text/html": {}}}},
)
async def my_export(
    request: Request,
    principal: CitizenPrincipal,
    svc: RuntimeDep,
    service: CopyDep,
    request_id: CorrelationIdDep,
    format: Annotated[Literal["json", "html"], Query()] = "json",
) -> Response:
    """Din kopi: everything Tværs holds about you — consents with receipts and notice texts,
    requests and your answers, the access log with proofs, notices sent, emergency accesses.
    `format=html` gives a printable Danish page. The export is itself audited."""
    base = str(request.url_for("access_log")).rstrip("/")
    copy = await export_for(principal, svc, service, request_id=request_id, receipt_base=base)
    if format == "html":
        return HTMLResponse(render_copy(copy, svc.catalogue))
    return Response(
        copy.model_dump_json(indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="tvaers-min-kopi.json"'},
    )
