"""The gateway's outbound HTTP client: httpx on top of aiohttp.

Connectors, the witness client, JWKS and Digital Post all take an ``httpx.AsyncClient``; the
gateway owns it and its timeouts. Its transport is aiohttp (``httpx-aiohttp``): measured side
by side in ``bench/client_bench.py``, the same connector calls cost less than half the CPU of
httpx's own transport (issue 16). The httpx API stays the seam, so connectors stay testable
without a network (``httpx.MockTransport``).

``AiohttpTransport`` maps the common aiohttp errors to httpx ones; this subclass also maps
every other aiohttp client error (and aiohttp's own timeouts), so callers that catch
``httpx.HTTPError`` / ``httpx.TimeoutException`` see every failure of a department system.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

__all__ = ["GatewayTransport", "outbound_client"]


@contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except httpx.HTTPError:
        raise
    except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
        raise httpx.ReadTimeout(str(exc) or "timed out", request=request) from exc
    except aiohttp.ClientError as exc:
        raise httpx.TransportError(type(exc).__name__) from exc


class _Stream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, request: httpx.Request) -> None:
        self._inner = inner
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors(self._request):
            async for chunk in self._inner:
                yield chunk

    async def aclose(self) -> None:
        with _as_httpx_errors(self._request):
            await self._inner.aclose()


class GatewayTransport(AiohttpTransport):
    """``AiohttpTransport`` whose every failure is an ``httpx.HTTPError``."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        with _as_httpx_errors(request):
            response = await super().handle_async_request(request)
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)
        response.stream = _Stream(stream, request)
        return response


def outbound_client(*, timeout_s: float, max_connections: int = 200) -> httpx.AsyncClient:
    """The pooled client for department systems and the other outbound calls.

    Every connection may stay open (keep-alive = max connections): a view fans out to every
    department at once, and reopening sockets costs more than keeping them.
    """
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    return httpx.AsyncClient(
        transport=GatewayTransport(limits=limits),
        timeout=httpx.Timeout(timeout_s),
        limits=limits,
    )
