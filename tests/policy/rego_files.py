"""Reading the Rego sources: test rules and denial-rule METADATA.

A light line-based reader, enough for the conventions these files follow
(``opa fmt`` layout: rule heads start in column 0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PACKAGE = re.compile(r"^package\s+([\w.]+)", re.MULTILINE)
TEST_RULE = re.compile(r"^(test_\w+)\b", re.MULTILINE)
DENY_RULE = re.compile(r"^deny contains ")


@dataclass(frozen=True)
class RegoTest:
    package: str
    rule: str
    path: Path

    @property
    def test_id(self) -> str:
        return f"{self.package}.{self.rule}"


@dataclass(frozen=True)
class DenialRule:
    path: Path
    line: int
    metadata: dict[str, str]
    body: str


def package_of(source: str) -> str:
    match = PACKAGE.search(source)
    if match is None:
        raise ValueError("no package declaration")
    return match.group(1)


def discover_tests(policies_dir: Path) -> list[RegoTest]:
    tests: list[RegoTest] = []
    for path in sorted(policies_dir.rglob("*_test.rego")):
        source = path.read_text(encoding="utf-8")
        package = package_of(source)
        names = dict.fromkeys(TEST_RULE.findall(source))  # ordered, unique
        tests.extend(RegoTest(package, name, path) for name in names)
    return tests


def _metadata(comment_lines: list[str]) -> dict[str, str]:
    """Flatten a METADATA YAML block to ``key -> text`` (nested keys dotted)."""
    result: dict[str, str] = {}
    parents: list[tuple[int, str]] = []
    last_key = ""
    for raw in comment_lines:
        line = raw[1:].removeprefix(" ") if raw.startswith("#") else raw
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        key, sep, value = line.strip().partition(":")
        if sep and re.fullmatch(r"\w+", key):
            while parents and parents[-1][0] >= indent:
                parents.pop()
            last_key = ".".join([name for _, name in parents] + [key])
            value = value.strip()
            if value in ("", ">-", ">", "|"):
                parents.append((indent, key))
                result[last_key] = ""
            else:
                result[last_key] = value
        elif last_key:
            result[last_key] = (result[last_key] + " " + line.strip()).strip()
    return result


def denial_rules(path: Path) -> list[DenialRule]:
    lines = path.read_text(encoding="utf-8").splitlines()
    rules: list[DenialRule] = []
    for index, line in enumerate(lines):
        if not DENY_RULE.match(line):
            continue
        comments: list[str] = []
        cursor = index - 1
        while cursor >= 0 and lines[cursor].startswith("#"):
            comments.insert(0, lines[cursor])
            cursor -= 1
        metadata: dict[str, str] = {}
        if comments and comments[0].strip() == "# METADATA":
            metadata = _metadata(comments[1:])
        end = index + 1
        while end < len(lines) and lines[end] != "}":
            end += 1
        rules.append(DenialRule(path, index + 1, metadata, "\n".join(lines[index : end + 1])))
    return rules
