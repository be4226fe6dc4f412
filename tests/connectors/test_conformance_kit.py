"""The conformance kit: passes the reference and scaffolded connectors, fails broken ones."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors import health, jobcenter, social
from connectors.sdk import (
    ConnectorManifest,
    ConnectorSettings,
    FetchRequest,
    FetchResult,
    Record,
)
from connectors.sdk.base import BaseConnector
from connectors.sdk.conformance import ConformanceReport, load_catalogue
from connectors.sdk.discovery import find_connector, find_fixture
from connectors.sdk.scaffold import ScaffoldError, write_connector
from connectors.sdk.testing import ConformanceKit, conformance_kit  # noqa: F401  (fixture)

TVAERS = Path(sys.executable).with_name("tvaers")


def _rows(report: ConformanceReport) -> dict[str, tuple[bool, str]]:
    return {r.name: (r.passed, r.detail) for r in report.results}


@pytest.mark.parametrize("module", [jobcenter, social, health], ids=lambda m: m.__name__)
async def test_reference_connectors_pass(conformance_kit: ConformanceKit, module: Any) -> None:  # noqa: F811
    report = await conformance_kit.run(module.create, module.conformance_fixture())
    report.assert_passed()
    assert len(report.results) == 16


async def test_freshly_scaffolded_connector_passes(
    conformance_kit: ConformanceKit,  # noqa: F811
    tmp_path: Path,
) -> None:
    project = write_connector(
        "probe_inproc", department="social", out_dir=tmp_path, catalogue=load_catalogue()
    )
    found = find_connector("probe_inproc", search_dir=tmp_path)
    fixture = find_fixture(found)
    assert fixture is not None
    report = await conformance_kit.run(found.factory, fixture)
    report.assert_passed()
    assert (
        (project / "pyproject.toml")
        .read_text()
        .count('probe_inproc = "tvaers_probe_inproc:create"')
    )


def test_scaffold_refuses_bad_names_and_departments(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    with pytest.raises(ScaffoldError, match="name"):
        write_connector("Probe-1", department="health", out_dir=tmp_path, catalogue=catalogue)
    with pytest.raises(ScaffoldError, match="department"):
        write_connector("probe", department="tandpleje", out_dir=tmp_path, catalogue=catalogue)


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_cli_new_then_check_in_a_temporary_directory(tmp_path: Path) -> None:
    new = _run([str(TVAERS), "connector", "new", "probe", "--department", "health"], tmp_path)
    assert new.returncode == 0, new.stderr
    check = _run([str(TVAERS), "connector", "check", "probe"], tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "16 passed, 0 failed" in check.stdout
    for name in ("manifest", "slow_response", "undeclared_fields", "no_cpr_leaks"):
        assert f"  {name}" in check.stdout
    # The scaffold's own tests (httpx.MockTransport, then the kit via the plugin) pass too.
    tests = _run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path / "probe"
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr


def test_cli_shows_a_broken_scaffold_failing(tmp_path: Path) -> None:
    assert (
        _run(
            [str(TVAERS), "connector", "new", "leaky", "--department", "jobcenter"], tmp_path
        ).returncode
        == 0
    )
    mapping = tmp_path / "leaky" / "tvaers_leaky" / "mapping.py"
    # A mapping bug: one field the catalogue does not declare.
    mapping.write_text(
        mapping.read_text().replace(
            '"name": item.get("name"),', '"name": item.get("name"), "note": 1,'
        )
    )
    check = _run([str(TVAERS), "connector", "check", "leaky"], tmp_path)
    assert check.returncode == 1
    assert "FAIL" in check.stdout
    assert "undeclared field(s) ['jobcenter.contact.note']" in check.stdout


def test_cli_unknown_connector_is_a_clear_error(tmp_path: Path) -> None:
    check = _run([str(TVAERS), "connector", "check", "nosuch"], tmp_path)
    assert check.returncode == 2
    assert "no connector 'nosuch'" in check.stderr


# -- broken connectors -----------------------------------------------------

_CONTACT = frozenset({"name", "unit", "phone", "email"})
_MANIFEST = ConnectorManifest(
    name="broken", department="jobcenter", categories={"jobcenter.contact": _CONTACT}
)


class _Leaky:
    """Implements the protocol directly (no BaseConnector) and returns an undeclared field."""

    manifest = _MANIFEST

    def __init__(self, settings: ConnectorSettings, client: httpx.AsyncClient) -> None:
        self.client = client
        self.settings = settings

    async def fetch(self, request: FetchRequest) -> FetchResult:
        response = await self.client.get(f"{self.settings.base_url}/contact")
        data = {"name": response.json()["name"], "internal_note": "må ikke deles"}
        return FetchResult(
            records=[Record("jobcenter.contact", data)],
            retrieved_at=datetime.now(UTC),
            source_system="broken",
        )


class _IgnoresTimeout(_Leaky):
    """Waits on the system with no regard for ``settings.timeout_s``."""

    async def fetch(self, request: FetchRequest) -> FetchResult:
        response = await self.client.get(f"{self.settings.base_url}/contact", timeout=None)
        return FetchResult(
            records=[Record("jobcenter.contact", {"name": response.json()["name"]})],
            retrieved_at=datetime.now(UTC),
            source_system="broken",
        )


class _SloppyMapping(BaseConnector):
    manifest = _MANIFEST

    async def read(
        self, request: FetchRequest, categories: Mapping[str, frozenset[str]]
    ) -> list[Record]:
        body = await self.get_json("/contact")
        return [Record("jobcenter.contact", {"name": body["name"], "cpr_hint": "x"})]


def _fixture() -> Any:
    from connectors.sdk.conformance import ConformanceFixture

    def system(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"name": "Søren Ærø"})

    return ConformanceFixture(
        base_url="http://broken.test", system=lambda: httpx.MockTransport(system), cpr="0101901111"
    )


@pytest.mark.parametrize(
    ("factory", "check", "message"),
    [
        (
            _Leaky,
            "good_response",
            "returned undeclared field(s) ['internal_note'] in jobcenter.contact",
        ),
        (
            _SloppyMapping,
            "good_response",
            "mapping returns undeclared field(s) ['jobcenter.contact.cpr_hint']",
        ),
        (_IgnoresTimeout, "slow_response", "the connector ignores its time budget"),
    ],
)
async def test_broken_connectors_fail_with_a_clear_message(
    conformance_kit: ConformanceKit,  # noqa: F811
    factory: Any,
    check: str,
    message: str,
) -> None:
    report = await conformance_kit.run(factory, _fixture(), name="broken")
    assert not report.passed
    passed, detail = _rows(report)[check]
    assert not passed
    assert message in detail
    assert "FAIL" in report.table()
    with pytest.raises(AssertionError, match="conformance failed"):
        report.assert_passed()


async def test_a_connector_that_logs_the_cpr_fails(conformance_kit: ConformanceKit) -> None:  # noqa: F811
    import logging

    class _Chatty(_SloppyMapping):
        async def read(
            self, request: FetchRequest, categories: Mapping[str, frozenset[str]]
        ) -> list[Record]:
            logging.getLogger("chatty").info("looking up %s", request.cpr)
            body = await self.get_json("/contact")
            return [Record("jobcenter.contact", {"name": body["name"]})]

    report = await conformance_kit.run(_Chatty, _fixture())
    passed, detail = _rows(report)["no_cpr_leaks"]
    assert not passed
    assert detail == "a CPR appeared in: log line"


def test_kit_does_not_leave_logging_changed() -> None:
    import logging

    level = logging.getLogger().level
    handlers = list(logging.getLogger().handlers)
    asyncio.run(
        ConformanceKit(load_catalogue()).run(jobcenter.create, jobcenter.conformance_fixture())
    )
    assert logging.getLogger().level == level
    assert logging.getLogger().handlers == handlers


def test_recording_is_valid_json_for_a_new_department(tmp_path: Path) -> None:
    project = write_connector(
        "rec", department="health", out_dir=tmp_path, catalogue=load_catalogue()
    )
    recording = json.loads((project / "tvaers_rec" / "conformance.json").read_text())
    assert recording["exchanges"][0]["lookup"] is True
    assert {e["path"].rsplit("/", 1)[-1] for e in recording["exchanges"][1:]} == {
        "wellbeing",
        "rehabilitation",
        "prevention",
        "contact",
        "referral",
        "alcohol_screening",
        "alcohol_treatment",
        "work_status",
    }
