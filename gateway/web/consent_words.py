"""What a citizen reads about a consent: whole sentences, Danish first, English beside them.

The sentences are built here, not in templates, so that each one can be tested exactly as a
citizen reads it. The purpose's ``aim`` in the catalogue is a verb phrase ("afklare …"), so
"for at {aim}" is a Danish sentence with a verb; lists end with "og" / "and"; titles keep
their case (CTI, WHO-5, IPS).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from gateway.web.i18n import register, translate
from gateway.web.timefmt import format_date

register(
    {
        "consent.and": {"da": "og", "en": "and"},
        "consent.sentence": {
            "da": "{recipients} må se oplysninger om dig fra {sources} for at {aim}.",
            "en": "{recipients} may see information about you from {sources} to {aim}.",
        },
        "consent.sentence_if_yes": {
            "da": "Hvis du siger ja, må {recipients} se oplysninger om dig fra {sources} "
            "for at {aim}.",
            "en": "If you say yes, {recipients} may see information about you from {sources} "
            "to {aim}.",
        },
        "consent.sentence_withdrawn": {
            "da": "Du trak samtykket tilbage den {date}. Indtil da måtte {recipients} se "
            "oplysninger om dig fra {sources} for at {aim}.",
            "en": "You took the consent back on {date}. Until then, {recipients} could see "
            "information about you from {sources} to {aim}.",
        },
        "consent.sentence_expired": {
            "da": "Samtykket udløb den {date}. Indtil da måtte {recipients} se oplysninger om "
            "dig fra {sources} for at {aim}.",
            "en": "The consent expired on {date}. Until then, {recipients} could see "
            "information about you from {sources} to {aim}.",
        },
        "consent.kept": {
            "da": "Det, de fik, mens samtykket gjaldt, og som står i din sag, bliver i sagen. "
            "Nye oplysninger kan de ikke se.",
            "en": "What they received while the consent was in force and put in your case "
            "file stays there. They cannot see anything new.",
        },
    }
)


def join_words(items: Sequence[str], lang: str) -> str:
    """``A``, ``A og B``, ``A, B og C`` (English: ``A, B and C``)."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {translate('consent.and', lang)} {items[-1]}"


def shown_sources(sources: Sequence[str], recipients: Sequence[str]) -> list[str]:
    """The departments the information comes from, without a lone recipient's own department:
    "the jobcentre may see information from the jobcentre" says nothing to a citizen."""
    if len(recipients) == 1:
        others = [s for s in sources if s not in recipients]
        if others:
            return others
    return list(sources)


def present_sentence(
    *, recipients: Sequence[str], sources: Sequence[str], aim: str, lang: str, pending: bool
) -> str:
    """Who may see what and why; for a request not yet answered, what a "yes" would allow."""
    key = "consent.sentence_if_yes" if pending else "consent.sentence"
    return translate(
        key,
        lang,
        recipients=join_words(recipients, lang),
        sources=join_words(sources, lang),
        aim=aim,
    )


def past_sentence(
    *,
    recipients: Sequence[str],
    sources: Sequence[str],
    aim: str,
    lang: str,
    withdrawn_at: datetime | None,
    valid_until: datetime,
) -> str:
    """A consent that no longer holds, in the past tense with its date, and what the
    recipients keep (what is already in the case file stays there)."""
    if withdrawn_at is not None:
        key, moment = "consent.sentence_withdrawn", withdrawn_at
    else:
        key, moment = "consent.sentence_expired", valid_until
    first = translate(
        key,
        lang,
        date=format_date(moment, lang),
        recipients=join_words(recipients, lang),
        sources=join_words(sources, lang),
        aim=aim,
    )
    return f"{first} {translate('consent.kept', lang)}"
