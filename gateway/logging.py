"""Logging set-up with a last-line filter that masks anything shaped like a CPR number.

Code never logs CPR numbers; this filter is defence in depth for third-party messages.
"""

from __future__ import annotations

import logging

from gateway.cpr import CPR_PATTERN

__all__ = ["CPR_PATTERN", "QUIET_LIBRARIES", "CprRedactingFilter", "configure_logging"]

#: Libraries whose INFO lines are per request and are kept out of the log.
QUIET_LIBRARIES = ("httpx", "httpcore")


class CprRedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if CPR_PATTERN.search(message):
            record.msg = CPR_PATTERN.sub("[CPR]", message)
            record.args = None
        return True


def configure_logging(level: str = "INFO", *, json_format: bool = False) -> None:
    """Install (or re-format) the root handler; ``json_format`` gives structlog JSON lines."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if any(isinstance(f, CprRedactingFilter) for f in h.filters)]
    if ours:
        handler = ours[0]
    else:
        handler = logging.StreamHandler()
        handler.addFilter(CprRedactingFilter())
        root.addHandler(handler)
    if json_format:
        from gateway.observability.logs import configure_structlog, json_formatter

        configure_structlog()
        handler.setFormatter(json_formatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.setLevel(level)
    # httpx logs one INFO line per outbound request (nine per shared view): noise that cost
    # about a tenth of the gateway's CPU per view (issue 16). Connector failures are logged
    # by the connectors and audited; httpx's own warnings and errors still pass.
    for chatty in QUIET_LIBRARIES:
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
