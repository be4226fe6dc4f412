"""Who a citizen is to the services: HMAC pseudonyms of a validated CPR (one function)."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.keys import Pseudonymiser


@dataclass(frozen=True)
class CitizenIdentity:
    """A citizen as the services see them: pseudonym (with key id) and the CPR for connectors."""

    pseudonym: str
    key_id: str
    all_pseudonyms: list[str]


def identify(pseudonymiser: Pseudonymiser, cpr: str) -> CitizenIdentity:
    """Pseudonymise a validated CPR under the current key, and under every key for lookups."""
    pseudonyms = pseudonymiser.all_pseudonyms(cpr)
    key_id = pseudonymiser.current_key_id
    return CitizenIdentity(
        pseudonym=pseudonyms[key_id], key_id=key_id, all_pseudonyms=list(pseudonyms.values())
    )
