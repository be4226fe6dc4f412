"""Matrices as Markdown tables: printed at the end of the test run, kept in docs.

Tests call :func:`publish` with a rendered table; this module is a pytest plugin (registered
in ``tests/conftest.py``) that prints every published table in the terminal summary.
:func:`check_or_write_doc` asserts that ``docs/security-tests.md`` holds the same table
between its markers (a stale document fails), or, with ``TVAERS_WRITE_SECURITY_DOCS=1``,
writes it there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "security-tests.md"
WRITE_ENV = "TVAERS_WRITE_SECURITY_DOCS"

published: dict[str, str] = {}


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table; ``|`` in cells escaped."""

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def publish(name: str, table: str) -> None:
    """Show ``table`` in the test output and keep it for the document section ``name``."""
    published[name] = table


def _markers(name: str) -> tuple[str, str]:
    return (f"<!-- BEGIN GENERATED: {name} -->", f"<!-- END GENERATED: {name} -->")


def section_in_doc(name: str, text: str | None = None) -> str | None:
    """The generated section ``name`` of the document (``None`` if it has no markers)."""
    text = DOC.read_text(encoding="utf-8") if text is None else text
    begin, end = _markers(name)
    found = re.search(re.escape(begin) + r"\n(.*?)" + re.escape(end), text, re.S)
    return found.group(1) if found else None


def check_or_write_doc(name: str, table: str) -> None:
    """Write the section (``TVAERS_WRITE_SECURITY_DOCS=1``) or assert it is current."""
    text = DOC.read_text(encoding="utf-8")
    current = section_in_doc(name, text)
    assert current is not None, f"docs/security-tests.md has no markers for {name!r}"
    if os.environ.get(WRITE_ENV) == "1":
        begin, end = _markers(name)
        DOC.write_text(text.replace(f"{begin}\n{current}{end}", f"{begin}\n{table}{end}"))
        return
    assert current == table, (
        f"docs/security-tests.md is stale for {name!r}: regenerate it with "
        f"`{WRITE_ENV}=1 .venv/bin/python -m pytest tests/security tests/reliability`"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    tables = dict(published)
    if not tables and terminalreporter.config.pluginmanager.hasplugin("xdist"):
        # Under pytest-xdist the tests ran in workers: print the document's sections, which the
        # tests asserted equal to what they computed (a stale one failed its test).
        text = DOC.read_text(encoding="utf-8")
        names = re.findall(r"<!-- BEGIN GENERATED: (.*?) -->", text)
        tables = {name: section_in_doc(name, text) or "" for name in names}
    for name, table in tables.items():
        terminalreporter.section(name)
        terminalreporter.write(table)
