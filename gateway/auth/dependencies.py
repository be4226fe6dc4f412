"""FastAPI dependencies that authenticate the caller and check its kind."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.auth.principal import Principal
from gateway.auth.tokens import TokenValidator
from gateway.errors import NotAuthenticated, NotPermitted
from gateway.text import Text

_bearer = HTTPBearer(auto_error=False, description="OIDC access token")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated(Text(da="Log ind først", en="bearer token required"))
    validator = request.app.state.runtime.token_validator
    assert isinstance(validator, TokenValidator)
    principal = await validator.validate(credentials.credentials)
    request.state.principal = principal
    return principal


async def employee(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.kind != "employee":
        raise NotPermitted(Text(da="Kun for medarbejdere", en="employees only"))
    return principal


async def citizen(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if principal.kind != "citizen":
        raise NotPermitted(Text(da="Kun for borgere", en="citizens only"))
    return principal


async def dpo(principal: Annotated[Principal, Depends(employee)]) -> Principal:
    if not principal.is_dpo:
        raise NotPermitted(Text(da="Kun for databeskyttelsesrådgiveren", en="DPO only"))
    return principal


AnyPrincipal = Annotated[Principal, Depends(current_principal)]
EmployeePrincipal = Annotated[Principal, Depends(employee)]
CitizenPrincipal = Annotated[Principal, Depends(citizen)]
DpoPrincipal = Annotated[Principal, Depends(dpo)]
