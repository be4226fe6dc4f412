"""``/tilgaengelighed``: the accessibility statement (tilgængelighedserklæring).

Public sector websites must publish one (lov om tilgængelighed af offentlige organers
websteder og mobilapplikationer, LOV nr. 692 af 08/06/2018). Its content follows the Agency
for Digital Government's model; the municipality fills in its own contact details.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/tilgaengelighed")
async def accessibility_statement(request: Request) -> Response:
    """The accessibility statement, in the visitor's language (Danish by default)."""
    return render(request, "accessibility.html")
