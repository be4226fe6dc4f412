"""Citizen portal pages (``/portal``): consents, requests, receipts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.web.security import CsrfProtected, WebCitizen
from gateway.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False, dependencies=[CsrfProtected])


@router.get("")
async def overview(request: Request, principal: WebCitizen) -> Response:
    """Mine samtykker."""
    return render(request, "portal/overview.html", {})
