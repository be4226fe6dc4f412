"""RegorusEngine: async API, fail-closed construction, thread binding, validation."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from gateway.policy import (
    Decision,
    PolicyEngineError,
    RegorusEngine,
    load_policy_engine,
    validate_decision,
)
from gateway.policy.regorus_engine import _PROBE_INPUT as _PROBE
from tests.policy.scenarios import SCENARIOS, Scenario

GRANTING = next(s for s in SCENARIOS if s.name == "consent_grants_wellbeing_to_jobcenter")


def _copy_bundle(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*_test.rego"))
    return target


async def test_decide_returns_a_validated_decision(regorus_engine: RegorusEngine) -> None:
    decision = await regorus_engine.decide(GRANTING.policy_input)
    assert isinstance(decision, Decision)
    assert decision.allow is True
    assert decision.grants[0].category == "health.wellbeing"
    assert decision.grants[0].basis.ref == "c-team"


async def test_healthy_then_closed(regorus_engine: RegorusEngine) -> None:
    assert await regorus_engine.healthy() is True
    await regorus_engine.aclose()
    assert await regorus_engine.healthy() is False
    with pytest.raises(PolicyEngineError, match="closed"):
        await regorus_engine.decide(GRANTING.policy_input)


def test_engine_knows_its_policy_version(regorus_engine: RegorusEngine, policies_dir: Path) -> None:
    assert regorus_engine.name == "regorus"
    assert regorus_engine.policy_version == "2026-12-04.3"


def test_other_threads_are_refused(regorus_engine: RegorusEngine) -> None:
    errors: list[BaseException] = []

    def use_engine() -> None:
        try:
            regorus_engine.evaluate(GRANTING.policy_input)
        except PolicyEngineError as exc:
            errors.append(exc)

    worker = threading.Thread(target=use_engine)
    worker.start()
    worker.join()
    assert len(errors) == 1
    assert "thread" in str(errors[0])


def test_broken_policy_fails_at_construction(policies_dir: Path, tmp_path: Path) -> None:
    bundle = _copy_bundle(policies_dir, tmp_path / "policies")
    (bundle / "tvaers" / "broken.rego").write_text("package tvaers.broken\n\nx := {\n")
    with pytest.raises(PolicyEngineError, match=r"broken\.rego"):
        RegorusEngine(bundle)


def test_missing_catalogue_fails_at_construction(policies_dir: Path, tmp_path: Path) -> None:
    bundle = _copy_bundle(policies_dir, tmp_path / "policies")
    (bundle / "catalogue" / "data.json").unlink()
    with pytest.raises(PolicyEngineError, match="catalogue"):
        RegorusEngine(bundle)


def test_catalogue_without_version_fails_at_construction(
    policies_dir: Path, tmp_path: Path
) -> None:
    bundle = _copy_bundle(policies_dir, tmp_path / "policies")
    (bundle / "catalogue" / "data.json").write_text('{"departments": {}}')
    with pytest.raises(PolicyEngineError, match="version"):
        RegorusEngine(bundle)


def test_empty_directory_fails_at_construction(tmp_path: Path) -> None:
    with pytest.raises(PolicyEngineError, match=r"no \.rego"):
        RegorusEngine(tmp_path)


def test_bundle_without_decision_document_fails_at_construction(
    policies_dir: Path, tmp_path: Path
) -> None:
    bundle = _copy_bundle(policies_dir, tmp_path / "policies")
    (bundle / "tvaers" / "decision.rego").unlink()
    with pytest.raises(PolicyEngineError):
        RegorusEngine(bundle)


def _engine_answering(tmp_path: Path, policies_dir: Path, decision_rego: str) -> RegorusEngine:
    """An engine whose decision.rego answers ``decision_rego`` for real input.

    The probe at construction has no categories; the rule only misbehaves
    when categories are requested, so construction succeeds.
    """
    bundle = _copy_bundle(policies_dir, tmp_path / "policies")
    (bundle / "tvaers" / "decision.rego").write_text(
        "package tvaers\n\nimport rego.v1\n\nimport data.tvaers.assembly\n\n"
        "decision := assembly.decision if count(input.categories) == 0\n\n" + decision_rego
    )
    return RegorusEngine(bundle)


@pytest.mark.parametrize(
    ("label", "rule"),
    [
        (
            "extra key",
            'decision := object.union(assembly.decision, {"debug": true}) '
            "if count(input.categories) > 0\n",
        ),
        (
            "missing category",
            'decision := {"allow": false, "grants": [], "denials": [], "policy_version": "x"} '
            "if count(input.categories) > 0\n",
        ),
        (
            "wrong allow",
            'decision := object.union(assembly.decision, {"allow": false}) '
            "if count(input.categories) > 0\n",
        ),
        ("undefined", ""),
    ],
)
async def test_malformed_answers_are_engine_errors(
    label: str, rule: str, policies_dir: Path, tmp_path: Path
) -> None:
    engine = _engine_answering(tmp_path, policies_dir, rule)
    with pytest.raises(PolicyEngineError):
        await engine.decide(GRANTING.policy_input)


async def test_evaluation_error_is_an_engine_error(regorus_engine: RegorusEngine) -> None:
    # The gateway always sends a valid `now`; a broken one must not grant anything.
    policy_input = dict(GRANTING.policy_input, now="not a time")
    with pytest.raises(PolicyEngineError):
        await regorus_engine.decide(policy_input)


def test_load_policy_engine(policies_dir: Path) -> None:
    assert isinstance(load_policy_engine("regorus", policies_dir), RegorusEngine)
    with pytest.raises(PolicyEngineError, match="unknown policy engine"):
        load_policy_engine("opa-wasm", policies_dir)


@pytest.mark.parametrize(
    ("label", "raw"),
    [
        ("not an object", ["allow"]),
        (
            "duplicate",
            {
                "allow": True,
                "grants": [
                    {"category": "a", "fields": [], "basis": {"kind": "consent", "ref": "c"}}
                ],
                "denials": [{"category": "a", "code": "x", "message": {"da": "d", "en": "e"}}],
                "policy_version": "v",
            },
        ),
        (
            "unsorted fields",
            {
                "allow": True,
                "grants": [
                    {
                        "category": "a",
                        "fields": ["b", "a"],
                        "basis": {"kind": "consent", "ref": "c"},
                    }
                ],
                "denials": [],
                "policy_version": "v",
            },
        ),
        (
            "unknown basis",
            {
                "allow": True,
                "grants": [
                    {"category": "a", "fields": [], "basis": {"kind": "emergency", "ref": "c"}}
                ],
                "denials": [],
                "policy_version": "v",
            },
        ),
        (
            "unsorted denials",
            {
                "allow": False,
                "grants": [],
                "denials": [
                    {"category": "b", "code": "x", "message": {"da": "d", "en": "e"}},
                    {"category": "a", "code": "x", "message": {"da": "d", "en": "e"}},
                ],
                "policy_version": "v",
            },
        ),
    ],
)
def test_validate_decision_rejects(label: str, raw: Any) -> None:
    requested = ["a", "b"] if label == "unsorted denials" else ["a"]
    with pytest.raises(PolicyEngineError):
        validate_decision(raw, requested=requested)


@pytest.mark.parametrize("scenario", SCENARIOS[:3], ids=lambda s: s.name)
async def test_decide_matches_sync_evaluation(
    scenario: Scenario, regorus_engine: RegorusEngine
) -> None:
    decided = await regorus_engine.decide(scenario.policy_input)
    assert decided.model_dump() == regorus_engine.evaluate_raw(scenario.policy_input)


def test_an_engine_collected_on_another_thread_is_not_dropped_there(policies_dir: Path) -> None:
    """Regression: the native engine is unsendable; dropping it off-thread raised in tests."""
    import gc

    from gateway.policy import regorus_engine

    holder: list[RegorusEngine] = []
    builder = threading.Thread(target=lambda: holder.append(RegorusEngine(policies_dir)))
    builder.start()
    builder.join()
    stranded_before = len(regorus_engine._STRANDED)
    holder.clear()  # the last reference goes away here, on the main thread
    gc.collect()
    assert len(regorus_engine._STRANDED) == stranded_before + 1


def test_engines_built_in_short_lived_threads_each_work(policies_dir: Path) -> None:
    """A thread's id is reused by the next thread once it ends: an engine built there must never
    be a clone of one that belonged to the ended thread (regorus engines are bound to their
    thread; the parsed-engine cache is the main thread's only)."""
    outcomes: list[object] = []

    def build_and_decide() -> None:
        try:
            engine = RegorusEngine(policies_dir)
            outcomes.append(engine.evaluate(_PROBE).policy_version)
        except BaseException as exc:  # a pyo3 panic is a BaseException
            outcomes.append(exc)

    for _ in range(4):
        thread = threading.Thread(target=build_and_decide)
        thread.start()
        thread.join()
    assert outcomes == [RegorusEngine(policies_dir).policy_version] * 4, outcomes


def test_a_second_engine_of_the_same_policies_decides_on_its_own(policies_dir: Path) -> None:
    """The second engine is a clone of the cached parse: closing one leaves the other deciding."""
    first, second = RegorusEngine(policies_dir), RegorusEngine(policies_dir)
    assert first._engine is not second._engine
    asyncio.run(first.aclose())
    assert second.evaluate(_PROBE).policy_version == first.policy_version
    with pytest.raises(PolicyEngineError):
        first.evaluate(_PROBE)
