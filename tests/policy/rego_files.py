"""Reading the Rego sources: test rules and denial-rule METADATA.

A light line-based reader, enough for the conventions these files follow
(``opa fmt`` layout: rule heads start in column 0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gateway.policy.rego_tests import RegoTest, discover_tests, package_of

__all__ = ["DenialRule", "RegoTest", "denial_rules", "discover_tests", "package_of"]

DENY_RULE = re.compile(r"^deny contains ")


@dataclass(frozen=True)
class DenialRule:
    path: Path
    line: int
    metadata: dict[str, str]
    body: str


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
