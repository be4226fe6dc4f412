"""Turning a ``ViewResponse`` into what the caseworker's page shows, and the citizen token.

The citizen token lets the page's buttons (request consent, retry) refer to the citizen
without the CPR ever being written into the page or a URL: it is the CPR encrypted with the
gateway's data key (AES-GCM), bound to the logged-in user, so it is useless to anyone else.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gateway.auth.principal import Principal
from gateway.catalogue.models import Catalogue, Purpose
from gateway.errors import InvalidRequest
from gateway.keys import DataCipher, DecryptionError
from gateway.text import Text
from gateway.views.schemas import Section, ViewResponse
from gateway.web.script_json import escape_script_json

# Denials a consent from the citizen can cure; others (role, purpose) it cannot.
REQUESTABLE_CODES = frozenset(
    {
        "consent_missing",
        "consent_scope",
        "outside_consent_scope",
        "consent_expired",
        "consent_withdrawn",
    }
)
DEPARTMENT_ORDER = ("jobcenter", "social", "health")


class StaleCitizenToken(InvalidRequest):
    code = "stale_citizen_token"


def _aad(principal: Principal) -> bytes:
    return b"staff.citizen:" + principal.subject.encode("utf-8")


def citizen_token(cipher: DataCipher, cpr: str, principal: Principal) -> str:
    """An opaque reference to the citizen, usable only by ``principal``."""
    key_id, blob = cipher.encrypt(cpr.encode("ascii"), aad=_aad(principal))
    return f"{key_id}.{base64.urlsafe_b64encode(blob).decode('ascii')}"


def citizen_from_token(cipher: DataCipher, token: str, principal: Principal) -> str:
    """The CPR behind a token made for ``principal``; anything else is refused."""
    key_id, _, encoded = token.partition(".")
    try:
        blob = base64.urlsafe_b64decode(encoded.encode("ascii"))
        return cipher.decrypt(key_id, blob, aad=_aad(principal)).decode("ascii")
    except (DecryptionError, binascii.Error, ValueError, UnicodeError) as exc:
        raise StaleCitizenToken(
            Text(da="Siden er for gammel; søg borgeren frem igen", en="page out of date")
        ) from exc


def masked_cpr(cpr: str) -> str:
    """Birth date part only: enough to recognise the person, not the whole number."""
    return f"{cpr[:6]}-****"


def usable_purposes(catalogue: Catalogue, principal: Principal) -> dict[str, Purpose]:
    """Purposes the caller's department and role may use (the policy decides the rest)."""
    return {
        pid: purpose
        for pid, purpose in catalogue.purposes.items()
        if principal.department in purpose.requesting_departments
        and set(principal.roles) & set(purpose.roles)
    }


@dataclass
class Column:
    key: str
    label: str


@dataclass
class SectionView:
    """One section as the template shows it."""

    section: Section
    title: str
    reason: str | None
    columns: list[Column] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    chart_json: str | None = None
    requestable: bool = False

    @property
    def anchor(self) -> str:
        return "section-" + self.section.category.replace(".", "-")


@dataclass
class DepartmentGroup:
    department: str
    title: str
    sections: list[SectionView]


def _value(value: Any, lang: str) -> Any:
    """Readable cell values: Danish dates, lists of plan steps, empty for missing."""
    if value is None or value == "":
        return "–"
    if isinstance(value, list):
        return [_step(v, lang) for v in value]
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
        return day.strftime("%d.%m.%Y") if lang == "da" else day.strftime("%d/%m/%Y")
    return str(value)


def _step(item: Any, lang: str) -> str:
    if isinstance(item, dict):
        text = str(item.get("text") or item.get("title") or "")
        status = item.get("status")
        return f"{text} ({status})" if status else text
    return str(_value(item, lang))


def present(
    response: ViewResponse, catalogue: Catalogue, *, lang: str
) -> tuple[list[DepartmentGroup], list[str]]:
    """Sections grouped by department, and the categories a consent request would cover."""
    requestable = sorted(
        s.category
        for s in response.sections
        if s.status == "withheld" and s.reason and s.reason.code in REQUESTABLE_CODES
    )
    groups: dict[str, list[SectionView]] = {}
    for section in response.sections:
        groups.setdefault(section.department, []).append(
            present_section(section, catalogue, lang=lang, requestable=requestable)
        )
    order = {d: n for n, d in enumerate(DEPARTMENT_ORDER)}
    result = []
    for department in sorted(groups, key=lambda d: (order.get(d, 99), d)):
        dept = catalogue.departments.get(department)
        title = dept.title.get(lang) if dept else department
        result.append(DepartmentGroup(department, title, groups[department]))
    return result, requestable


def present_section(
    section: Section, catalogue: Catalogue, *, lang: str, requestable: list[str]
) -> SectionView:
    """One section: catalogue labels for the granted fields, readable values, WHO-5 chart."""
    spec = catalogue.categories.get(section.category)
    view = SectionView(
        section=section,
        title=section.title.en if lang == "en" else section.title.da,
        reason=(section.reason.message.en if lang == "en" else section.reason.message.da)
        if section.reason
        else None,
        requestable=section.category in requestable,
    )
    if section.status != "granted":
        return view
    order = list(spec.fields) if spec else sorted(section.fields)
    keys = [k for k in order if k in section.fields]
    view.columns = [
        Column(k, spec.fields[k].get(lang) if spec and k in spec.fields else k) for k in keys
    ]
    view.rows = [[_value(record.get(k), lang) for k in keys] for record in section.records]
    if section.category == "health.wellbeing" and section.records:
        points = sorted(
            (str(r.get("date")), r.get("score"))
            for r in section.records
            if r.get("date") and isinstance(r.get("score"), int)
        )
        view.chart_json = escape_script_json(
            json.dumps(
                {
                    "labels": [str(_value(d, lang)) for d, _ in points],
                    "values": [s for _, s in points],
                    "label": "WHO-5",
                }
            )
        )
    return view


@dataclass(frozen=True)
class PreviewItem:
    """One category a consent request would cover, as the caseworker sees it before sending."""

    category: str
    title: str
    department: str
    fields: list[str]
    special: bool


def preview_item(catalogue: Catalogue, purpose: str, category: str, lang: str) -> PreviewItem:
    """The category's name, department and the fields this purpose needs from it."""
    spec = catalogue.categories[category]
    needed = catalogue.purposes[purpose].categories.get(category, [])
    department = catalogue.departments.get(spec.department)
    return PreviewItem(
        category=category,
        title=spec.title.get(lang),
        department=department.title.get(lang) if department else spec.department,
        fields=[spec.fields[f].get(lang) for f in needed if f in spec.fields],
        special=spec.sensitivity == "special",
    )
