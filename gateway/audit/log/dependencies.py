"""Dependency providers of the transparency log (the witnessing task of this process)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.audit.log.witnessing import WitnessClient, WitnessCosigning


def witnessing(request: Request) -> WitnessCosigning | None:
    """The cosigning task the lifespan started (None before start-up or in bare test apps)."""
    found = getattr(request.app.state, "audit_witnessing", None)
    return found if isinstance(found, WitnessCosigning) else None


def witness_clients(request: Request) -> list[WitnessClient]:
    """The configured witnesses (empty when none are)."""
    task = witnessing(request)
    return task.clients if task is not None else []


WitnessClientsDep = Annotated[list[WitnessClient], Depends(witness_clients)]
