"""Every ``test_*`` rule of every ``*_test.rego`` passes on regorus and on real OPA."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import regorus

from gateway.policy import load_policy_data, policy_modules
from tests.policy.conftest import POLICIES_DIR
from tests.policy.opa_oracle import OpaOracle
from tests.policy.rego_files import RegoTest, denial_rules, discover_tests

REGO_TESTS = discover_tests(POLICIES_DIR)
ENGINES = ("regorus", "opa")


def _regorus_with_tests(policies_dir: Path, extra: dict[str, str] | None = None) -> regorus.Engine:
    engine = regorus.Engine()
    for module in policy_modules(policies_dir, include_tests=True):
        engine.add_policy(module.relative_to(policies_dir).as_posix(), module.read_text())
    for name, source in (extra or {}).items():
        engine.add_policy(name, source)
    engine.add_data(load_policy_data(policies_dir))
    engine.set_input({})
    return engine


def _regorus_value(engine: regorus.Engine, path: str) -> object:
    # A failing test is undefined, which regorus reports as the string "<undefined>".
    return json.loads(engine.eval_rule_as_json(path))


@pytest.fixture(scope="module")
def regorus_tests() -> regorus.Engine:
    return _regorus_with_tests(POLICIES_DIR)


@pytest.fixture(scope="module")
def opa_tests() -> Iterator[OpaOracle]:
    oracle = OpaOracle(POLICIES_DIR, include_tests=True)
    yield oracle
    oracle.close()


def test_rule_tests_were_found() -> None:
    assert len(REGO_TESTS) >= 40
    assert len({t.test_id for t in REGO_TESTS}) == len(REGO_TESTS)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rego_test", REGO_TESTS, ids=lambda t: t.test_id)
def test_rego_rule(
    engine: str,
    rego_test: RegoTest,
    regorus_tests: regorus.Engine,
    opa_tests: OpaOracle,
) -> None:
    if engine == "regorus":
        value = _regorus_value(regorus_tests, f"data.{rego_test.test_id}")
    else:
        value = opa_tests.document(rego_test.test_id)
    assert value is True, f"{rego_test.path.name}: {rego_test.rule} is {value!r} on {engine}"


def test_a_failing_rego_test_is_reported_by_both_engines(tmp_path: Path) -> None:
    """The harness can fail: a false test is not mistaken for a pass."""
    for module in policy_modules(POLICIES_DIR):
        target = tmp_path / module.relative_to(POLICIES_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(module.read_text())
    shutil.copytree(POLICIES_DIR / "catalogue", tmp_path / "catalogue")
    (tmp_path / "tvaers" / "canary_test.rego").write_text(
        "package tvaers.canary_test\n\nimport rego.v1\n\nimport data.tvaers\n\n"
        "test_wrong if {\n\ttvaers.decision.allow == true with input as {}\n}\n"
    )
    assert discover_tests(tmp_path)[0].rule == "test_wrong"
    canary = _regorus_value(_regorus_with_tests(tmp_path), "data.tvaers.canary_test.test_wrong")
    assert canary is not True
    oracle = OpaOracle(tmp_path, include_tests=True)
    try:
        assert oracle.document("tvaers.canary_test.test_wrong") is None
    finally:
        oracle.close()


def test_every_rule_file_has_a_test_neighbour() -> None:
    for module in policy_modules(POLICIES_DIR):
        neighbour = module.with_name(module.stem + "_test.rego")
        assert neighbour.is_file(), f"{module} has no {neighbour.name}"


def test_every_denial_rule_carries_metadata() -> None:
    rules = [rule for module in policy_modules(POLICIES_DIR) for rule in denial_rules(module)]
    assert len(rules) >= 12
    codes = []
    for rule in rules:
        where = f"{rule.path.name}:{rule.line}"
        assert rule.metadata.get("title"), f"{where} has no METADATA title"
        assert rule.metadata.get("description"), f"{where} has no METADATA description"
        code = rule.metadata.get("custom.short_name", "")
        assert re.fullmatch(r"[a-z_]+", code), f"{where} has no custom.short_name"
        # The code the rule emits is the one its metadata documents.
        assert f'"{code}"' in rule.body, f"{where} does not emit {code}"
        codes.append(code)
    assert len(codes) == len(set(codes))
    assert {
        "unknown_purpose",
        "unknown_department",
        "department_not_allowed",
        "role_not_allowed",
        "unknown_category",
        "category_not_in_purpose",
        "consent_withdrawn",
        "consent_expired",
        "consent_not_yet_valid",
        "consent_scope",
        "outside_consent_scope",
        "consent_missing",
    } <= set(codes)


NON_PORTABLE = {
    '"%q"': re.compile(r"%q"),
    "io.jwt": re.compile(r"\bio\.jwt\."),
    "crypto": re.compile(r"\bcrypto\."),
    "rego.metadata": re.compile(r"\brego\.metadata\."),
    "template string": re.compile(r'\$"|\$`'),
    "ref head": re.compile(r"^[a-z_]\w*\.[a-z_][\w.]*(\[[^\]]*\])*\s*(:=|contains|if|\{)", re.M),
}


@pytest.mark.parametrize(
    "module",
    policy_modules(POLICIES_DIR, include_tests=True),
    ids=lambda module: module.relative_to(POLICIES_DIR).as_posix(),
)
def test_policies_stay_in_the_portable_subset(module: Path) -> None:
    # Comments may name the constructs (to warn against them); code may not.
    lines = module.read_text(encoding="utf-8").splitlines()
    source = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    for construct, pattern in NON_PORTABLE.items():
        assert not pattern.search(source), f"{module.name} uses {construct}"


def test_cli_policy_test_runs_both_engines_and_fails_on_a_false_test(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from gateway.policy.cli import policy_app

    runner = CliRunner()
    result = runner.invoke(policy_app, ["test", "--policies", str(POLICIES_DIR)])
    assert result.exit_code == 0, result.output
    assert f"regorus: {len(REGO_TESTS)}/{len(REGO_TESTS)} passed" in result.output
    assert f"opa: {len(REGO_TESTS)}/{len(REGO_TESTS)} passed" in result.output

    shutil.copytree(POLICIES_DIR, tmp_path / "policies")
    (tmp_path / "policies" / "tvaers" / "canary_test.rego").write_text(
        "package tvaers.canary_test\n\nimport rego.v1\n\ntest_wrong if {\n\t1 == 2\n}\n"
    )
    result = runner.invoke(policy_app, ["test", "--policies", str(tmp_path / "policies")])
    assert result.exit_code == 1
    assert "FAIL [regorus] tvaers.canary_test.test_wrong" in result.output
    assert "FAIL [opa] tvaers.canary_test.test_wrong" in result.output


def test_cli_policy_index_check(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from gateway.policy.cli import policy_app

    runner = CliRunner()
    assert runner.invoke(policy_app, ["index", "--check"]).exit_code == 0
    copy = tmp_path / "policies"
    shutil.copytree(POLICIES_DIR, copy)
    index_file = copy / "catalogue" / "index" / "data.json"
    index_file.write_text("{}\n")
    assert runner.invoke(policy_app, ["index", "--check", "--policies", str(copy)]).exit_code == 1
    assert runner.invoke(policy_app, ["index", "--policies", str(copy)]).exit_code == 0
    original = POLICIES_DIR / "catalogue" / "index" / "data.json"
    assert index_file.read_text() == original.read_text()
