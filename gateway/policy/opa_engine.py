"""The production policy engine: an OPA server, queried over its REST API.

The gateway asks ``POST /v1/data/tvaers/decision?provenance=true`` through
``opa-python-client``'s ``AsyncOpaClient``. OPA evaluates the same ``.rego``
files and catalogue as the embedded engine, served from the ``policies/``
directory mounted as a bundle (``policies/.manifest`` holds its revision).

Policy version: the decision reports the **bundle revision** OPA evaluated
with, read from the provenance block of the same response, so the version and
the decision can never come from two different bundle activations (a separate
``GET /v1/status`` call could race a bundle update, and needs the status
plugin). When OPA reports no revision (policies loaded without a bundle, or a
bundle without ``.manifest``) the decision keeps the catalogue version the
policy itself reports, and ``version_source`` says ``"catalogue"``.

Fail closed: a timeout, a refused connection, an HTTP error, an undefined
decision or a malformed one all raise ``PolicyEngineError``; the orchestrator
then answers 503 with no data and audits the attempt.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal
from urllib.parse import urlsplit

from opa_client import AsyncOpaClient

from gateway.policy.decision import validate_decision
from gateway.policy.types import Decision, PolicyEngineError

logger = logging.getLogger(__name__)

# The decision document, as the package path and rule name OPA's Data API takes.
DECISION_PACKAGE = "tvaers"
DECISION_RULE = "decision"

VersionSource = Literal["bundle_revision", "catalogue", "unknown"]


def bundle_revision(provenance: Any) -> str | None:
    """The bundle revision in an OPA provenance block, or ``None``.

    OPA lists every activated bundle as ``{"bundles": {name: {"revision": r}}}``
    (older configurations use a single top-level ``"revision"``). Several
    bundles give ``"name=rev"`` pairs joined by ``+``, sorted by name.
    """
    if not isinstance(provenance, dict):
        return None
    bundles = provenance.get("bundles")
    if isinstance(bundles, dict):
        revisions: dict[str, str] = {
            str(name): str(info["revision"])
            for name, info in bundles.items()
            if isinstance(info, dict) and isinstance(info.get("revision"), str) and info["revision"]
        }
        if len(revisions) == 1:
            return next(iter(revisions.values()))
        if revisions:
            return "+".join(f"{name}={rev}" for name, rev in sorted(revisions.items()))
    legacy = provenance.get("revision")
    if isinstance(legacy, str) and legacy:
        return legacy
    return None


def _parse_url(url: str) -> tuple[str, int, bool]:
    # AsyncOpaClient builds its URLs from host, port and scheme and has no
    # path prefix, so anything else in the URL would be silently ignored.
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PolicyEngineError(f"OPA URL must be http(s)://host[:port], not {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise PolicyEngineError(f"OPA URL must have no path, query or credentials: {url!r}")
    secure = parts.scheme == "https"
    try:
        port = parts.port or (443 if secure else 8181)
    except ValueError as exc:
        raise PolicyEngineError(f"OPA URL has an invalid port: {url!r}") from exc
    return parts.hostname, port, secure


class OpaServerEngine:
    """``PolicyEngine`` backed by an OPA server's Data API.

    ``url`` is the server's base (``http://opa:8181``); ``timeout_s`` bounds a
    whole decision, including connecting. The client's own retries are off:
    within one request deadline a retry only delays the 503, and the
    orchestrator never retries a policy failure.

    The HTTP session is opened lazily on first use, inside the running event
    loop (aiohttp sessions belong to the loop that created them).
    """

    name = "opa"

    def __init__(self, url: str, *, timeout_s: float) -> None:
        if timeout_s <= 0:
            raise PolicyEngineError("OPA timeout must be positive")
        host, port, secure = _parse_url(url)
        self.url = url
        self._timeout_s = timeout_s
        self._client = AsyncOpaClient(
            host=host, port=port, ssl=secure, timeout=timeout_s, retries=0
        )
        self._session_lock = asyncio.Lock()
        self._opened = False
        self._closed = False
        self.version_source: VersionSource = "unknown"

    async def _ready_client(self) -> AsyncOpaClient:
        if self._closed:
            raise PolicyEngineError("OPA policy engine is closed")
        if not self._opened:
            async with self._session_lock:
                if not self._opened:
                    # The client's documented entry: ``async with`` opens the session.
                    await self._client.__aenter__()
                    self._opened = True
        return self._client

    async def evaluate_raw(self, policy_input: dict[str, Any]) -> Any:
        """The raw decision JSON, with ``policy_version`` set to the bundle revision.

        Used by the tests that compare engines byte for byte.
        """
        raw, _ = await self._evaluate(policy_input)
        return raw

    async def _evaluate(self, policy_input: dict[str, Any]) -> tuple[Any, str | None]:
        """The raw decision and OPA's ``decision_id`` (present when decision logs are on)."""
        try:
            async with asyncio.timeout(self._timeout_s):
                client = await self._ready_client()
                body = await client.query_rule(
                    input_data=policy_input,
                    package_path=DECISION_PACKAGE,
                    rule_name=DECISION_RULE,
                    query_params={"provenance": "true"},
                )
        except PolicyEngineError:
            raise
        except TimeoutError:
            raise PolicyEngineError(f"OPA did not answer within {self._timeout_s:g} s") from None
        except Exception as exc:
            # Fail closed on anything the client or its transport raises
            # (connection refused, HTTP status, bad JSON). The class name is
            # enough: client messages can echo URLs and bodies.
            raise PolicyEngineError(f"OPA request failed: {type(exc).__name__}") from exc
        if not isinstance(body, dict) or "result" not in body:
            raise PolicyEngineError("OPA has no tvaers.decision (is the policy bundle loaded?)")
        raw = body["result"]
        revision = bundle_revision(body.get("provenance"))
        self._note_version_source("bundle_revision" if revision else "catalogue")
        if revision is not None and isinstance(raw, dict):
            raw = {**raw, "policy_version": revision}
        decision_id = body.get("decision_id")
        return raw, decision_id if isinstance(decision_id, str) and decision_id else None

    def _note_version_source(self, source: VersionSource) -> None:
        if source != self.version_source:
            if source == "catalogue":
                logger.warning(
                    "OPA reports no bundle revision; decisions carry the catalogue version"
                )
            self.version_source = source

    async def decide(self, policy_input: dict[str, Any]) -> Decision:
        """Return the decision for ``policy_input``; raise ``PolicyEngineError`` on failure."""
        requested = policy_input.get("categories")
        if not isinstance(requested, list):
            raise PolicyEngineError("policy input has no category list")
        raw, decision_id = await self._evaluate(policy_input)
        decision = validate_decision(raw, requested=requested)
        if decision_id is not None:
            decision = decision.model_copy(update={"engine_decision_id": decision_id[:64]})
        return decision

    async def healthy(self) -> bool:
        """Whether OPA's ``/health`` answers 200 (bundles activated) within the timeout."""
        try:
            async with asyncio.timeout(self._timeout_s):
                client = await self._ready_client()
                # Query values are strings on the wire; OPA reads "true".
                return bool(await client.check_health(query={"bundles": "true"}))
        except (TimeoutError, PolicyEngineError):
            return False

    async def aclose(self) -> None:
        """Close the HTTP session; later decisions fail with ``PolicyEngineError``."""
        self._closed = True
        if self._opened:
            await self._client.close_connection()
