"""Imports every table so that ``Base.metadata`` is complete (for Alembic)."""

from gateway.audit.entries.models import AuditEntryRow
from gateway.consent.models import CitizenRow, ConsentRequestRow, ConsentRow

__all__ = ["AuditEntryRow", "CitizenRow", "ConsentRequestRow", "ConsentRow"]
