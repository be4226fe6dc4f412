"""Text of the files ``tvaers connector new`` writes (``string.Template``, ``$name`` style)."""

PYPROJECT = """[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "tvaers-connector-$name"
version = "0.1.0"
description = "Tværs connector for $system_title"
requires-python = ">=3.11"
# The SDK (connectors.sdk) ships with the Tværs gateway package.
dependencies = ["tvaers", "httpx"]

# The gateway finds the connector here; configure it with TVAERS_CONNECTORS.
[project.entry-points."tvaers.connectors"]
$name = "$package:create"

[tool.setuptools.packages.find]
include = ["$package*"]

[tool.setuptools.package-data]
$package = ["conformance.json"]

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["."]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
filterwarnings = ["error"]
"""

INIT = '''"""Tværs connector "$name" for the $department department ($system_title)."""

from __future__ import annotations

from pathlib import Path

import httpx

from connectors.sdk.conformance import ConformanceFixture
from connectors.sdk.types import Connector, ConnectorSettings
from $package.client import ${class_name}
from $package.manifest import MANIFEST


def create(settings: ConnectorSettings, client: httpx.AsyncClient) -> Connector:
    """Entry point ``tvaers.connectors: $name``; ``base_url`` is the system's root URL."""
    return ${class_name}(settings, client)


def conformance_fixture() -> ConformanceFixture:
    """The conformance kit's good system: one recorded good answer per request."""
    return ConformanceFixture.from_recording(Path(__file__).with_name("conformance.json"))


__all__ = ["MANIFEST", "${class_name}", "conformance_fixture", "create"]
'''

MANIFEST = '''"""What this connector serves: catalogue categories and the field names it returns.

Every category and field must exist in the Tværs catalogue
(``policies/catalogue/data.json``); the gateway refuses to start otherwise.
Remove what your system cannot deliver.
"""

from connectors.sdk.types import ConnectorManifest

$constants

MANIFEST = ConnectorManifest(
    name="$name",
    department="$department",
    categories={
$categories
    },
    system_title="$system_title",
    version="1",
)
'''

CLIENT = '''"""The $name connector: REST/JSON, CPR only in a POST body, lists paged by cursor.

Adapt the paths to your system. Keep the CPR out of URLs, log lines and
exception messages; BaseConnector handles budget, retries, error mapping and
manifest validation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from connectors.sdk.base import BaseConnector, gather_records
from connectors.sdk.types import FetchRequest, Record
from $package import mapping
from $package.manifest import $constant_names, MANIFEST

API = "/api/citizens"


class ${class_name}(BaseConnector):
    """Reads $category_list for one citizen."""

    manifest = MANIFEST

    async def read(
        self, request: FetchRequest, categories: Mapping[str, frozenset[str]]
    ) -> list[Record]:
        # Look the citizen up by CPR in the body; 404 means "not known here" → no records.
        found = await self.post_json(f"{API}/lookup", {"cpr": request.cpr}, not_found_ok=True)
        if found is None:
            return []
        citizen = f"{API}/{found['citizen_id']}"
        readers: dict[str, Callable[[], Awaitable[list[dict[str, Any]]]]] = {
$readers
        }
        # Ask only for the granted categories, in parallel.
        wanted = [c for c in readers if c in categories]
        return await gather_records(wanted, [readers[c]() for c in wanted])
'''

MAPPING_HEAD = '''"""System fields → catalogue field names, one function per category.

The scaffold assumes the system already uses the catalogue's names; change the
keys read on the right-hand side to your system's field names. Read only what
the catalogue declares: anything else must never leave the connector.
"""

from __future__ import annotations

from typing import Any
'''

MAPPING_FUNCTION = '''

def $function(item: dict[str, Any]) -> dict[str, Any]:
    """One system record → the fields of ``$category``."""
    return {
$fields
    }
'''

CONFTEST = '''"""The Tværs conformance kit as pytest fixtures."""

pytest_plugins = ["connectors.sdk.testing"]
'''

TESTS = '''"""Tests for the $name connector: answers via httpx.MockTransport, then the kit."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from connectors.sdk import ConnectorSettings, ConnectorUnavailable, FetchRequest
from connectors.sdk.testing import ConformanceKit
from $package import MANIFEST, conformance_fixture, create

RECORDING = json.loads(
    (Path(__file__).parents[1] / "$package" / "conformance.json").read_text("utf-8")
)
CPR = RECORDING["cpr"]


def _request(cpr: str) -> FetchRequest:
    return FetchRequest(
        cpr=cpr, categories=dict(MANIFEST.categories), purpose="test", correlation_id="t-1"
    )


def _settings() -> ConnectorSettings:
    return ConnectorSettings(name="$name", base_url=RECORDING["base_url"], timeout_s=2.0)


def _system(request: httpx.Request) -> httpx.Response:
    for exchange in RECORDING["exchanges"]:
        if exchange["method"] == request.method and exchange["path"] == request.url.path:
            if exchange.get("lookup") and CPR not in request.content.decode():
                return httpx.Response(404, json={"error": "not found"})
            return httpx.Response(200, json=exchange["response"]["json"])
    return httpx.Response(404)


async def test_maps_every_category_and_keeps_the_cpr_out_of_urls() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _system(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(record)) as client:
        result = await create(_settings(), client).fetch(_request(CPR))
    assert {r.category for r in result.records} == set(MANIFEST.categories)
    for record_ in result.records:
        assert set(record_.data) == MANIFEST.categories[record_.category]
    assert all(CPR not in str(r.url) for r in seen)


async def test_unknown_citizen_is_empty() -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(_system)) as client:
        result = await create(_settings(), client).fetch(_request("0101010000"))
    assert result.records == []


async def test_server_error_is_unavailable() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500)

    async with httpx.AsyncClient(transport=httpx.MockTransport(broken)) as client:
        with pytest.raises(ConnectorUnavailable):
            await create(_settings(), client).fetch(_request(CPR))


async def test_conformance(conformance_kit: ConformanceKit) -> None:
    report = await conformance_kit.run(create, conformance_fixture(), name="$name")
    report.assert_passed()
'''

README = """# Tværs connector: $name ($department)

Scaffolded by `tvaers connector new $name --department $department`.

1. Change `$package/client.py` (paths) and `$package/mapping.py` (field names) to your system.
2. Record one good answer per request in `$package/conformance.json` (synthetic citizen only).
3. `pytest` here, and `tvaers connector check $name` (add `--against URL` for a test system).
4. `pip install -e .`, then add `"$name": {"base_url": "..."}` to `TVAERS_CONNECTORS`.
"""
