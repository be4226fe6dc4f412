"""What a notice says, Danish first and English beside it. Never a CPR number.

Each builder takes catalogue titles and plain facts (no free text from the caller except the
DPO-facing justification, which is not repeated to the citizen), so a notice cannot carry a
CPR even when a caseworker typed one somewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from gateway.catalogue.models import Catalogue

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
FOOTER_DA = (
    "Du kan se alle opslag i dine oplysninger under »Min log« og hente en kopi af alt, "
    "Tværs har om dig, i borgerportalen."
)
FOOTER_EN = (
    "You can see every access to your data under »My log« and download a copy of "
    "everything Tværs holds about you in the citizen portal."
)


@dataclass(frozen=True, slots=True)
class NoticeText:
    subject_da: str
    subject_en: str
    body_da: str
    body_en: str


def _when(moment: datetime) -> str:
    return moment.astimezone(COPENHAGEN).strftime("%d.%m.%Y %H:%M")


def _day(moment: datetime) -> str:
    return moment.astimezone(COPENHAGEN).strftime("%d.%m.%Y")


def _titles(catalogue: Catalogue, categories: list[str], lang: str) -> str:
    names = [
        catalogue.categories[c].title.get(lang) if c in catalogue.categories else c
        for c in sorted(categories)
    ]
    return ", ".join(names) if names else "—"


def _department(catalogue: Catalogue, department: str | None, lang: str) -> str:
    found = catalogue.departments.get(department or "")
    if found is None:
        return "kommunen" if lang == "da" else "the municipality"
    return found.title.get(lang)


def _purpose(catalogue: Catalogue, purpose: str, lang: str) -> str:
    found = catalogue.purposes.get(purpose)
    return found.title.get(lang) if found else purpose


def break_glass(
    catalogue: Catalogue,
    *,
    department: str | None,
    categories: list[str],
    opened_at: datetime,
    expires_at: datetime,
) -> NoticeText:
    dept_da = _department(catalogue, department, "da")
    dept_en = _department(catalogue, department, "en")
    return NoticeText(
        subject_da="Der er set oplysninger om dig uden dit samtykke (nødadgang)",
        subject_en="Your data was accessed without your consent (emergency access)",
        body_da=(
            f"En medarbejder i {dept_da} har brugt nødadgang til dine oplysninger den "
            f"{_when(opened_at)} (til {_when(expires_at)}), fordi der var en akut situation. "
            f"Oplysningerne var: {_titles(catalogue, categories, 'da')}.\n\n"
            "Kommunens databeskyttelsesrådgiver gennemgår altid brugen af nødadgang og "
            "vurderer, om den var berettiget. " + FOOTER_DA
        ),
        body_en=(
            f"An employee of {dept_en} used emergency access to your data on "
            f"{_when(opened_at)} (until {_when(expires_at)}) because of an urgent situation. "
            f"The data was: {_titles(catalogue, categories, 'en')}.\n\n"
            "The municipality's data protection officer always reviews emergency access "
            "and decides whether it was justified. " + FOOTER_EN
        ),
    )


def consent_request(
    catalogue: Catalogue,
    *,
    purpose: str,
    department: str,
    categories: list[str],
    controller: str = "",
    dpo_contact: str = "",
    retention: str = "",
) -> NoticeText:
    # Issue 14: what the citizen must know before answering (controller, DPO, a no, withdrawal,
    # retention); the portal's request page says the same with the full notice text.
    facts_da = (
        " Siger du nej, deles oplysningerne ikke; kommunen kan så kun bruge det, den allerede "
        "har eller lovligt kan skaffe på anden måde, og din sag kan blive afgjort på det "
        "grundlag (retssikkerhedsloven § 11 b). Du kan trække et samtykke tilbage når som "
        f"helst. Dataansvarlig: {controller}. Databeskyttelsesrådgiver: {dpo_contact}. "
        f"Opbevaring: {retention}."
        if controller
        else ""
    )
    facts_en = (
        " If you say no, the information is not shared; the municipality can then use only "
        "what it already has or can lawfully obtain otherwise, and your case may be decided on "
        "that basis (retssikkerhedsloven § 11 b). You can withdraw a consent at any time. "
        f"Controller: {controller}. Data protection officer: {dpo_contact}. "
        f"Retention: {retention}."
        if controller
        else ""
    )
    return NoticeText(
        subject_da="Du er blevet bedt om et samtykke",
        subject_en="You have been asked for a consent",
        body_da=(
            f"{_department(catalogue, department, 'da')} beder om dit samtykke til formålet "
            f"»{_purpose(catalogue, purpose, 'da')}« "
            f"({_titles(catalogue, categories, 'da')}). Du kan sige ja eller nej under "
            "»Mine samtykker« i borgerportalen. Du bestemmer selv." + facts_da
        ),
        body_en=(
            f"{_department(catalogue, department, 'en')} asks for your consent for the "
            f"purpose »{_purpose(catalogue, purpose, 'en')}« "
            f"({_titles(catalogue, categories, 'en')}). You can say yes or no under »My "
            "consents« in the citizen portal. It is your choice." + facts_en
        ),
    )


def consent_by_representative(
    catalogue: Catalogue,
    *,
    purpose: str,
    representative: str,
    kind: str,
    withdrawn: bool,
) -> NoticeText:
    """A representative (værge / fuldmagt) gave or withdrew a consent for the citizen."""
    role_da = "Din værge" if kind == "vaerge" else "Din fuldmægtig"
    role_en = "Your guardian" if kind == "vaerge" else "Your attorney"
    did_da = "tilbagekaldt" if withdrawn else "givet"
    did_en = "withdrawn" if withdrawn else "given"
    return NoticeText(
        subject_da=f"{role_da} har {did_da} et samtykke for dig",
        subject_en=f"{role_en} has {did_en} a consent for you",
        body_da=(
            f"{role_da}, {representative}, har {did_da} et samtykke for dig til formålet "
            f"»{_purpose(catalogue, purpose, 'da')}«. Du kan se det under »Mine samtykker« og "
            "»Min log«. " + FOOTER_DA
        ),
        body_en=(
            f"{role_en}, {representative}, has {did_en} a consent for you for the purpose "
            f"»{_purpose(catalogue, purpose, 'en')}«. You can see it under »My consents« and "
            "»My log«. " + FOOTER_EN
        ),
    )


def consent_recorded(
    catalogue: Catalogue,
    *,
    purpose: str,
    department: str | None,
    categories: list[str],
    valid_until: datetime,
    pending: bool = False,
) -> NoticeText:
    # A consent awaiting confirmation (issue 14) is no basis yet; the citizen may confirm it.
    pending_da = (
        "Samtykket bruges ikke, før du selv eller den forvaltning, oplysningerne kommer fra, "
        "har bekræftet det; du kan bekræfte det under »Mine samtykker«. "
        if pending
        else ""
    )
    pending_en = (
        "The consent is not used until you or the department the information comes from has "
        "confirmed it; you can confirm it under »My consents«. "
        if pending
        else ""
    )
    return NoticeText(
        subject_da="Et samtykke fra dig er registreret",
        subject_en="A consent from you has been recorded",
        body_da=(
            f"{_department(catalogue, department, 'da')} har registreret dit samtykke til "
            f"formålet »{_purpose(catalogue, purpose, 'da')}« "
            f"({_titles(catalogue, categories, 'da')}), gyldigt til {_day(valid_until)}. "
            + pending_da
            + "Er det ikke rigtigt, eller fortryder du, kan du tilbagekalde det med det samme "
            "under »Mine samtykker«. " + FOOTER_DA
        ),
        body_en=(
            f"{_department(catalogue, department, 'en')} has recorded your consent for the "
            f"purpose »{_purpose(catalogue, purpose, 'en')}« "
            f"({_titles(catalogue, categories, 'en')}), valid until {_day(valid_until)}. "
            + pending_en
            + "If this is wrong, or you change your mind, you can withdraw it at once under "
            "»My consents«. " + FOOTER_EN
        ),
    )


def consent_confirmed(catalogue: Catalogue, *, purpose: str, department: str | None) -> NoticeText:
    return NoticeText(
        subject_da="Et samtykke fra dig er bekræftet",
        subject_en="A consent from you has been confirmed",
        body_da=(
            f"{_department(catalogue, department, 'da')} har bekræftet dit samtykke til "
            f"formålet »{_purpose(catalogue, purpose, 'da')}«. "
            "Er det ikke rigtigt, eller fortryder du, kan du tilbagekalde det med det samme "
            "under »Mine samtykker«. " + FOOTER_DA
        ),
        body_en=(
            f"{_department(catalogue, department, 'en')} has confirmed your consent for the "
            f"purpose »{_purpose(catalogue, purpose, 'en')}«. "
            "If this is wrong, or you change your mind, you can withdraw it at once under "
            "»My consents«. " + FOOTER_EN
        ),
    )


def consent_expiring(catalogue: Catalogue, *, purpose: str, valid_until: datetime) -> NoticeText:
    return NoticeText(
        subject_da="Dit samtykke udløber snart",
        subject_en="Your consent expires soon",
        body_da=(
            f"Dit samtykke til formålet »{_purpose(catalogue, purpose, 'da')}« udløber den "
            f"{_day(valid_until)}. Derefter deles oplysningerne ikke længere. Du behøver ikke "
            "gøre noget; din sagsbehandler spørger, hvis der er brug for et nyt samtykke."
        ),
        body_en=(
            f"Your consent for the purpose »{_purpose(catalogue, purpose, 'en')}« expires on "
            f"{_day(valid_until)}. After that the data is no longer shared. You need not do "
            "anything; your caseworker will ask if a new consent is needed."
        ),
    )


def consent_withdrawn(catalogue: Catalogue, *, purpose: str, at: datetime) -> NoticeText:
    return NoticeText(
        subject_da="Dit samtykke er tilbagekaldt",
        subject_en="Your consent has been withdrawn",
        body_da=(
            f"Dit samtykke til formålet »{_purpose(catalogue, purpose, 'da')}« er "
            f"tilbagekaldt den {_when(at)}. Fra nu af deles oplysningerne ikke længere på "
            "grundlag af det."
        ),
        body_en=(
            f"Your consent for the purpose »{_purpose(catalogue, purpose, 'en')}« was "
            f"withdrawn on {_when(at)}. From now on no data is shared on its basis."
        ),
    )


def statute_disclosure(
    catalogue: Catalogue,
    *,
    purpose: str,
    department: str | None,
    categories: list[str],
    at: datetime,
) -> NoticeText:
    citation = ""
    found = catalogue.purposes.get(purpose)
    if found is not None and found.basis.citation:
        citation = found.basis.citation
    return NoticeText(
        subject_da="Oplysninger om dig er delt med hjemmel i lov",
        subject_en="Data about you was shared under the law",
        body_da=(
            f"{_department(catalogue, department, 'da')} har den {_when(at)} fået "
            f"oplysninger om dig til formålet »{_purpose(catalogue, purpose, 'da')}« "
            f"({_titles(catalogue, categories, 'da')}) uden samtykke, med hjemmel i "
            f"{citation or 'lovgivningen'}. " + FOOTER_DA
        ),
        body_en=(
            f"{_department(catalogue, department, 'en')} received data about you on "
            f"{_when(at)} for the purpose »{_purpose(catalogue, purpose, 'en')}« "
            f"({_titles(catalogue, categories, 'en')}) without consent, under "
            f"{citation or 'the law'}. " + FOOTER_EN
        ),
    )
