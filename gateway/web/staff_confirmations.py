"""``/staff/confirmations``: staff-recorded consents waiting for the caller's department to
confirm them (issue 14) — for health data, a health professional who has the consent in the
journal. The page and ``POST /v1/consents/{id}/confirm`` call the same service method."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from gateway.consent.dependencies import ConsentServiceDep
from gateway.consent.staff_rules import CONFIRMING_ROLES
from gateway.dependencies import CorrelationIdDep, RuntimeDep
from gateway.web.i18n import register, request_lang
from gateway.web.plain import category_titles, department_title
from gateway.web.security import WebEmployee
from gateway.web.staff_view import masked_cpr
from gateway.web.state import limit_action
from gateway.web.templating import render

router = APIRouter(prefix="/confirmations")

register(
    {
        "staff.nav.confirmations": {"da": "Til bekræftelse", "en": "To confirm"},
        "staff.confirm.intro": {
            "da": "Samtykker til jeres forvaltnings følsomme oplysninger, som en medarbejder i en "
            "anden forvaltning har registreret. De er ikke hjemmel for noget, før I (eller "
            "borgeren) bekræfter dem. Bekræft kun, når samtykket står i journalen, og skriv "
            "henvisningen til journalnotatet.",
            "en": "Consents to your department's special-category data that a member of staff "
            "in another department recorded. They are no basis for anything until you (or the "
            "citizen) confirm them. Confirm only when the consent is in the journal, and give "
            "the reference to the journal note.",
        },
        "staff.confirm.not_role": {
            "da": "Din rolle kan ikke bekræfte samtykker for din forvaltning.",
            "en": "Your role cannot confirm consents for your department.",
        },
        "staff.confirm.none": {
            "da": "Ingen samtykker venter på jeres bekræftelse.",
            "en": "No consents are waiting for your confirmation.",
        },
        "staff.confirm.citizen": {"da": "Borger", "en": "Citizen"},
        "staff.confirm.purpose": {"da": "Formål", "en": "Purpose"},
        "staff.confirm.what": {"da": "Oplysninger", "en": "Information"},
        "staff.confirm.recorded": {"da": "Registreret af", "en": "Recorded by"},
        "staff.confirm.evidence": {
            "da": "Henvisning til journalnotat",
            "en": "Reference to the journal note",
        },
        "staff.confirm.button": {"da": "Bekræft", "en": "Confirm"},
    }
)


def can_confirm(principal_department: str | None, roles: tuple[str, ...]) -> bool:
    if principal_department is None:
        return False
    return bool(set(roles) & CONFIRMING_ROLES.get(principal_department, frozenset()))


@router.get("")
async def to_confirm(
    request: Request, principal: WebEmployee, svc: RuntimeDep, consents: ConsentServiceDep
) -> Response:
    """Consents awaiting the caller's department (only for roles that can confirm)."""
    lang = request_lang(request)
    catalogue = svc.catalogue
    allowed = can_confirm(principal.department, principal.roles)
    items: list[dict[str, Any]] = []
    if allowed and principal.department:
        for row, cpr in await consents.pending_for_department(
            principal.department, now=svc.clock()
        ):
            purpose = catalogue.purposes.get(row.purpose)
            items.append(
                {
                    "consent": row,
                    "masked_cpr": masked_cpr(cpr),
                    "purpose": purpose.title.get(lang) if purpose else row.purpose,
                    "what": category_titles(catalogue, list(row.categories), lang),
                    "recorded": department_title(catalogue, row.recorded_by_department, lang),
                    "own": row.recorded_by == principal.subject,
                }
            )
    return render(
        request,
        "staff/confirmations.html",
        {"items": items, "allowed": allowed, "nav_current": "confirmations"},
    )


@router.post("/{consent_id}")
async def confirm(
    request: Request,
    principal: WebEmployee,
    svc: RuntimeDep,
    consents: ConsentServiceDep,
    correlation_id: CorrelationIdDep,
    evidence_ref: Annotated[str, Form(min_length=1, max_length=500)],
    consent_id: Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")],
) -> Response:
    """Confirm (audited in the service), then back to the list."""
    await limit_action(request, principal.subject)
    await consents.confirm(
        consent_id,
        principal,
        now=svc.clock(),
        evidence_ref=evidence_ref,
        correlation_id=correlation_id,
    )
    return RedirectResponse("/staff/confirmations", status_code=303)
