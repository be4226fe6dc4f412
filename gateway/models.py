"""Imports every table so that ``Base.metadata`` is complete (for Alembic)."""

from gateway.audit.entries.models import AuditEntryRow
from gateway.consent.models import CitizenRow, ConsentRequestRow, ConsentRow
from gateway.shared_state.models import JobRow, RateWindowRow

__all__ = [
    "AuditEntryRow",
    "CitizenRow",
    "ConsentRequestRow",
    "ConsentRow",
    "JobRow",
    "RateWindowRow",
]
