"""FHIR resources (``fhir.resources.R4B`` models) → catalogue field names."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

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
_USABLE_OBSERVATION = frozenset({"final", "amended", "corrected"})


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
    """A WHO-5 score, or None when the Observation is not a usable WHO-5 score."""
    if observation.status not in _USABLE_OBSERVATION or not has_code(observation.code, who5_code):
        return None
    score = _number(observation.valueQuantity.value) if observation.valueQuantity else None
    raw_score: int | float | None = None
    for component in observation.component or []:
        if any(c.code == RAW_SCORE_CODE for c in component.code.coding or []):
            raw_score = component.valueInteger
    if raw_score is None and isinstance(score, int) and score % 4 == 0:
        # WHO-5 percentage is the raw score times four.
        raw_score = score // 4
    return {
        "date": iso(observation.effectiveDateTime)
        or iso(observation.effectivePeriod.start if observation.effectivePeriod else None),
        "score": score,
        "raw_score": raw_score,
    }


def rehabilitation(plan: Any) -> dict[str, Any]:
    period = plan.period
    categories = plan.category or []
    return {
        "kind": plan.title or next((c.text for c in categories if c.text), None),
        "status": _CAREPLAN_STATUS.get(plan.status, plan.status),
        "start": iso(period.start) if period else None,
        "end": iso(period.end) if period else None,
        "focus": plan.description,
        "diagnosis": next((ref.display for ref in plan.addresses or [] if ref.display), None),
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


def contact(team: Any) -> dict[str, Any]:
    member = next(
        (p.member for p in team.participant or [] if p.member is not None and p.member.display),
        None,
    )
    telecom = {t.system: t.value for t in reversed(team.telecom or [])}
    unit = team.name or (
        team.managingOrganization[0].display if team.managingOrganization else None
    )
    return {
        "name": member.display if member else None,
        "unit": unit,
        "phone": telecom.get("phone"),
        "email": telecom.get("email"),
    }
