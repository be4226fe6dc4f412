"""Representation (issue 14 item 4): a værge or a holder of a fuldmagt acting for a citizen.

Authority comes from a ``RepresentationSource`` — a small adapter:

- ``StaticRepresentationSource``: a registry given as data (a JSON file, ``TVAERS_REPRESENTATION_
  FILE``, or the development registry in ``gateway.devtools.demo_representatives``);
- production: an adapter for Digital Fuldmagt (and Familieretshuset's værgemål register) with
  the same one method; ``docs/representation.md`` describes its shape. It is not built here.

``Representation`` answers one question: may this caller act for that CPR, for this purpose, in
this way, now? Every refusal is the same ``RepresentationNotFound`` (404) — an unknown CPR, an
expired authority and an authority for other purposes look alike, so the API is no oracle.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from gateway.auth.principal import Principal
from gateway.cpr import is_valid_cpr, normalise_cpr
from gateway.errors import NotFound, ServiceUnavailable
from gateway.text import Text

AuthorityKind = Literal["vaerge", "fuldmagt"]
Action = Literal["view", "grant", "withdraw"]
ACTIONS: frozenset[Action] = frozenset({"view", "grant", "withdraw"})


class RepresentationNotFound(NotFound):
    """The caller may not act for that citizen in that way (the same answer whatever the
    reason)."""

    code = "not_found"


NOT_FOUND = Text(da="Findes ikke", en="not found")


@dataclass(frozen=True, slots=True)
class Authority:
    """One authority to represent a citizen: a værgemål or a fuldmagt.

    ``purposes`` None means every consent-based purpose (e.g. a værgemål covering personal
    matters); a fuldmagt usually names a few. ``reference`` is the source's own id (Digital
    Fuldmagt's fuldmagt id, the værgemål's case number); it is recorded, never a CPR.
    """

    reference: str
    kind: AuthorityKind
    representative_cpr: str = field(repr=False)
    represented_cpr: str = field(repr=False)
    represented_name: str
    valid_from: datetime
    valid_until: datetime
    purposes: frozenset[str] | None = None
    actions: frozenset[Action] = ACTIONS

    def in_force(self, now: datetime) -> bool:
        return self.valid_from <= now < self.valid_until

    def covers(self, *, purpose: str | None, action: Action, now: datetime) -> bool:
        """In force now, allowing ``action``, for ``purpose`` (None: any purpose it names)."""
        if not self.in_force(now) or action not in self.actions:
            return False
        return purpose is None or self.purposes is None or purpose in self.purposes

    def record(self, principal: Principal) -> dict[str, Any]:
        """What the consent row, receipt and audit entry say about who acted and how."""
        return {
            "representative": principal.subject,
            "representative_name": principal.name,
            "kind": self.kind,
            "authority_ref": self.reference,
            "authority_valid_until": self.valid_until.isoformat(),
        }


class RepresentationSource(Protocol):
    """Where authorities come from (development registry, file, Digital Fuldmagt)."""

    async def authorities_of(self, representative_cpr: str) -> Sequence[Authority]:
        """Every authority the person with ``representative_cpr`` holds, in force or not.

        Raises on failure (the caller fails closed: no authority, no action)."""
        ...


class StaticRepresentationSource:
    """A registry given as data: the development registry, or a JSON export (a list of
    ``{reference, kind, representative_cpr, represented_cpr, represented_name, valid_from,
    valid_until, purposes?, actions?}``)."""

    def __init__(self, authorities: Iterable[Authority]) -> None:
        self._by_representative: dict[str, list[Authority]] = {}
        for authority in authorities:
            key = normalise_cpr(authority.representative_cpr)
            self._by_representative.setdefault(key, []).append(authority)

    async def authorities_of(self, representative_cpr: str) -> Sequence[Authority]:
        return tuple(self._by_representative.get(normalise_cpr(representative_cpr), ()))

    @classmethod
    def from_file(cls, path: Path) -> StaticRepresentationSource:
        """Load a registry file; a malformed one stops start-up (fail closed)."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, list):
            raise ValueError(f"{path}: a representation registry is a JSON list")
        authorities = []
        for item in raw:
            for key in ("representative_cpr", "represented_cpr"):
                if not is_valid_cpr(str(item[key])):
                    raise ValueError(f"{path}: invalid {key} in {item.get('reference')!r}")
            kind = item["kind"]
            if kind not in ("vaerge", "fuldmagt"):
                raise ValueError(f"{path}: unknown authority kind {kind!r}")
            actions = frozenset(item.get("actions", sorted(ACTIONS)))
            if not actions <= ACTIONS:
                raise ValueError(f"{path}: unknown actions {sorted(actions - ACTIONS)}")
            valid_from = datetime.fromisoformat(item["valid_from"])
            valid_until = datetime.fromisoformat(item["valid_until"])
            if valid_from.tzinfo is None or valid_until.tzinfo is None:
                raise ValueError(f"{path}: authority times need a UTC offset")
            purposes = item.get("purposes")
            authorities.append(
                Authority(
                    reference=str(item["reference"]),
                    kind=kind,
                    representative_cpr=normalise_cpr(str(item["representative_cpr"])),
                    represented_cpr=normalise_cpr(str(item["represented_cpr"])),
                    represented_name=str(item["represented_name"]),
                    valid_from=valid_from,
                    valid_until=valid_until,
                    purposes=None if purposes is None else frozenset(purposes),
                    actions=actions,
                )
            )
        return cls(authorities)


class Representation:
    """Checks a caller's authority to act for another citizen."""

    def __init__(self, source: RepresentationSource) -> None:
        self._source = source

    async def held_by(self, principal: Principal, *, now: datetime) -> list[Authority]:
        """The authorities the calling citizen holds that are in force now."""
        if principal.kind != "citizen" or principal.cpr is None:
            return []
        own = normalise_cpr(principal.cpr)
        try:
            held = await self._source.authorities_of(own)
        except Exception as exc:
            # Fail closed, and say so: no authority is assumed when the source cannot answer.
            raise ServiceUnavailable(
                Text(
                    da="Fuldmagtsregistret svarer ikke; prøv igen senere",
                    en="representation source unavailable",
                )
            ) from exc
        return [a for a in held if a.in_force(now) and a.represented_cpr != own]

    async def authority_for(
        self,
        principal: Principal,
        *,
        represented_cpr: str,
        purpose: str | None,
        action: Action,
        now: datetime,
    ) -> Authority:
        """The authority that lets ``principal`` do ``action`` for ``represented_cpr`` now, or
        ``RepresentationNotFound`` (whatever the reason)."""
        wanted = normalise_cpr(represented_cpr)
        for authority in await self.held_by(principal, now=now):
            if authority.represented_cpr == wanted and authority.covers(
                purpose=purpose, action=action, now=now
            ):
                return authority
        raise RepresentationNotFound(NOT_FOUND)


class NoRepresentation:
    """No source configured: nobody represents anybody."""

    async def authorities_of(self, representative_cpr: str) -> Sequence[Authority]:
        return ()
