"""From a validated token's claims to a ``Principal``: claim names and assurance are settings.

Providers name their claims differently (a MitID broker passes NemLog-in's attribute names,
an employee directory its own), so which claim holds the CPR number, the kind of user, the
department, the roles and the name is configuration (``TVAERS_OIDC_CLAIM_*``;
docs/configuration.md has a MitID-broker mapping). NSIS assurance (``acr`` or a LoA claim) can
be required per kind of user: a token below the level is refused with
``insufficient_user_authentication`` (RFC 9470), never mapped to a principal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from gateway.auth.principal import Principal, PrincipalKind
from gateway.cpr import is_valid_cpr, normalise_cpr
from gateway.errors import NotAuthenticated
from gateway.text import Text

if TYPE_CHECKING:
    from gateway.config import Settings

NsisLevel = Literal["none", "low", "substantial", "high"]
_RANK: dict[str, int] = {"none": 0, "low": 1, "substantial": 2, "high": 3}

_NSIS = "https://data.gov.dk/concept/core/nsis/loa"
# acr / LoA values that name an NSIS level, compared case-insensitively: NemLog-in's LoA
# attribute (a URI or the bare word, as brokers pass it on) and MitID broker acr values.
DEFAULT_LOA_VALUES: dict[str, str] = {
    f"{_NSIS}/low": "low",
    f"{_NSIS}/substantial": "substantial",
    f"{_NSIS}/high": "high",
    "low": "low",
    "substantial": "substantial",
    "high": "high",
    "urn:grn:authn:dk:mitid:low": "low",
    "urn:grn:authn:dk:mitid:substantial": "substantial",
    "urn:grn:authn:dk:mitid:high": "high",
}


#: The token claim that lists an employee's teams (configurable: ``TVAERS_TEAM_CLAIM``).
DEFAULT_TEAM_CLAIM = "tvaers_teams"
MAX_TEAMS = 50


def teams_from_claims(claims: Mapping[str, Any], team_claim: str) -> tuple[str, ...]:
    """The caller's team ids: a JSON list of strings (or one space-separated string, as some
    providers flatten groups). Anything else is refused rather than guessed."""
    value = claims.get(team_claim) if team_claim else None
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split()
    if (
        not isinstance(value, list)
        or len(value) > MAX_TEAMS
        or not all(isinstance(t, str) and 0 < len(t) <= 64 for t in value)
    ):
        raise NotAuthenticated(
            Text(da="Token afvist: ugyldig teamangivelse", en="token rejected: invalid team claim")
        )
    return tuple(sorted(set(value)))


class InsufficientAssurance(NotAuthenticated):
    """The login's NSIS level is below what this kind of user needs (RFC 9470 step-up)."""

    code = "insufficient_user_authentication"

    def __init__(self, text: Text, *, required: str) -> None:
        super().__init__(text)
        self.required = required


@dataclass(frozen=True)
class ClaimMapping:
    """Which claim carries what; ``kind`` empty means: infer it from the claims present."""

    cpr: str = "cpr"
    kind: str = "kind"
    citizen_value: str = "citizen"
    employee_value: str = "employee"
    department: str = "department"
    roles: str = "roles"
    name: str = "name"
    loa: str = "acr"
    loa_values: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_LOA_VALUES))
    citizen_min_loa: NsisLevel = "none"
    employee_min_loa: NsisLevel = "none"
    teams: str = DEFAULT_TEAM_CLAIM

    @classmethod
    def from_settings(cls, settings: Settings) -> ClaimMapping:
        values = {**DEFAULT_LOA_VALUES, **settings.oidc_loa_values}
        return cls(
            cpr=settings.oidc_claim_cpr,
            kind=settings.oidc_claim_kind,
            citizen_value=settings.oidc_kind_citizen,
            employee_value=settings.oidc_kind_employee,
            department=settings.oidc_claim_department,
            roles=settings.oidc_claim_roles,
            name=settings.oidc_claim_name,
            loa=settings.oidc_claim_loa,
            loa_values={k.lower(): v for k, v in values.items()},
            citizen_min_loa=settings.oidc_citizen_min_loa,
            employee_min_loa=settings.oidc_employee_min_loa,
            teams=settings.team_claim,
        )

    def level_of(self, claims: Mapping[str, Any]) -> NsisLevel:
        """The NSIS level the token states ("none" when absent or not a known value)."""
        value = claims.get(self.loa)
        if not isinstance(value, str):
            return "none"
        level = self.loa_values.get(value.strip().lower(), "none")
        return level if level in ("low", "substantial", "high") else "none"  # type: ignore[return-value]

    def kind_of(self, claims: Mapping[str, Any]) -> PrincipalKind:
        if self.kind:
            value = claims.get(self.kind)
            if value == self.citizen_value:
                return "citizen"
            if value == self.employee_value:
                return "employee"
            raise NotAuthenticated(Text(da="Ukendt brugertype", en="unknown principal kind"))
        # Inferred: a CPR number makes a citizen, a department with roles an employee; a token
        # with both is ambiguous and refused rather than guessed.
        has_cpr = bool(claims.get(self.cpr))
        has_department = bool(claims.get(self.department))
        if has_cpr and not has_department:
            return "citizen"
        if has_department and not has_cpr:
            return "employee"
        raise NotAuthenticated(Text(da="Ukendt brugertype", en="unknown principal kind"))

    def principal(self, claims: Mapping[str, Any]) -> Principal:
        """The principal the claims describe; else ``NotAuthenticated`` (or a subclass)."""
        kind = self.kind_of(claims)
        self._require_level(kind, claims)
        subject = str(claims["sub"])
        raw_name = claims.get(self.name)
        name = raw_name if isinstance(raw_name, str) and raw_name.strip() else subject
        client_id = claims.get("azp") or claims.get("client_id")
        if kind == "citizen":
            cpr = claims.get(self.cpr)
            if not isinstance(cpr, str) or not cpr:
                raise NotAuthenticated(
                    Text(da="Borgertoken uden CPR", en="citizen token without CPR claim")
                )
            # One form everywhere downstream (pseudonyms are computed from it): brokers may send
            # the CPR with a dash.
            if not is_valid_cpr(cpr):
                raise NotAuthenticated(
                    Text(da="Borgertoken med ugyldigt CPR", en="citizen token with invalid CPR")
                )
            return Principal(
                kind="citizen",
                subject=subject,
                name=name,
                cpr=normalise_cpr(cpr),
                client_id=client_id,
            )
        department = claims.get(self.department)
        roles = _roles(claims.get(self.roles))
        if not isinstance(department, str) or not department or roles is None:
            raise NotAuthenticated(
                Text(
                    da="Medarbejdertoken uden afdeling eller roller",
                    en="employee token without department or roles",
                )
            )
        return Principal(
            kind="employee",
            subject=subject,
            name=name,
            department=department,
            roles=roles,
            client_id=client_id,
            teams=teams_from_claims(claims, self.teams),
        )

    def _require_level(self, kind: PrincipalKind, claims: Mapping[str, Any]) -> None:
        required = self.citizen_min_loa if kind == "citizen" else self.employee_min_loa
        if _RANK[self.level_of(claims)] >= _RANK[required]:
            return
        who = Text(da="borgere", en="citizens") if kind == "citizen" else None
        who = who or Text(da="medarbejdere", en="employees")
        raise InsufficientAssurance(
            Text(
                da=f"Login med for lavt sikringsniveau: {who.da} skal logge ind på NSIS-niveau "
                f"{_DA_LEVEL[required]} eller højere",
                en=f"login assurance too low: {who.en} must log in at NSIS level "
                f"{required} or higher",
            ),
            required=required,
        )


_DA_LEVEL = {"none": "intet", "low": "lav", "substantial": "betydelig", "high": "høj"}


def _roles(value: Any) -> tuple[str, ...] | None:
    """A list of role names, or one string of them separated by spaces or commas."""
    if isinstance(value, list) and all(isinstance(r, str) for r in value):
        return tuple(value)
    if isinstance(value, str):
        return tuple(r for r in value.replace(",", " ").split() if r)
    return None
