"""When an operator may purge audit entry bodies, and what the purge records about itself.

The configured retention (``TVAERS_AUDIT_RETENTION_DAYS``; unset = keep for ever) is a floor:
a shorter ``--days`` needs an explicit override naming a case or decision reference. Every
purge is an ``audit.purge`` entry with the operator, the period, the cutoff and the override.
"""

from __future__ import annotations

import getpass
import re
from datetime import datetime

from gateway.audit.log.sequencer import PurgeRecord

_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class PurgeRefused(Exception):
    """The purge would go below the configured retention without a valid override."""


def _operator() -> str:
    try:
        return f"operator:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (e.g. a container without passwd entry)
        return "operator:unknown"


def purge_record(
    *, days: int, configured: int | None, override: str | None, cutoff: datetime
) -> PurgeRecord:
    """The audit record for this purge, or ``PurgeRefused``."""
    below = configured is None or days < configured
    if override is not None and not _REFERENCE.fullmatch(override):
        raise PurgeRefused(
            "--override-retention skal være en reference (a-z, 0-9, -, _; højst 64 tegn) / "
            "must be a reference (letters, digits, - and _; at most 64)"
        )
    if below and override is None:
        floor = "for evigt / for ever" if configured is None else f"{configured}"
        raise PurgeRefused(
            f"--days {days} er under den konfigurerede opbevaring ({floor}); angiv "
            f"--override-retention REF / below the configured retention ({floor} days): give "
            "--override-retention REF (recorded in the audit log)"
        )
    used = override if below and override is not None else "none"
    return PurgeRecord(
        actor=_operator(),
        reason=f"retention_days={days};override={used};cutoff={cutoff:%Y-%m-%d}",
        always=True,
    )
