"""Structured JSON logs (structlog) with the request id, on top of ``gateway.logging``.

Standard-library records (ours, uvicorn's, libraries') and structlog loggers render through one
formatter: one JSON object per line with time, level, logger, event and, during a request, the
``request_id`` the middleware bound. Every string value passes the CPR mask last.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

import structlog

from gateway.cpr import CPR_PATTERN

_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def redact_cpr(
    _logger: object, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Mask anything shaped like a CPR number in every string value (defence in depth)."""
    for key, value in event_dict.items():
        if isinstance(value, str) and CPR_PATTERN.search(value):
            event_dict[key] = CPR_PATTERN.sub("[CPR]", value)
    return event_dict


def json_formatter() -> logging.Formatter:
    """The formatter for the root handler: JSON lines, CPR masked."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_cpr,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
    )


def configure_structlog() -> None:
    """Route structlog loggers through the standard library, so one handler renders all."""
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
