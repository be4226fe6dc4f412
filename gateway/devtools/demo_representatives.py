"""The development representation registry: demo representatives (synthetic people, never real).

``fuldmaegtig-1`` (a demo citizen, the fourth seeded person) holds:

- a fuldmagt for ``borger-1`` covering the interdisciplinary team and the rehabilitation team
  (view, grant, withdraw), in force for a year;
- a værgemål for ``borger-2`` covering every purpose, in force for a year;
- a fuldmagt for ``borger-3`` that expired yesterday (refused, like any authority not in force).

The times are relative to start-up so the demo always works.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.simulators.seed import citizens
from gateway.auth.devidp import DemoUser
from gateway.consent.representation import Authority, StaticRepresentationSource

DEMO_REPRESENTATIVE = "fuldmaegtig-1"


def _representative_index() -> int:
    return 3


def demo_representative_user() -> DemoUser:
    person = citizens()[_representative_index()]
    return DemoUser(
        DEMO_REPRESENTATIVE,
        f"{person.given_name} {person.family_name}",
        "citizen",
        cpr=person.cpr,
    )


def demo_authorities(now: datetime | None = None) -> list[Authority]:
    now = now or datetime.now(UTC)
    people = citizens()
    representative = people[_representative_index()].cpr

    def name(i: int) -> str:
        return f"{people[i].given_name} {people[i].family_name}"

    return [
        Authority(
            reference="DF-DEMO-0001",
            kind="fuldmagt",
            representative_cpr=representative,
            represented_cpr=people[0].cpr,
            represented_name=name(0),
            valid_from=now - timedelta(days=30),
            valid_until=now + timedelta(days=365),
            purposes=frozenset({"tvaerfagligt_team", "rehabiliteringsteam"}),
        ),
        Authority(
            reference="VM-DEMO-0002",
            kind="vaerge",
            representative_cpr=representative,
            represented_cpr=people[1].cpr,
            represented_name=name(1),
            valid_from=now - timedelta(days=30),
            valid_until=now + timedelta(days=365),
        ),
        Authority(
            reference="DF-DEMO-0003",
            kind="fuldmagt",
            representative_cpr=representative,
            represented_cpr=people[2].cpr,
            represented_name=name(2),
            valid_from=now - timedelta(days=400),
            valid_until=now - timedelta(days=1),
        ),
    ]


def demo_representation_source() -> StaticRepresentationSource:
    return StaticRepresentationSource(demo_authorities())
