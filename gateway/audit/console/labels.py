"""Readable names for the machine values in audit entries (actions, outcomes, phases).

Used by the DPO console's table (``gateway/web/staff_text.py`` registers them as
``dpo.value.<id>``) and by the CSV export, which puts these Danish names in its main columns
and keeps the machine ids in columns of their own (``*_id``). A value not listed here is shown
as itself.
"""

from __future__ import annotations

from gateway.catalogue.models import Catalogue
from gateway.text import Text

VALUE_LABELS: dict[str, Text] = {
    # outcomes
    "granted": Text(da="Udleveret", en="Granted"),
    "partial": Text(da="Delvist udleveret", en="Partly granted"),
    "denied": Text(da="Afvist", en="Denied"),
    "unavailable": Text(da="Utilgængelig", en="Unavailable"),
    "error": Text(da="Fejl", en="Error"),
    "permitted": Text(da="Tilladt", en="Permitted"),
    "success": Text(da="Udført", en="Done"),
    "rate_limited": Text(da="Afvist: for mange forsøg", en="Refused: too many attempts"),
    # phases
    "intent": Text(da="Forespørgsel", en="Intent"),
    "outcome": Text(da="Resultat", en="Outcome"),
    "event": Text(da="Hændelse", en="Event"),
    # actions
    "view.read": Text(da="Opslag (delt visning)", en="Look-up (shared view)"),
    "consent.create": Text(da="Samtykke registreret", en="Consent recorded"),
    "consent.withdraw": Text(da="Samtykke trukket tilbage", en="Consent withdrawn"),
    "consent.search": Text(da="Søgning i samtykker", en="Consent search"),
    "consent_request.create": Text(da="Anmodning om samtykke", en="Consent request"),
    "consent_request.approve": Text(da="Anmodning godkendt", en="Request approved"),
    "consent_request.decline": Text(da="Anmodning afslået", en="Request declined"),
    "audit.search_citizen": Text(da="Revisionssøgning på borger", en="Audit search by citizen"),
    "audit.export_csv": Text(da="Eksport (CSV)", en="Export (CSV)"),
    "audit.export_signed": Text(da="Signeret eksport", en="Signed export"),
    "audit.purge": Text(da="Sletning efter opbevaringstid", en="Retention purge"),
    "anomaly.triage": Text(da="Afvigelse behandlet", en="Anomaly triaged"),
    "break_glass.review": Text(da="Nødadgang vurderet", en="Emergency access reviewed"),
    "citizen.export": Text(da="Borgerens egen kopi", en="Citizen's own copy"),
    "notice.preferences": Text(da="Underretningsvalg ændret", en="Notice preferences changed"),
    "notice.email": Text(da="Underretning (e-mail)", en="Notice (e-mail)"),
}
# Departments that are not in the catalogue (they never hold citizen data).
EXTRA_DEPARTMENTS: dict[str, Text] = {
    "administration": Text(da="Administrationen", en="Administration"),
}
EXTRA_ROLES: dict[str, Text] = {
    "dpo": Text(da="Databeskyttelsesrådgiver", en="Data protection officer"),
}


def value_label(value: str, lang: str = "da") -> str:
    label = VALUE_LABELS.get(value)
    return label.get(lang) if label else value


def department_label(catalogue: Catalogue, department: str | None, lang: str = "da") -> str:
    if not department:
        return ""
    found = catalogue.departments.get(department)
    if found is not None:
        return found.title.get(lang)
    extra = EXTRA_DEPARTMENTS.get(department)
    return extra.get(lang) if extra else department


def role_label(catalogue: Catalogue, role: str, lang: str = "da") -> str:
    found = catalogue.roles.get(role) or EXTRA_ROLES.get(role)
    return found.get(lang) if found else role


def purpose_label(catalogue: Catalogue, purpose: str | None, lang: str = "da") -> str:
    if not purpose:
        return ""
    found = catalogue.purposes.get(purpose)
    return found.title.get(lang) if found else purpose


def category_label(catalogue: Catalogue, category: str, lang: str = "da") -> str:
    found = catalogue.categories.get(category)
    return found.title.get(lang) if found else category
