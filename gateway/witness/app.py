"""The witness's HTTP interface (C2SP tlog-witness).

* ``POST /add-checkpoint``: the submission API (see ``service.py`` for the answers);
* ``GET /{sha256(origin) hex}/checkpoint``: the newest checkpoint it cosigned for that log,
  with the log's signature and its own cosignature (the monitoring API);
* ``GET /``: the witness's name and public key, and the logs it follows;
* ``GET /healthz``: liveness.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from gateway.witness.config import WitnessConfig
from gateway.witness.service import WitnessRefusal, WitnessService
from gateway.witness.storage import WitnessStore

MAX_BODY_BYTES = 64 * 1024  # 63 proof lines and a checkpoint with many signatures fit easily
SIZE_CONTENT_TYPE = "text/x.tlog.size"


def origin_hash(origin: str) -> str:
    """The lowercase hex SHA-256 of a log origin (the monitoring API's path segment)."""
    return hashlib.sha256(origin.encode("utf-8")).hexdigest()


def create_witness_app(config: WitnessConfig) -> Starlette:
    """The witness as an ASGI app; it opens its database in the lifespan."""
    state: dict[str, WitnessService] = {}
    lock = asyncio.Lock()  # one submission at a time: they are tiny, and it keeps order

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        store = WitnessStore(config.database)
        state["service"] = WitnessService(config, store)
        try:
            yield
        finally:
            store.close()

    async def add_checkpoint(request: Request) -> Response:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return PlainTextResponse("body too large\n", status_code=413)
        service = state["service"]
        async with lock:
            try:
                line = await asyncio.to_thread(service.add_checkpoint, body)
            except WitnessRefusal as refusal:
                if refusal.status == 409:
                    return PlainTextResponse(
                        f"{refusal.held_size}\n", status_code=409, media_type=SIZE_CONTENT_TYPE
                    )
                return PlainTextResponse(refusal.message + "\n", status_code=refusal.status)
        return PlainTextResponse(line)

    hashes = {origin_hash(origin): origin for origin in config.logs}

    async def latest(request: Request) -> Response:
        origin = hashes.get(request.path_params["origin_hash"])
        if origin is None:
            return PlainTextResponse("unknown log\n", status_code=404)
        held = await asyncio.to_thread(state["service"].latest, origin)
        if held is None:
            return PlainTextResponse("no checkpoint cosigned yet\n", status_code=404)
        return PlainTextResponse(held.note)

    async def info(_request: Request) -> Response:
        return JSONResponse(
            {
                "name": config.cosigner.name,
                "verifier_key": str(config.cosigner.verifier()),
                "logs": [
                    {
                        "origin": o,
                        "origin_hash": origin_hash(o),
                        "keys": [str(k) for k in log.verifiers],
                    }
                    for o, log in config.logs.items()
                ],
            }
        )

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
            Route("/{origin_hash:str}/checkpoint", latest, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/", info, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
