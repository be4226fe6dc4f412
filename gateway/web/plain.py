"""Consents and log entries in plain words, from the catalogue's Danish and English texts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.catalogue.models import Catalogue
from gateway.consent.models import ConsentRequestRow, ConsentRow
from gateway.consent.service import effective_status
from gateway.web.consent_words import join_words, past_sentence, present_sentence, shown_sources


@dataclass(frozen=True)
class Shared:
    """One kind of information, and the department it comes from."""

    category: str
    title: str
    department: str
    fields: list[str]
    special: bool


def department_title(catalogue: Catalogue, department: str | None, lang: str) -> str:
    if department is None:
        return ""
    found = catalogue.departments.get(department)
    if found is not None:
        return found.title.get(lang)
    return {"administration": {"da": "Administrationen", "en": "Administration"}}.get(
        department, {"da": department, "en": department}
    )[lang if lang == "en" else "da"]


def role_titles(catalogue: Catalogue, roles: list[str], lang: str) -> str:
    extra = {"dpo": {"da": "Databeskyttelsesrådgiver", "en": "Data protection officer"}}
    names = []
    for role in roles:
        text = catalogue.roles.get(role)
        names.append(text.get(lang) if text else extra.get(role, {}).get(lang, role))
    return ", ".join(names)


def shared_items(
    catalogue: Catalogue,
    purpose: str,
    categories: list[str],
    lang: str,
    *,
    granted: dict[str, list[str]] | None = None,
) -> list[Shared]:
    """What is shared; ``granted`` (a consent's fields when given) wins over the catalogue."""
    allowed = catalogue.purposes[purpose].categories if purpose in catalogue.purposes else {}
    if granted is not None:
        allowed = granted
    items = []
    for cid in categories:
        cat = catalogue.categories.get(cid)
        if cat is None:
            items.append(Shared(cid, cid, "", [], False))
            continue
        fields = [cat.fields[f].get(lang) for f in allowed.get(cid, []) if f in cat.fields]
        items.append(
            Shared(
                category=cid,
                title=cat.title.get(lang),
                department=department_title(catalogue, cat.department, lang),
                fields=fields,
                special=cat.sensitivity == "special",
            )
        )
    return items


def category_titles(catalogue: Catalogue, categories: list[str], lang: str) -> str:
    return ", ".join(
        catalogue.categories[c].title.get(lang) if c in catalogue.categories else c
        for c in categories
    )


def acted_by(record: dict[str, Any] | None) -> dict[str, Any] | None:
    """A representative's record (``Authority.record`` / an audit entry's ``representation``)
    for a page: name, kind, authority reference and its expiry as a datetime."""
    if not record:
        return None
    until = record.get("authority_valid_until")
    try:
        expiry = datetime.fromisoformat(str(until).replace("Z", "+00:00"))
    except ValueError:
        expiry = None
    return {
        "name": record.get("representative_name") or "",
        "kind": "vaerge" if record.get("kind") == "vaerge" else "fuldmagt",
        "ref": record.get("authority_ref") or "",
        "until": expiry,
    }


def describe(
    catalogue: Catalogue, row: ConsentRow | ConsentRequestRow, lang: str, *, now: datetime
) -> dict[str, Any]:
    """Who may see what, from which department, why and until when — as whole sentences.

    ``sentence`` is in the tense of the consent's state: present while it holds, conditional
    for a request awaiting an answer, past (with its date, and what the recipients keep) once
    withdrawn or expired; ``sentence_past`` is that past sentence, or empty."""
    purpose = catalogue.purposes.get(row.purpose)
    status = effective_status(row, now) if isinstance(row, ConsentRow) else row.status
    recipients = [department_title(catalogue, d, lang) for d in row.recipient_departments]
    sources = [
        department_title(catalogue, d, lang)
        for d in shown_sources(row.source_departments, row.recipient_departments)
    ]
    aim = purpose.aim.get(lang) if purpose else row.purpose
    sentence = present_sentence(
        recipients=recipients, sources=sources, aim=aim, lang=lang, pending=status == "pending"
    )
    sentence_past = ""
    if isinstance(row, ConsentRow) and status in ("withdrawn", "expired"):
        sentence_past = past_sentence(
            recipients=recipients,
            sources=sources,
            aim=aim,
            lang=lang,
            withdrawn_at=row.withdrawn_at if status == "withdrawn" else None,
            valid_until=row.valid_until,
        )
    if sentence_past:
        sentence = sentence_past
    return {
        "purpose_title": purpose.title.get(lang) if purpose else row.purpose,
        "purpose_description": purpose.description.get(lang) if purpose else "",
        "shared": shared_items(
            catalogue,
            row.purpose,
            list(row.categories),
            lang,
            granted=row.granted_fields if isinstance(row, ConsentRow) else None,
        ),
        "sources": sources,
        "recipients": recipients,
        "recipients_text": join_words(recipients, lang),
        "sentence": sentence,
        "sentence_past": sentence_past,
        "valid_until": row.valid_until,
        "status": status,
        # Issue 14: who recorded it, when not the citizen (the citizen sees every such one).
        "recorded_by_department": department_title(catalogue, row.recorded_by_department, lang)
        if isinstance(row, ConsentRow) and row.collection_method != "citizen_portal"
        else None,
        "scope": getattr(row, "scope", None),
        "granted_by": acted_by(getattr(row, "representation", None)),
        "withdrawn_by": acted_by(getattr(row, "withdrawal_representation", None)),
    }
