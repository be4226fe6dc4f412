"""``/staff/requests`` ("Mine anmodninger"): the caseworker's and the department's consent
requests with the citizens' answers, and the caseload's consents that expire within 30 days."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.catalogue.models import Catalogue
from gateway.consent.dependencies import ConsentRequestServiceDep, ConsentServiceDep
from gateway.consent.models import ConsentRequestRow
from gateway.dependencies import RuntimeDep
from gateway.web.i18n import request_lang
from gateway.web.plain import category_titles, department_title
from gateway.web.security import WebEmployee
from gateway.web.staff_view import citizen_token, masked_cpr, usable_purposes
from gateway.web.templating import render

router = APIRouter(prefix="/requests")

EXPIRY_DAYS = 30


def _request_row(row: ConsentRequestRow, catalogue: Catalogue, lang: str) -> dict[str, Any]:
    purpose = catalogue.purposes.get(row.purpose)
    return {
        "row": row,
        "purpose": purpose.title.get(lang) if purpose else row.purpose,
        "what": category_titles(catalogue, list(row.categories), lang),
    }


@router.get("")
async def my_requests(
    request: Request,
    principal: WebEmployee,
    svc: RuntimeDep,
    requests: ConsentRequestServiceDep,
    consents: ConsentServiceDep,
) -> Response:
    """Requests (mine, then the department's) and consents that expire within 30 days."""
    lang = request_lang(request)
    catalogue = svc.catalogue
    rows = await requests.for_department(principal) if principal.department else []
    mine = [_request_row(r, catalogue, lang) for r in rows if r.requested_by == principal.subject]
    team = [_request_row(r, catalogue, lang) for r in rows if r.requested_by != principal.subject]
    usable = usable_purposes(catalogue, principal)
    expiring = []
    if principal.department:
        found = await consents.expiring_for_department(
            principal.department, now=svc.clock(), days=EXPIRY_DAYS
        )
        for consent, cpr in found:
            purpose = catalogue.purposes.get(consent.purpose)
            expiring.append(
                {
                    "consent": consent,
                    "masked_cpr": masked_cpr(cpr),
                    "token": citizen_token(svc.keys.cipher, cpr, principal),
                    "purpose": purpose.title.get(lang) if purpose else consent.purpose,
                    "can_open": consent.purpose in usable,
                    "what": category_titles(catalogue, list(consent.categories), lang),
                    "from": ", ".join(
                        department_title(catalogue, d, lang) for d in consent.source_departments
                    ),
                }
            )
    return render(
        request,
        "staff/requests.html",
        {"mine": mine, "team": team, "expiring": expiring, "nav_current": "requests"},
    )
