"""FHIR resources (``fhir.resources.R4B`` models) → catalogue field names."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from connectors.health.kl import WHO5_ITEMS, answer_value, is_who5_questionnaire
from connectors.health.manifest import RAW_SCORE_CODE

_CAREPLAN_STATUS = {
    "draft": "planlagt",
    "active": "i gang",
    "on-hold": "sat på pause",
    "revoked": "afbrudt",
    "completed": "afsluttet",
    "unknown": "ukendt",
}
_ACTIVITY_STATUS = {
    "not-started": "tilbudt",
    "scheduled": "tilbudt",
    "in-progress": "deltager",
    "on-hold": "sat på pause",
    "completed": "gennemført",
    "stopped": "afbrudt",
    "cancelled": "takket nej",
    "unknown": "ukendt",
}
_EPISODE_STATUS = {
    "planned": "planlagt",
    "waitlist": "på venteliste",
    "active": "i gang",
    "onhold": "sat på pause",
    "finished": "afsluttet",
    "cancelled": "afbrudt",
}
_USABLE_OBSERVATION = frozenset({"final", "amended", "corrected"})
_REQUEST_STATUS = {
    "draft": "kladde",
    "active": "aktiv",
    "on-hold": "sat på pause",
    "revoked": "annulleret",
    "completed": "afsluttet",
    "unknown": "ukendt",
}
# Alcohol treatment: EpisodeOfCare.status in the words treatment places use.
_TREATMENT_STATUS = {
    "planned": "venter",
    "waitlist": "venter",
    "active": "i behandling",
    "onhold": "sat på pause",
    "finished": "afsluttet",
    "cancelled": "afbrudt",
}


def iso(value: date | datetime | str | None) -> str | None:
    """FHIR date/dateTime as an ISO string; a dateTime keeps its offset."""
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _number(value: Decimal | float | int | None) -> int | float | None:
    if value is None:
        return None
    number = Decimal(value)
    return int(number) if number == number.to_integral_value() else float(number)


def has_code(concepts: list[Any] | Any | None, wanted: str) -> bool:
    """Whether a CodeableConcept (or list of them) carries ``system|code``."""
    system, _, code = wanted.rpartition("|")
    items = concepts if isinstance(concepts, list) else [concepts]
    for concept in items:
        for coding in (concept.coding or []) if concept is not None else []:
            if coding.code == code and (not system or coding.system == system):
                return True
    return False


def wellbeing(observation: Any, *, who5_code: str) -> dict[str, Any] | None:
    """A WHO-5 total-score Observation, or None when it is not a usable one.

    The value may be a ``valueQuantity`` (the 0-100 score), a ``valueInteger``
    (the 0-25 raw score) or absent, with the raw score in a ``raw-score``
    component or as five item components that add up to it.
    """
    if observation.status not in _USABLE_OBSERVATION or not has_code(observation.code, who5_code):
        return None
    score = _number(observation.valueQuantity.value) if observation.valueQuantity else None
    raw_score: int | float | None = observation.valueInteger
    components = observation.component or []
    for component in components:
        if any(c.code == RAW_SCORE_CODE for c in component.code.coding or []):
            raw_score = component.valueInteger
    items = [c.valueInteger for c in components if c.valueInteger is not None]
    if raw_score is None and len(items) == len(WHO5_ITEMS) == len(components):
        raw_score = sum(items)
    if raw_score is None and isinstance(score, int) and score % 4 == 0:
        # WHO-5 percentage is the raw score times four.
        raw_score = score // 4
    if score is None and isinstance(raw_score, int):
        score = raw_score * 4
    if score is None:
        return None
    return {
        "date": iso(observation.effectiveDateTime)
        or iso(observation.effectivePeriod.start if observation.effectivePeriod else None),
        "score": score,
        "raw_score": raw_score,
    }


def wellbeing_response(response: Any) -> dict[str, Any] | None:
    """A KL WHO-5 QuestionnaireResponse, or None when it is not a complete one."""
    if not is_who5_questionnaire(response.questionnaire):
        return None
    if response.status not in ("completed", "amended"):
        return None
    values: dict[str, int] = {}
    for position, item in enumerate(response.item or []):
        # KL's linkIds are the item names; numbered linkIds ("1".."5") are read by position.
        link = item.linkId if item.linkId in WHO5_ITEMS else None
        if link is None and item.linkId == str(position + 1) and position < len(WHO5_ITEMS):
            link = WHO5_ITEMS[position]
        answer = (item.answer or [None])[0]
        if link is None or answer is None:
            continue
        if answer.valueInteger is not None:
            value: int | None = answer.valueInteger
        elif answer.valueCoding is not None:
            value = answer_value(answer.valueCoding.code, answer.valueCoding.display)
        else:
            value = None
        if value is not None and 0 <= value <= 5:
            values[link] = value
    if len(values) != len(WHO5_ITEMS):
        return None  # an incomplete WHO-5 has no valid score
    raw = sum(values.values())
    return {"date": iso(response.authored), "score": raw * 4, "raw_score": raw}


def _concept_text(concepts: list[Any] | Any | None) -> str | None:
    items = concepts if isinstance(concepts, list) else [concepts]
    for concept in items:
        if concept is None:
            continue
        if concept.text:
            return str(concept.text)
        for coding in concept.coding or []:
            if coding.display:
                return str(coding.display)
    return None


def _referenced_text(refs: list[Any], included: Mapping[str, Any]) -> str | None:
    """A display on the reference, else the included Condition's code text."""
    for ref in refs:
        if ref is None:
            continue
        if ref.display:
            return str(ref.display)
        condition = included.get(ref.reference or "")
        if condition is not None:
            text = _concept_text(getattr(condition, "code", None))
            if text:
                return text
    return None


def rehabilitation(plan: Any, included: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A rehabilitation CarePlan; also the KL PlannedIntervention shape (code in activity)."""
    period = plan.period
    details = [a.detail for a in plan.activity or [] if a.detail is not None]
    return {
        "kind": plan.title
        or _concept_text(plan.category)
        or next((_concept_text(d.code) for d in details if d.code), None),
        "status": _CAREPLAN_STATUS.get(plan.status, plan.status),
        "start": iso(period.start) if period else None,
        "end": iso(period.end) if period else None,
        "focus": plan.description or next((d.description for d in details if d.description), None),
        "diagnosis": _referenced_text(list(plan.addresses or []), included or {}),
    }


def rehabilitation_episode(
    episode: Any, included: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A rehabilitation EpisodeOfCare (a course of care rather than a plan)."""
    period = episode.period
    diagnoses = [d.condition for d in episode.diagnosis or []]
    return {
        "kind": _concept_text(episode.type),
        "status": _EPISODE_STATUS.get(episode.status, episode.status),
        "start": iso(period.start) if period else None,
        "end": iso(period.end) if period else None,
        "focus": None,
        "diagnosis": _referenced_text(diagnoses, included or {}),
    }


def prevention(plan: Any) -> dict[str, Any]:
    activity_status = next(
        (a.detail.status for a in plan.activity or [] if a.detail is not None), None
    )
    status = (
        _ACTIVITY_STATUS.get(activity_status, activity_status)
        if activity_status
        else _CAREPLAN_STATUS.get(plan.status, plan.status)
    )
    return {
        "offer": plan.title or plan.description,
        "status": status,
        "date": iso(plan.created) or iso(plan.period.start if plan.period else None),
    }


def contact(team: Any, included: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The CareTeam's contact person: a member's display, else the included Practitioner."""
    members = [p.member for p in team.participant or [] if p.member is not None]
    name = next((m.display for m in members if m.display), None)
    if name is None:
        for member in members:
            person = (included or {}).get(member.reference or "")
            if person is not None and getattr(person, "name", None):
                human = person.name[0]
                name = human.text or " ".join([*(human.given or []), human.family or ""]).strip()
                break
    telecom = {t.system: t.value for t in reversed(team.telecom or [])}
    unit = team.name or (
        team.managingOrganization[0].display if team.managingOrganization else None
    )
    return {
        "name": name or None,
        "unit": unit,
        "phone": telecom.get("phone"),
        "email": telecom.get("email"),
    }


def referral(request: Any) -> dict[str, Any]:
    """A ServiceRequest: a referral to a health offer after WHO-5 screening."""
    return {
        "date": iso(request.authoredOn),
        "offer": _concept_text(request.code),
        "status": _REQUEST_STATUS.get(request.status, request.status),
        "reason": _concept_text(list(request.reasonCode or [])),
    }


def audit_risk_level(score: int) -> str:
    """The WHO AUDIT zone of a total score: I 0-7, II 8-15, III 16-19, IV 20-40."""
    if score >= 20:
        return "mulig afhængighed"
    if score >= 16:
        return "skadeligt forbrug"
    if score >= 8:
        return "risikabelt forbrug"
    return "lav risiko"


def alcohol_screening(observation: Any, *, audit_code: str) -> dict[str, Any] | None:
    """An AUDIT total-score Observation, or None when it is not a usable one."""
    if observation.status not in _USABLE_OBSERVATION or not has_code(observation.code, audit_code):
        return None
    score = observation.valueInteger
    if score is None and observation.valueQuantity is not None:
        score = _number(observation.valueQuantity.value)
    if not isinstance(score, int) or not 0 <= score <= 40:
        return None  # AUDIT totals are whole numbers 0-40
    return {
        "date": iso(observation.effectiveDateTime)
        or iso(observation.effectivePeriod.start if observation.effectivePeriod else None),
        "score": score,
        "risk_level": _concept_text(list(observation.interpretation or []))
        or audit_risk_level(score),
    }


def alcohol_treatment(episode: Any) -> dict[str, Any]:
    """An EpisodeOfCare of alcohol treatment (sundhedsloven § 141)."""
    period = episode.period
    organisation = episode.managingOrganization
    return {
        "kind": _concept_text(list(episode.type or [])),
        "start": iso(period.start) if period else None,
        "status": _TREATMENT_STATUS.get(episode.status, episode.status),
        "provider": organisation.display if organisation is not None else None,
    }


def work_status(plan: Any, included: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A CarePlan whose status the jobcentre follows: the newest note says what it means
    for work, and when it was written."""
    notes = sorted(plan.note or [], key=lambda n: iso(n.time) or "")
    latest = notes[-1] if notes else None
    updated = iso(latest.time) if latest is not None else None
    return {
        "course": plan.title or _concept_text(plan.category),
        "status": _CAREPLAN_STATUS.get(plan.status, plan.status),
        "updated": updated[:10] if updated else None,
        "expected_end": iso(plan.period.end) if plan.period else None,
        "work_note": latest.text if latest is not None else None,
        "diagnosis": _referenced_text(list(plan.addresses or []), included or {}),
    }
