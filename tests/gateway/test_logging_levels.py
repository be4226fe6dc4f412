"""Per-request library chatter stays out of the gateway's log (issue 16: it cost CPU per view)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from gateway.logging import QUIET_LIBRARIES, configure_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in QUIET_LIBRARIES}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, saved in levels.items():
        logging.getLogger(name).setLevel(saved)


async def test_httpx_request_lines_are_dropped_but_its_warnings_pass(
    restore_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging("INFO")
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with caplog.at_level(logging.INFO):
        logging.getLogger().setLevel(logging.INFO)  # caplog may have lowered the root
        async with httpx.AsyncClient(transport=transport) as client:
            await client.get("http://department.invalid/api")
        logging.getLogger("httpx").warning("a real problem")
        logging.getLogger("gateway.views").info("our own info line")
    names = [(record.name, record.levelno) for record in caplog.records]
    assert ("httpx", logging.INFO) not in names  # the "HTTP Request: GET ..." line
    assert ("httpx", logging.WARNING) in names
    assert ("gateway.views", logging.INFO) in names


def test_a_stricter_root_level_is_kept(restore_logging: None) -> None:
    configure_logging("ERROR")
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.ERROR
