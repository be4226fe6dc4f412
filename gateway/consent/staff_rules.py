"""Who may record which consent, until confirmation by the source department or the citizen
exists (issue "Consent you can trust").

A consent an employee records (``written_form``, ``oral_recorded``) is self-attested by the
recipient side: the caseworker writes it and could use it at once. Until the source department
or the citizen confirms such consents, they never cover special-category data (GDPR art. 9:
``health.*``, ``social.substance_treatment``): such a consent is refused when recorded, and
one recorded earlier is ignored for those categories when the policy reads the citizen's
consents. The recording employee's department *and role* must be allowed to use the purpose,
exactly as for consent requests.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.auth.principal import Principal
from gateway.catalogue.models import Catalogue, Purpose
from gateway.errors import InvalidRequest, NotPermitted

STAFF_RECORDED_METHODS = frozenset({"written_form", "oral_recorded"})


def special_categories(catalogue: Catalogue, categories: Iterable[str]) -> list[str]:
    """The special-category (art. 9) ids among ``categories``."""
    return sorted(
        c
        for c in categories
        if c in catalogue.categories and catalogue.categories[c].sensitivity == "special"
    )


def usable_categories(
    catalogue: Catalogue, categories: Iterable[str], *, collection_method: str
) -> tuple[str, ...]:
    """The categories a stored consent may be a basis for: a staff-recorded consent never
    for special-category data."""
    found = tuple(categories)
    if collection_method not in STAFF_RECORDED_METHODS:
        return found
    special = set(special_categories(catalogue, found))
    return tuple(c for c in found if c not in special)


def check_staff_recorded(
    principal: Principal, purpose: Purpose, categories: Iterable[str], catalogue: Catalogue
) -> None:
    """Refuse an employee-recorded consent that their role may not use or that covers
    special-category data."""
    if principal.department not in purpose.requesting_departments or not set(principal.roles) & set(
        purpose.roles
    ):
        raise NotPermitted(
            "Din forvaltning eller rolle kan ikke registrere samtykke til dette formål / "
            "your department or role cannot record consent for this purpose"
        )
    special = special_categories(catalogue, categories)
    if special:
        raise InvalidRequest(
            "Samtykke til helbreds- og andre følsomme oplysninger skal gives af borgeren selv "
            "(samtykkeanmodning) / consent to special-category data must be given by the "
            f"citizen (send a consent request): {special}",
            code="special_category_needs_citizen",
        )
