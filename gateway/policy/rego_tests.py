"""Running the policy's own Rego unit tests (``*_test.rego``) on an engine.

Used by ``tvaers policy test`` and by the pytest suite. A test is a rule named
``test_*`` in a ``*_test.rego`` module; it passes when it evaluates to
``true`` (a failing test is undefined).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import regorus

from gateway.policy.files import load_policy_data, policy_modules

PACKAGE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)
TEST_RULE = re.compile(r"^(test_\w+)\b", re.MULTILINE)


@dataclass(frozen=True)
class RegoTest:
    """One ``test_*`` rule: its package, name and file."""

    package: str
    rule: str
    path: Path

    @property
    def test_id(self) -> str:
        return f"{self.package}.{self.rule}"


def package_of(source: str) -> str:
    """The package a Rego module declares."""
    match = PACKAGE.search(source)
    if match is None:
        raise ValueError("no package declaration")
    return match.group(1)


def discover_tests(policies_dir: Path) -> list[RegoTest]:
    """Every ``test_*`` rule under ``policies_dir`` (``opa fmt`` layout: heads in column 0)."""
    tests: list[RegoTest] = []
    for path in sorted(policies_dir.rglob("*_test.rego")):
        source = path.read_text(encoding="utf-8")
        names = dict.fromkeys(TEST_RULE.findall(source))  # ordered, unique
        tests.extend(RegoTest(package_of(source), name, path) for name in names)
    return tests


def regorus_with_tests(policies_dir: Path) -> regorus.Engine:
    """A regorus engine holding the policy, its tests and the policy data."""
    engine = regorus.Engine()
    for module in policy_modules(policies_dir, include_tests=True):
        engine.add_policy(
            module.relative_to(policies_dir).as_posix(), module.read_text(encoding="utf-8")
        )
    engine.add_data(load_policy_data(policies_dir))
    engine.set_input({})
    return engine


def run_on_regorus(policies_dir: Path) -> Iterator[tuple[RegoTest, bool]]:
    """Yield each test with whether it passed on regorus."""
    engine = regorus_with_tests(policies_dir)
    for test in discover_tests(policies_dir):
        # An undefined rule comes back as the JSON string "<undefined>".
        yield test, json.loads(engine.eval_rule_as_json(f"data.{test.test_id}")) is True


def run_on_opa(policies_dir: Path) -> Iterator[tuple[RegoTest, bool]]:
    """Yield each test with whether it passed on real OPA (``opa-golib-python-bindings``).

    Raises ``ImportError`` when the bindings are not installed.
    """
    from opa_bindings import OpaEngine, OpaUndefinedError

    engine = OpaEngine()
    try:
        for module in policy_modules(policies_dir, include_tests=True):
            engine.add_policy(
                module.relative_to(policies_dir).as_posix(), module.read_text(encoding="utf-8")
            )
        engine.add_data(load_policy_data(policies_dir))
        for test in discover_tests(policies_dir):
            try:
                value = engine.eval_document(test.test_id, {})
            except OpaUndefinedError:
                value = None
            yield test, value is True
    finally:
        engine.close()
