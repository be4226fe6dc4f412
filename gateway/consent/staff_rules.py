"""Who may record which consent, and who must confirm it before it is a basis (issue 14).

A consent an employee records (``written_form``, ``oral_recorded``) is written by staff, often
on the recipient side, who could use it at once. So:

* the recording employee's department *and role* must be allowed to use the purpose, exactly
  as for consent requests (a support worker cannot record for a caseworker's purpose);
* a staff-recorded consent that covers special-category data (GDPR art. 9: ``health.*``,
  ``social.substance_treatment``) from a department other than the recorder's is stored as
  ``pending_confirmation``: no basis for anything until the source department confirms it
  (for health data a health professional in the health department, who records it in the
  journal, sundhedsloven §42) or the citizen confirms it in the portal;
* the recorder never confirms their own consent, and a department confirms only for itself;
* defence in depth: a staff-recorded consent marked ``active`` without a confirmation (an old
  row, or one edited behind the gateway's back) is still never a basis for such categories.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from gateway.auth.principal import Principal
from gateway.catalogue.models import Catalogue, Purpose
from gateway.consent.models import ConsentRow
from gateway.errors import Conflict, ConsentNotFound, InvalidRequest, NotPermitted
from gateway.text import Text

STAFF_RECORDED_METHODS = frozenset({"written_form", "oral_recorded"})
PENDING = "pending_confirmation"

#: The roles that confirm a staff-recorded consent for their department's special-category
#: data. Health data: a health professional (sundhedsloven §42, the journal). A department
#: not named here cannot confirm at all; the citizen still can.
CONFIRMING_ROLES: dict[str, frozenset[str]] = {
    "health": frozenset({"health_professional"}),
    "social": frozenset({"caseworker", "coordinator"}),
}

_NOT_FOUND = Text(da="Samtykket findes ikke", en="consent not found")


def special_categories(catalogue: Catalogue, categories: Iterable[str]) -> list[str]:
    """The special-category (art. 9) ids among ``categories``."""
    return sorted(
        c
        for c in categories
        if c in catalogue.categories and catalogue.categories[c].sensitivity == "special"
    )


def confirming_departments(
    catalogue: Catalogue,
    categories: Iterable[str],
    *,
    collection_method: str,
    recorder_department: str | None,
) -> list[str]:
    """The source departments that must confirm a consent before it is a basis ([] = none):
    those of its special categories, other than the recorder's, when staff recorded it."""
    if collection_method not in STAFF_RECORDED_METHODS:
        return []
    return sorted(
        {catalogue.department_of(c) for c in special_categories(catalogue, categories)}
        - {recorder_department}
    )


def usable_categories(catalogue: Catalogue, row: ConsentRow) -> tuple[str, ...]:
    """The categories a stored ``active`` consent may be a basis for. A staff-recorded one
    without a confirmation never covers another department's special-category data."""
    found = tuple(row.categories)
    if row.collection_method not in STAFF_RECORDED_METHODS or row.confirmed_at is not None:
        return found
    unconfirmed = set(
        confirming_departments(
            catalogue,
            found,
            collection_method=row.collection_method,
            recorder_department=row.recorded_by_department,
        )
    )
    return tuple(c for c in found if catalogue.department_of(c) not in unconfirmed)


def check_staff_recorded(principal: Principal, purpose: Purpose) -> None:
    """Refuse an employee-recorded consent for a purpose their department or role may not
    use."""
    if principal.department not in purpose.requesting_departments or not set(principal.roles) & set(
        purpose.roles
    ):
        raise NotPermitted(
            Text(
                da="Din forvaltning eller rolle kan ikke registrere samtykke til dette formål",
                en="your department or role cannot record consent for this purpose",
            ),
            code="role_cannot_record_purpose",
        )


def check_confirmable(row: ConsentRow, *, now: datetime, department: str | None = None) -> None:
    """Only a consent still pending, not withdrawn and not expired can be confirmed (a
    replayed confirmation finds it active, or its department done, and is refused)."""
    if row.status == "withdrawn":
        raise Conflict(
            Text(da="Samtykket er tilbagekaldt", en="the consent is withdrawn"),
            code="consent_not_pending",
        )
    if row.valid_until <= now:
        raise Conflict(
            Text(da="Samtykket er udløbet", en="the consent has expired"),
            code="consent_not_pending",
        )
    done = department is not None and department not in (row.awaiting_confirmation or [])
    if row.status != PENDING or done:
        raise Conflict(
            Text(da="Samtykket afventer ikke bekræftelse", en="the consent is not pending"),
            code="consent_not_pending",
        )


def check_staff_confirmer(
    principal: Principal, row: ConsentRow, catalogue: Catalogue, *, evidence_ref: str | None
) -> str:
    """The department ``principal`` confirms for. A department that was never asked to
    confirm gets the same answer as for a missing consent (no oracle); the right department
    with the wrong role, or the recorder themselves, is refused."""
    asked = confirming_departments(
        catalogue,
        row.categories,
        collection_method=row.collection_method,
        recorder_department=row.recorded_by_department,
    )
    department = principal.department
    if department is None or department not in asked + list(row.awaiting_confirmation or []):
        raise ConsentNotFound(_NOT_FOUND)
    if principal.subject == row.recorded_by:
        raise NotPermitted(
            Text(
                da="Den, der registrerede samtykket, kan ikke selv bekræfte det",
                en="the recorder cannot confirm their own consent",
            ),
            code="recorder_cannot_confirm",
        )
    if not set(principal.roles) & CONFIRMING_ROLES.get(department, frozenset()):
        raise NotPermitted(
            Text(
                da="Din rolle kan ikke bekræfte samtykket (for helbredsdata: sundhedsfaglig)",
                en="your role cannot confirm this consent (health data: a health professional)",
            ),
            code="role_cannot_confirm",
        )
    if not evidence_ref:
        raise InvalidRequest(
            Text(
                da="Henvisning til journalnotat eller anden dokumentation (evidence_ref) er "
                "påkrævet",
                en="evidence_ref (journal note or other record) required",
            ),
            code="evidence_required",
        )
    return department
