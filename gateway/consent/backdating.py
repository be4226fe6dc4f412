"""A consent starts when it is recorded: ``valid_from`` is never backdated.

Backdating would sign into the receipt that data could be shared before anyone recorded the
consent (and would let a view's audit entry claim a basis that did not exist then). A paper
form signed earlier is recorded with its date as ``evidence_date``; the consent itself is
valid from now. A small clock skew between the caller and the gateway is tolerated.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gateway.consent.schemas import ConsentCreate
from gateway.errors import InvalidRequest

DEFAULT_CLOCK_SKEW = timedelta(minutes=5)


def check_not_backdated(body: ConsentCreate, *, now: datetime, skew: timedelta) -> None:
    """Refuse ``valid_from`` earlier than ``now - skew`` and an evidence date in the future."""
    if body.valid_from is not None and body.valid_from < now - skew:
        raise InvalidRequest(
            "Et samtykke kan ikke tilbagedateres; angiv blankettens dato som evidence_date / "
            "a consent cannot be backdated; give the form's date as evidence_date",
            code="backdated_consent",
        )
    if body.evidence_date is not None and body.evidence_date > (now + skew).date():
        raise InvalidRequest(
            "Dokumentationens dato ligger i fremtiden / evidence_date is in the future",
            code="evidence_date_in_future",
        )
