"""Transparency-log endpoints: checkpoints, proofs, public key; the citizen's access log.

Who may read what (docs/audit-log.md, "Who can learn what"):

* public (no token): the verifier key, checkpoints and consistency proofs. They hold only
  hashes and tree sizes — what an external auditor or a witness needs to check that the
  log only grows, without any personal data. Certificate Transparency serves them openly
  for the same reason.
* DPO: inclusion proofs for any index (the DPO holds the entries to check them against).
* citizen: their own entries with proofs and receipts, under ``/v1/me``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response

from gateway.audit.log.lifecycle import audit_signer
from gateway.audit.log.schemas import (
    AccessLogPage,
    CheckpointRead,
    ConsistencyProofRead,
    InclusionProofRead,
    PublicKeyRead,
)
from gateway.audit.log.service import AuditLogService
from gateway.auth.dependencies import CitizenPrincipal, DpoPrincipal
from gateway.db import MAX_SQL_INTEGER
from gateway.dependencies import RuntimeDep, SessionDep
from gateway.errors import ERROR_RESPONSES

router = APIRouter(prefix="/v1/audit", tags=["audit log"])
me_router = APIRouter(prefix="/v1/me", tags=["citizen"])

_Responses = dict[int | str, dict[str, Any]]
_PUBLIC_ERRORS: _Responses = {k: ERROR_RESPONSES[k] for k in (422, 503)}
_ERRORS: _Responses = {k: ERROR_RESPONSES[k] for k in (401, 403, 422, 503)}
_TEXT: dict[str, Any] = {"content": {"text/plain": {}}}


def log_service(svc: RuntimeDep, session: SessionDep) -> AuditLogService:
    signer = audit_signer(svc.settings.audit_origin, svc.keys.audit_key)
    return AuditLogService(session, origin=svc.settings.audit_origin, verifier=signer.verifier())


LogServiceDep = Annotated[AuditLogService, Depends(log_service)]


async def receipt_download(
    logs: AuditLogService, event_id: str, pseudonyms: list[str]
) -> PlainTextResponse:
    """A citizen's receipt as a file (the API and the portal's "Min log")."""
    receipt = await logs.receipt(event_id, pseudonyms)
    return PlainTextResponse(
        receipt.text,
        headers={"Content-Disposition": f'attachment; filename="{receipt.filename}"'},
    )


async def entry_download(logs: AuditLogService, event_id: str, pseudonyms: list[str]) -> Response:
    """The exact bytes of a citizen's entry as a file (the API and "Min log")."""
    body = await logs.entry_bytes(event_id, pseudonyms)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="tvaers-{event_id}.json"'},
    )


def _wants_text(request: Request) -> bool:
    """``Accept: text/plain`` asks for the raw note or key, as Go's tlog clients expect."""
    accept = request.headers.get("accept", "")
    return "text/plain" in accept and "application/json" not in accept


@router.get("/public-key", response_model=PublicKeyRead, responses={200: _TEXT, **_PUBLIC_ERRORS})
async def public_key(request: Request, logs: LogServiceDep) -> PublicKeyRead | Response:
    """The verifier key of the log's checkpoints (public).

    A C2SP/Go note verifier key `<name>+<hex key id>+<base64(0x01 ‖ Ed25519 key)>`; send
    `Accept: text/plain` for the bare string. Compare it with the key the municipality
    publishes elsewhere before trusting it.
    """
    key = logs.public_key()
    if _wants_text(request):
        return PlainTextResponse(key.verifier_key + "\n")
    return key


@router.get(
    "/checkpoint", response_model=CheckpointRead, responses={200: _TEXT, 404: {}, **_PUBLIC_ERRORS}
)
async def latest_checkpoint(request: Request, logs: LogServiceDep) -> CheckpointRead | Response:
    """The newest signed checkpoint (public; `Accept: text/plain` for the bare note)."""
    checkpoint = await logs.latest_checkpoint()
    if _wants_text(request):
        return PlainTextResponse(checkpoint.note)
    return checkpoint


@router.get(
    "/checkpoints/{size}",
    response_model=CheckpointRead,
    responses={200: _TEXT, 404: {}, **_PUBLIC_ERRORS},
)
async def checkpoint_of_size(
    size: Annotated[int, Path(ge=0, le=MAX_SQL_INTEGER)], request: Request, logs: LogServiceDep
) -> CheckpointRead | Response:
    """The checkpoint signed at exactly `size` entries; every checkpoint is kept (public)."""
    checkpoint = await logs.checkpoint(size)
    if _wants_text(request):
        return PlainTextResponse(checkpoint.note)
    return checkpoint


@router.get("/proof/consistency", response_model=ConsistencyProofRead, responses=_PUBLIC_ERRORS)
async def consistency_proof(
    logs: LogServiceDep,
    old: Annotated[int, Query(ge=0, le=MAX_SQL_INTEGER)],
    new: Annotated[int, Query(ge=0, le=MAX_SQL_INTEGER)],
) -> ConsistencyProofRead:
    """Proof that the log at size `new` extends the log at size `old` (public).

    Save the response as a file and check it offline with
    `tvaers audit verify consistency OLD.note NEW.note --proof FILE --key PUB`.
    """
    return await logs.consistency(old, new)


@router.get("/proof/inclusion", response_model=InclusionProofRead, responses=_ERRORS)
async def inclusion_proof(
    principal: DpoPrincipal,
    logs: LogServiceDep,
    index: Annotated[int, Query(ge=0, le=MAX_SQL_INTEGER)],
    size: Annotated[int | None, Query(ge=1, le=MAX_SQL_INTEGER)] = None,
) -> InclusionProofRead:
    """Inclusion proof of the entry at `index` in the tree of `size` (DPO only).

    Without `size`, the newest checkpoint's size. Citizens get proofs of their own entries
    from `/v1/me/access-log`.
    """
    return await logs.inclusion(index, size=size)


# --------------------------------------------------------------------------- citizens


def _pseudonyms(svc: RuntimeDep, principal: CitizenPrincipal) -> list[str]:
    assert principal.cpr is not None  # citizen tokens always carry one
    return list(svc.keys.pseudonymiser.all_pseudonyms(principal.cpr).values())


PseudonymsDep = Annotated[list[str], Depends(_pseudonyms)]


@me_router.get("/access-log", response_model=AccessLogPage, responses=_ERRORS)
async def access_log(
    request: Request,
    principal: CitizenPrincipal,
    pseudonyms: PseudonymsDep,
    logs: LogServiceDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_SQL_INTEGER)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> AccessLogPage:
    """Min log: every audit entry about you, newest first (citizens only).

    Each entry comes with its exact bytes (`leaf`, base64), its `leaf_index`, an
    `inclusion_proof` and the signed `checkpoint` it verifies against, so you can check
    offline that it is in the log. Entries written in the last second may still be
    `pending`.
    """
    base = str(request.url_for("access_log")).rstrip("/")
    return await logs.access_log(pseudonyms, before=before, limit=limit, receipt_base=base)


@me_router.get(
    "/access-log/{event_id}/receipt",
    responses={200: {"content": {"text/plain": {}}}, 404: {}, 409: {}, **_ERRORS},
    response_class=PlainTextResponse,
)
async def access_receipt(
    event_id: str, principal: CitizenPrincipal, pseudonyms: PseudonymsDep, logs: LogServiceDep
) -> PlainTextResponse:
    """Kvittering: a C2SP tlog-proof receipt for one of your entries (citizens only).

    Verify it offline: `tvaers audit verify receipt RECEIPT --entry ENTRY --key PUB`, where
    ENTRY is the entry from `/v1/me/access-log/{event_id}/entry` (or its access-log item).
    """
    return await receipt_download(logs, event_id, pseudonyms)


@me_router.get(
    "/access-log/{event_id}/entry",
    responses={200: {"content": {"application/json": {}}}, 404: {}, **_ERRORS},
    response_class=Response,
)
async def access_entry(
    event_id: str, principal: CitizenPrincipal, pseudonyms: PseudonymsDep, logs: LogServiceDep
) -> Response:
    """The exact bytes of one of your entries — what its leaf hash covers (citizens only)."""
    return await entry_download(logs, event_id, pseudonyms)
