"""Staff console (``/staff``): the caseworker's "Tværfagligt overblik".

The shared view comes from the same ``ViewService`` as ``POST /v1/views`` (consent → policy →
audit → fan-out → minimise → audit), so the page can show nothing the API would not. The CPR
is typed into a POST form; the page's buttons refer to the citizen by an encrypted token
(``staff_view.citizen_token``), never by the number. The DPO console (``staff_dpo.py``) is
mounted under ``/staff/dpo`` by this module's router.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from gateway.auth.principal import Principal
from gateway.catalogue.models import Purpose
from gateway.consent.dependencies import ConsentRequestServiceDep
from gateway.consent.requests import ConsentRequestCreate
from gateway.cpr import InvalidCpr, normalise_cpr
from gateway.dependencies import CorrelationIdDep, RuntimeDep
from gateway.errors import InvalidRequest, NotPermitted
from gateway.text import Text
from gateway.views.dependencies import ViewServiceDep
from gateway.views.schemas import ViewRequest
from gateway.web import staff_text  # noqa: F401  (registers the console's messages)
from gateway.web.i18n import request_lang, translate
from gateway.web.security import CsrfProtected, WebEmployee
from gateway.web.staff_breakglass import router as break_glass_router
from gateway.web.staff_confirmations import router as confirmations_router
from gateway.web.staff_dpo import router as dpo_router
from gateway.web.staff_requests import router as requests_router
from gateway.web.staff_view import (
    citizen_from_token,
    citizen_token,
    masked_cpr,
    present,
    present_section,
    preview_item,
    usable_purposes,
)
from gateway.web.state import limit_action
from gateway.web.templating import render

router = APIRouter(prefix="/staff", include_in_schema=False, dependencies=[CsrfProtected])

CategoryField = Annotated[str, Form(pattern=r"^[a-z_]+\.[a-z_]+$", max_length=64)]
PurposeField = Annotated[str, Form(pattern=r"^[a-z0-9_]+$", max_length=64)]
TokenField = Annotated[str, Form(min_length=10, max_length=400)]


RequestsDep = ConsentRequestServiceDep


def _purpose_lists(svc: RuntimeDep, principal: Principal) -> dict[str, dict[str, Purpose]]:
    """Ordinary purposes for the main form; break-glass ones only in their own form."""
    usable = usable_purposes(svc.catalogue, principal)
    emergency = {k: p for k, p in usable.items() if p.basis.kind == "break_glass"}
    ordinary = {k: p for k, p in usable.items() if k not in emergency}
    return {"purposes": ordinary, "emergency_purposes": emergency}


def _check_purpose(svc: RuntimeDep, principal: Principal, purpose: str) -> None:
    if purpose not in usable_purposes(svc.catalogue, principal):
        raise NotPermitted(
            Text(da="Formålet kan ikke bruges af din rolle", en="purpose not for your role")
        )


@router.get("")
async def overview_form(request: Request, principal: WebEmployee, svc: RuntimeDep) -> Response:
    """The search form: CPR and one of the purposes the caller's role may use."""
    return render(
        request,
        "staff/overview.html",
        {**_purpose_lists(svc, principal), "nav_current": "overview"},
    )


@router.post("/overview")
async def overview(
    request: Request,
    principal: WebEmployee,
    svc: RuntimeDep,
    views: ViewServiceDep,
    correlation_id: CorrelationIdDep,
    cpr: Annotated[str, Form(max_length=20)],
    purpose: PurposeField,
    justification: Annotated[str | None, Form(max_length=2000)] = None,
    confirm: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    """The shared view for one citizen and purpose, grouped by department (audited).

    A break-glass purpose needs the justification and the confirmation that the access will
    be reviewed and the citizen told; the policy refuses a justification under 20 characters.
    """
    _check_purpose(svc, principal, purpose)
    emergency = svc.catalogue.purposes[purpose].basis.kind == "break_glass"
    if emergency and confirm != "yes":
        raise InvalidRequest(
            Text(
                da="Bekræft, at nødadgangen gennemgås, og at borgeren får besked",
                en="confirm that the emergency access will be reviewed and the citizen told",
            ),
            code="break_glass_not_confirmed",
        )
    lang = request_lang(request)
    try:
        number = normalise_cpr(cpr)
    except InvalidCpr as exc:
        # The form again, as typed, with the error at the field (nothing was looked up).
        return render(
            request,
            "staff/overview.html",
            {
                **_purpose_lists(svc, principal),
                "chosen_purpose": purpose,
                "cpr_value": cpr,
                "cpr_error": exc.text.get(lang),
                "nav_current": "overview",
            },
            status_code=422,
        )
    return await _overview_page(
        request,
        principal,
        svc,
        views,
        correlation_id,
        number,
        purpose,
        justification=justification if emergency else None,
    )


@router.post("/overview/open")
async def overview_from_token(
    request: Request,
    principal: WebEmployee,
    svc: RuntimeDep,
    views: ViewServiceDep,
    correlation_id: CorrelationIdDep,
    token: TokenField,
    purpose: PurposeField,
) -> Response:
    """The shared view for a citizen listed on a staff page (by token, never by number)."""
    _check_purpose(svc, principal, purpose)
    cpr = citizen_from_token(svc.keys.cipher, token, principal)
    return await _overview_page(request, principal, svc, views, correlation_id, cpr, purpose)


async def _overview_page(
    request: Request,
    principal: Principal,
    svc: RuntimeDep,
    views: ViewServiceDep,
    correlation_id: str,
    number: str,
    purpose: str,
    *,
    justification: str | None = None,
) -> Response:
    lang = request_lang(request)
    result = await views.view(
        ViewRequest(cpr=number, purpose=purpose, justification=justification),
        principal,
        correlation_id=correlation_id,
    )
    groups, requestable = present(result, svc.catalogue, lang=lang)
    return render(
        request,
        "staff/overview.html",
        {
            **_purpose_lists(svc, principal),
            "chosen_purpose": purpose,
            "result": result,
            "purpose_title": svc.catalogue.purposes[purpose].title.get(lang),
            "groups": groups,
            "requestable": requestable,
            "requestable_titles": [
                svc.catalogue.categories[c].title.get(lang) for c in requestable
            ],
            "token": citizen_token(svc.keys.cipher, number, principal),
            "masked_cpr": masked_cpr(number),
            "statute": svc.catalogue.purposes[purpose].basis.citation,
            "nav_current": "overview",
        },
    )


@router.post("/overview/section")
async def retry_section(
    request: Request,
    principal: WebEmployee,
    svc: RuntimeDep,
    views: ViewServiceDep,
    correlation_id: CorrelationIdDep,
    token: TokenField,
    purpose: PurposeField,
    category: CategoryField,
    requestable: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Ask again for one section (e.g. after a department system did not answer); audited."""
    _check_purpose(svc, principal, purpose)
    cpr = citizen_from_token(svc.keys.cipher, token, principal)
    result = await views.view(
        ViewRequest(cpr=cpr, purpose=purpose, categories=[category]),
        principal,
        correlation_id=correlation_id,
    )
    lang = request_lang(request)
    section = present_section(
        result.sections[0], svc.catalogue, lang=lang, requestable=requestable or []
    )
    return render(
        request,
        "staff/_section.html",
        {
            "s": section,
            "token": token,
            "chosen_purpose": purpose,
            "requestable": requestable or [],
            "requestable_titles": [
                svc.catalogue.categories[c].title.get(lang)
                for c in requestable or []
                if c in svc.catalogue.categories
            ],
            "statute": svc.catalogue.purposes[purpose].basis.citation,
        },
    )


@router.post("/consent-request/preview")
async def preview_consent_request(
    request: Request,
    principal: WebEmployee,
    svc: RuntimeDep,
    token: TokenField,
    purpose: PurposeField,
    category: CategoryField,
    also: Annotated[list[str] | None, Form(max_length=50)] = None,
) -> Response:
    """What a withheld section's request would ask for, shown before anything is sent.

    The request covers the section's own category (what the purpose needs from it: the fields
    the catalogue lists); other withheld categories of the same view can be added. Nothing is
    stored or audited here and no citizen data is read; sending is ``POST /consent-request``.
    """
    _check_purpose(svc, principal, purpose)
    citizen_from_token(svc.keys.cipher, token, principal)  # a forged or foreign token fails
    catalogue = svc.catalogue
    chosen = catalogue.purposes[purpose]
    if category not in chosen.categories:
        raise InvalidRequest(
            Text(
                da="Kategorien hører ikke til formålet",
                en="the category is not part of the purpose",
            ),
            field="category",
        )
    lang = request_lang(request)
    others = [c for c in dict.fromkeys(also or []) if c != category and c in chosen.categories]
    department = catalogue.departments.get(principal.department or "")
    context = {
        "token": token,
        "purpose": purpose,
        "purpose_title": chosen.title.get(lang),
        "recipient": department.title.get(lang) if department else principal.department,
        "valid_until": svc.clock() + timedelta(days=chosen.max_consent_days),
        "anchor": "section-" + category.replace(".", "-"),
        "needed": preview_item(catalogue, purpose, category, lang),
        "others": [preview_item(catalogue, purpose, c, lang) for c in others],
    }
    htmx = request.headers.get("hx-request") == "true"
    return render(
        request,
        "staff/_request_preview.html" if htmx else "staff/request_preview.html",
        context,
    )


@router.post("/consent-request")
async def request_consent(
    request: Request,
    principal: WebEmployee,
    svc: RuntimeDep,
    requests: RequestsDep,
    correlation_id: CorrelationIdDep,
    token: TokenField,
    purpose: PurposeField,
    categories: Annotated[list[str], Form(min_length=1, max_length=50)],
) -> Response:
    """One click: ask the citizen for consent to exactly the missing categories."""
    await limit_action(request, principal.subject)
    _check_purpose(svc, principal, purpose)
    cpr = citizen_from_token(svc.keys.cipher, token, principal)
    catalogue = svc.catalogue
    assert principal.department is not None
    department = catalogue.departments.get(principal.department)
    chosen = catalogue.purposes[purpose]
    now = svc.clock()
    body = ConsentRequestCreate(
        cpr=cpr,
        purpose=purpose,
        categories=sorted(set(categories)),
        recipient_departments=[principal.department],
        valid_until=now + timedelta(days=chosen.max_consent_days),
        # The citizen reads this in the portal in Danish first (their language may differ).
        message=translate(
            "staff.request.message",
            "da",
            name=principal.name,
            department=department.title.da if department else principal.department,
            purpose=chosen.title.da,
        ),
    )
    row, created = await requests.create(body, principal, now=now, correlation_id=correlation_id)
    htmx = request.headers.get("hx-request") == "true"
    return render(
        request,
        "staff/_request_sent.html" if htmx else "staff/request_sent.html",
        {
            "consent_request": row,
            "already_pending": not created,
            "categories": row.categories,
            "category_titles": [
                catalogue.categories[c].title.get(request_lang(request))
                if c in catalogue.categories
                else c
                for c in row.categories
            ],
        },
    )


router.include_router(dpo_router)
router.include_router(break_glass_router)
router.include_router(requests_router)
router.include_router(confirmations_router)
