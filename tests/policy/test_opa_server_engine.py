"""OpaServerEngine against the OPA-REST test server: the three-way corpus and failure modes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gateway.config import Settings
from gateway.policy import (
    OpaServerEngine,
    PolicyEngineError,
    RegorusEngine,
    bundle_revision,
    load_catalogue,
    load_policy_engine,
)
from tests.policy.conftest import RunningOpa
from tests.policy.opa_oracle import OpaOracle
from tests.policy.opa_rest_server import (
    OpaRestServer,
    ServerThread,
    free_port,
    manifest_revision,
)
from tests.policy.scenarios import SCENARIOS, Scenario

POLICIES_DIR = Path(__file__).resolve().parents[2] / "policies"
CATALOGUE = load_catalogue(POLICIES_DIR)
WELLBEING_SCENARIO = SCENARIOS[0]


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
async def test_three_paths_agree(
    scenario: Scenario,
    regorus_engine: RegorusEngine,
    opa_oracle: OpaOracle,
    opa_engine: OpaServerEngine,
) -> None:
    """Embedded regorus, OPA in-process and OPA over REST give the same JSON."""
    embedded = regorus_engine.evaluate_raw(scenario.policy_input)
    in_process = opa_oracle.decide(scenario.policy_input)
    over_rest = await opa_engine.evaluate_raw(scenario.policy_input)
    assert canonical(embedded) == canonical(in_process) == canonical(over_rest)
    decision = await opa_engine.decide(scenario.policy_input)
    assert {g.category: (g.basis.kind, g.basis.ref) for g in decision.grants} == scenario.grants
    assert {d.category: d.code for d in decision.denials} == scenario.denials


def test_manifest_revision_is_the_catalogue_version() -> None:
    """The bundle revision OPA reports and the embedded engine's version are one value."""
    manifest = json.loads((POLICIES_DIR / ".manifest").read_text(encoding="utf-8"))
    assert manifest["revision"] == CATALOGUE["version"]
    # "system" is the decision-log mask that deploy/opa/system adds to the served bundle.
    # "notices" holds the versioned consent notice texts (issue 14), served with the bundle.
    assert set(manifest["roots"]) == {"tvaers", "catalogue", "notices", "system"}


async def test_policy_version_is_the_bundle_revision(
    opa_rest: RunningOpa, opa_engine: OpaServerEngine
) -> None:
    opa_rest.server.revision = "2026-12-01.7+sha.4f2a"
    decision = await opa_engine.decide(WELLBEING_SCENARIO.policy_input)
    assert decision.policy_version == "2026-12-01.7+sha.4f2a"
    assert opa_engine.version_source == "bundle_revision"


async def test_without_a_bundle_revision_the_catalogue_version_is_reported(
    opa_rest: RunningOpa, opa_engine: OpaServerEngine, caplog: pytest.LogCaptureFixture
) -> None:
    opa_rest.server.revision = None
    decision = await opa_engine.decide(WELLBEING_SCENARIO.policy_input)
    assert decision.policy_version == CATALOGUE["version"]
    assert opa_engine.version_source == "catalogue"
    assert "no bundle revision" in caplog.text


def test_bundle_revision_reads_provenance() -> None:
    assert bundle_revision({"bundles": {"tvaers": {"revision": "r1"}}}) == "r1"
    assert bundle_revision({"bundles": {"b": {"revision": "2"}, "a": {"revision": "1"}}}) == (
        "a=1+b=2"
    )
    assert bundle_revision({"revision": "legacy-7"}) == "legacy-7"
    assert bundle_revision({"bundles": {"tvaers": {"revision": ""}}}) is None
    assert bundle_revision({"version": "1.20.0"}) is None
    assert bundle_revision(None) is None


async def test_healthy_uses_opa_health(opa_rest: RunningOpa, opa_engine: OpaServerEngine) -> None:
    assert await opa_engine.healthy() is True
    opa_rest.server.fail_status = 500
    assert await opa_engine.healthy() is False


async def test_unreachable_opa_fails_closed() -> None:
    engine = OpaServerEngine(f"http://127.0.0.1:{free_port()}", timeout_s=1.0)
    try:
        with pytest.raises(PolicyEngineError, match="OPA request failed"):
            await engine.decide(WELLBEING_SCENARIO.policy_input)
        assert await engine.healthy() is False
    finally:
        await engine.aclose()


async def test_slow_opa_fails_closed(opa_rest: RunningOpa) -> None:
    opa_rest.server.delay_s = 2.0
    engine = OpaServerEngine(opa_rest.url, timeout_s=0.2)
    try:
        with pytest.raises(PolicyEngineError, match=r"did not answer within 0\.2 s"):
            await engine.decide(WELLBEING_SCENARIO.policy_input)
    finally:
        await engine.aclose()


async def test_http_error_fails_closed(opa_rest: RunningOpa, opa_engine: OpaServerEngine) -> None:
    opa_rest.server.fail_status = 500
    with pytest.raises(PolicyEngineError, match="ClientResponseError"):
        await opa_engine.decide(WELLBEING_SCENARIO.policy_input)


def write_bundle(root: Path, decision_rego: str) -> Path:
    (root / "tvaers").mkdir(parents=True)
    shutil.copytree(POLICIES_DIR / "catalogue", root / "catalogue")
    (root / "tvaers" / "decision.rego").write_text(decision_rego, encoding="utf-8")
    (root / ".manifest").write_text('{"revision": "broken-1"}', encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("rego", "message"),
    [
        ("package tvaers\n\nother := 1\n", "no tvaers.decision"),
        ('package tvaers\n\ndecision := {"allow": "yes"}\n', "not a decision"),
    ],
    ids=["undefined", "malformed"],
)
async def test_undefined_or_malformed_decision_fails_closed(
    tmp_path: Path, rego: str, message: str
) -> None:
    server = OpaRestServer(write_bundle(tmp_path, rego))
    try:
        with ServerThread(server.app) as thread:
            engine = OpaServerEngine(thread.url, timeout_s=2.0)
            with pytest.raises(PolicyEngineError, match=message):
                await engine.decide(WELLBEING_SCENARIO.policy_input)
            await engine.aclose()
    finally:
        server.close()


async def test_closed_engine_refuses(opa_engine: OpaServerEngine) -> None:
    await opa_engine.decide(WELLBEING_SCENARIO.policy_input)
    await opa_engine.aclose()
    with pytest.raises(PolicyEngineError, match="closed"):
        await opa_engine.decide(WELLBEING_SCENARIO.policy_input)


@pytest.mark.parametrize(
    "url",
    ["opa:8181", "ftp://opa:8181", "http://opa:8181/v1", "http://u:p@opa:8181", "http://opa:x"],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(PolicyEngineError):
        OpaServerEngine(url, timeout_s=1.0)


def test_configuration_selects_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TVAERS_POLICY_ENGINE", "opa")
    monkeypatch.setenv("TVAERS_OPA_URL", "http://opa.internal:8181")
    monkeypatch.setenv("TVAERS_OPA_TIMEOUT_S", "0.25")
    settings = Settings()
    engine = load_policy_engine(
        settings.policy_engine,
        settings.policies_dir,
        opa_url=settings.opa_url,
        opa_timeout_s=settings.opa_timeout_s,
    )
    assert isinstance(engine, OpaServerEngine)
    assert engine.url == "http://opa.internal:8181"
    assert isinstance(load_policy_engine("regorus", POLICIES_DIR), RegorusEngine)
    with pytest.raises(PolicyEngineError, match="unknown policy engine"):
        load_policy_engine("wasm", POLICIES_DIR)


def test_manifest_revision_helper_reads_the_file() -> None:
    assert manifest_revision(POLICIES_DIR) == CATALOGUE["version"]
