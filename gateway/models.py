"""Imports every table so that ``Base.metadata`` is complete (for Alembic)."""

from gateway.audit.console.triage_models import AnomalyTriageRow
from gateway.audit.entries.models import AuditEntryRow
from gateway.breakglass.models import BreakGlassEpisodeRow
from gateway.consent.models import CitizenRow, ConsentRequestRow, ConsentRow
from gateway.notices.models import NoticeContactRow, NoticeDeliveryRow, NoticeRow
from gateway.shared_state.models import JobRow, RateWindowRow

__all__ = [
    "AnomalyTriageRow",
    "AuditEntryRow",
    "BreakGlassEpisodeRow",
    "CitizenRow",
    "ConsentRequestRow",
    "ConsentRow",
    "JobRow",
    "NoticeContactRow",
    "NoticeDeliveryRow",
    "NoticeRow",
    "RateWindowRow",
]
