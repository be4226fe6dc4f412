"""Who is calling: an employee of a department, a citizen, or a DPO."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PrincipalKind = Literal["employee", "citizen"]


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. ``cpr`` is set for citizens only and never printed."""

    kind: PrincipalKind
    subject: str
    name: str
    department: str | None = None
    roles: tuple[str, ...] = ()
    client_id: str | None = None
    cpr: str | None = field(default=None, repr=False)
    # Team ids from the token's team claim (``Settings.team_claim``), never from a request body:
    # a consent scoped to a team reaches only callers whose token says they are in it.
    teams: tuple[str, ...] = ()

    @property
    def is_dpo(self) -> bool:
        return self.kind == "employee" and "dpo" in self.roles
