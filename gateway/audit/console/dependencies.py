"""The DPO console's request-scoped service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from gateway.audit.console.service import DpoConsoleService
from gateway.dependencies import RuntimeDep, SessionDep


async def dpo_console_service(rt: RuntimeDep, session: SessionDep) -> DpoConsoleService:
    return DpoConsoleService(session, runtime=rt)


DpoConsoleServiceDep = Annotated[DpoConsoleService, Depends(dpo_console_service)]
