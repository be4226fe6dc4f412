"""A configured connector, policy or key that cannot load stops start-up (fail closed).

The opposite of logging a broken plug-in and carrying on: a gateway that started without a
connector would show that department as "unavailable" forever; one without its policy could
not decide anything. Neither may start.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gateway.app import create_app
from gateway.policy.types import PolicyEngineError
from gateway.registry import ConnectorLoadError
from tests.harness import test_settings as gateway_settings


async def start(tmp_path: Path, **changes: object) -> None:
    settings = gateway_settings(tmp_path).model_copy(update=changes)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        pass


async def test_it_starts_as_configured(tmp_path: Path) -> None:
    await start(tmp_path)  # the baseline the refusals below differ from


async def test_unknown_configured_connector_stops_start_up(tmp_path: Path) -> None:
    connectors = gateway_settings(tmp_path).connectors | {"payroll": {"base_url": "http://x"}}
    with pytest.raises(ConnectorLoadError, match="payroll"):
        await start(tmp_path, connectors=connectors)


async def test_connector_with_invalid_configuration_stops_start_up(tmp_path: Path) -> None:
    connectors = gateway_settings(tmp_path).connectors | {"health": {"base_url": "fhir.example"}}
    with pytest.raises(ConnectorLoadError, match="health"):
        await start(tmp_path, connectors=connectors)


async def test_broken_policy_stops_start_up(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(gateway_settings(tmp_path).policies_dir, policies)
    rule = next(p for p in sorted((policies / "tvaers").glob("*.rego")) if "_test" not in p.name)
    rule.write_text(rule.read_text() + "\nbroken := {{{\n")
    with pytest.raises(PolicyEngineError, match="cannot load policy"):
        await start(tmp_path / "gw", policies_dir=policies)
