"""What every department simulator shares: config, fault injection, paging, ids.

A simulator is a stand-in for a real department system, for the demo, tests and
benchmarks. It says so everywhere: the OpenAPI title, the ``X-Simulator: true``
header on every response, and ``GET /healthz``.
"""

from __future__ import annotations

import asyncio
import base64
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from connectors.simulators.seed import SEED

T = TypeVar("T")
FaultMode = Literal["none", "error500", "timeout", "malformed", "partial"]
SIMULATOR_HEADER = "X-Simulator"
# Paths that never get latency or faults, so a test can always reconfigure the simulator.
_CONTROL_PATHS = ("/_simulator", "/healthz", "/docs", "/openapi.json", "/redoc")


class SimulatorConfig(BaseModel):
    """Latency and faults a simulator injects; adjustable at run time.

    ``fault`` picks what goes wrong and ``fault_rate`` how often (0..1, drawn from
    an RNG seeded with ``seed``, so a run is reproducible):

    - ``error500``: HTTP 500 with an error body;
    - ``timeout``: the request hangs ``timeout_s`` seconds and then gets HTTP 504;
    - ``malformed``: HTTP 200 with a truncated JSON body;
    - ``partial``: the first page of a list is served, follow-up pages fail with 503.
    """

    model_config = ConfigDict(extra="forbid")

    latency_ms: int = Field(default=0, ge=0, le=60_000)
    fault: FaultMode = "none"
    fault_rate: float = Field(default=1.0, ge=0.0, le=1.0)
    seed: int = 0
    page_size: int = Field(default=2, ge=1, le=100)
    timeout_s: float = Field(default=30.0, ge=0.0, le=600.0)


@dataclass
class SimulatorState:
    """The live config and its RNG, kept on ``app.state.simulator``."""

    config: SimulatorConfig
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.config.seed)

    def replace(self, config: SimulatorConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)

    def should_fault(self) -> bool:
        if self.config.fault == "none":
            return False
        return self.rng.random() < self.config.fault_rate


ErrorBody = Callable[[int, str], tuple[dict[str, Any], str]]


def json_error(status: int, message: str) -> tuple[dict[str, Any], str]:
    """Error body of the REST simulators (Danish field names, like the rest of their API)."""
    return {"fejl": message, "status": status}, "application/json"


def json_error_response(status: int, message: str) -> JSONResponse:
    """An error response of the REST simulators (``json_error`` body)."""
    body, kind = json_error(status, message)
    return JSONResponse(body, status_code=status, media_type=kind)


class CprBody(BaseModel):
    """A look-up body: the CPR travels here, never in the URL."""

    model_config = ConfigDict(extra="forbid")

    cpr: str = Field(min_length=10, max_length=11)


def create_simulator_app(
    *,
    title: str,
    description: str,
    config: SimulatorConfig | None,
    error_body: ErrorBody = json_error,
    continuation_params: frozenset[str] = frozenset({"cursor"}),
    media_type: str = "application/json",
) -> FastAPI:
    """A FastAPI app with the simulator label, config endpoints and fault middleware."""
    app = FastAPI(
        title=f"{title} — SIMULATOR (syntetiske data, ikke et rigtigt system)",
        description=(
            f"{description}\n\nDette er en simulator med syntetiske borgere til demo og test. "
            "This is a simulator with synthetic citizens for demos and tests; it is not the "
            "real department system."
        ),
        version="1",
    )
    state = SimulatorState(config or SimulatorConfig())
    app.state.simulator = state

    @app.middleware("http")
    async def inject(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path.startswith(_CONTROL_PATHS):
            response = await call_next(request)
        else:
            response = await _faulty(
                request, call_next, state, error_body, continuation_params, media_type
            )
        response.headers[SIMULATOR_HEADER] = "true"
        return response

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        """Liveness; says plainly that this is a simulator."""
        return {"status": "ok", "simulator": True, "title": title}

    @app.get("/_simulator/config")
    async def read_config() -> SimulatorConfig:
        """The current latency and fault settings."""
        return state.config

    @app.put("/_simulator/config")
    async def write_config(new: SimulatorConfig) -> SimulatorConfig:
        """Replace the latency and fault settings; the fault RNG is reseeded."""
        state.replace(new)
        return state.config

    return app


async def _faulty(
    request: Request,
    call_next: Callable[[Request], Awaitable[Response]],
    state: SimulatorState,
    error_body: ErrorBody,
    continuation_params: frozenset[str],
    media_type: str,
) -> Response:
    config = state.config
    if config.latency_ms:
        await asyncio.sleep(config.latency_ms / 1000)
    fault = config.fault
    is_follow_up = any(name in request.query_params for name in continuation_params)
    # "partial" only hits follow-up pages, so a first page always arrives intact.
    if fault == "partial" and not is_follow_up:
        return await call_next(request)
    if not state.should_fault():
        return await call_next(request)
    if fault == "error500":
        body, kind = error_body(500, "Simuleret intern fejl")
        return JSONResponse(body, status_code=500, media_type=kind)
    if fault == "timeout":
        await asyncio.sleep(config.timeout_s)
        body, kind = error_body(504, "Simuleret timeout")
        return JSONResponse(body, status_code=504, media_type=kind)
    if fault == "malformed":
        return Response(b'{"resourceType": "Bundle", "entry": [{"resou', media_type=media_type)
    body, kind = error_body(503, "Simuleret delvist svar: siden kunne ikke hentes")
    return JSONResponse(body, status_code=503, media_type=kind)


def opaque_id(department: str, index: int) -> str:
    """A stable, meaningless id for a citizen in one department's system."""
    return str(uuid.UUID(int=random.Random(f"{department}:{SEED}:{index}").getrandbits(128)))


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """Offset from a cursor; None when the cursor is not one this simulator issued."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = raw.partition(":")
        offset = int(number)
    except ValueError:
        return None
    return offset if prefix == "o" and offset >= 0 else None


def page(items: list[T], offset: int, size: int) -> tuple[list[T], int | None]:
    """One page of ``items`` and the offset of the next page, if any."""
    end = offset + size
    return items[offset:end], (end if end < len(items) else None)
