"""``/tilgaengelighed``: the accessibility statement (tilgængelighedserklæring).

Public sector websites must publish one (lov om tilgængelighed af offentlige organers
websteder og mobilapplikationer, LOV nr. 692 af 08/06/2018). Its sections follow the Agency for
Digital Government's model (Digitaliseringsstyrelsen, the WAS tool): compliance status,
content that is not accessible, how the statement was prepared, feedback and contact, and the
enforcement procedure (a complaint to Digitaliseringsstyrelsen). The municipality's name and
its contact for accessibility feedback are settings (``TVAERS_WEB_AUTHORITY_NAME``,
``TVAERS_WEB_A11Y_CONTACT_*``); until the contact is set the page says so plainly.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.web.i18n import request_lang
from gateway.web.templating import render, site_settings

router = APIRouter(include_in_schema=False)


def _public_url(request: Request) -> str:
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is not None:
        return str(runtime.settings.effective_public_url).rstrip("/")
    return str(request.base_url).rstrip("/")


@router.get("/tilgaengelighed")
async def accessibility_statement(request: Request) -> Response:
    """The accessibility statement, in the visitor's language (Danish by default)."""
    site = site_settings(request)
    lang = request_lang(request)
    try:
        prepared = date.fromisoformat(site.a11y_statement_date)
        prepared_text = format_date(
            prepared, "d. MMMM y" if lang == "da" else "d MMMM y", locale=lang
        )
    except ValueError:
        prepared, prepared_text = None, site.a11y_statement_date
    return render(
        request,
        "accessibility.html",
        {
            "prepared": prepared,
            "prepared_text": prepared_text,
            "has_contact": bool(
                site.a11y_contact_email or site.a11y_contact_phone or site.a11y_contact_url
            ),
            "site_url": _public_url(request),
        },
    )
