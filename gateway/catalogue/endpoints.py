"""``GET /v1/catalogue``: what may be shared, by whom, for which purpose."""

from __future__ import annotations

from fastapi import APIRouter, Request

from gateway.auth.dependencies import AnyPrincipal
from gateway.catalogue.models import Catalogue
from gateway.errors import ERROR_RESPONSES

router = APIRouter(prefix="/v1", tags=["catalogue"])


@router.get("/catalogue", response_model=Catalogue, responses={401: ERROR_RESPONSES[401]})
async def get_catalogue(request: Request, principal: AnyPrincipal) -> Catalogue:
    """Departments, data categories (fields, sensitivity) and purposes with their legal basis.

    Statute citations are examples that each municipality must have reviewed legally.
    """
    catalogue = request.app.state.runtime.catalogue
    assert isinstance(catalogue, Catalogue)
    return catalogue
