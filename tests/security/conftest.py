"""Print the security matrices (authorization, fault injection) at the end of the run."""

from __future__ import annotations

import pytest

from tests.security.report import published


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for name, table in published.items():
        terminalreporter.section(name)
        terminalreporter.write(table)
