"""The demo users of the development identity provider (synthetic people, never real)."""

from __future__ import annotations

from connectors.simulators.seed import citizens
from gateway.auth.devidp import DemoUser
from gateway.devtools.demo_representatives import demo_representative_user

#: The demo's tværfagligt team (rundbordssamtale): the jobcenter coordinator, the social
#: caseworker and the health professional. The jobcenter caseworker is not in it.
DEMO_TEAM = "tvaerfagligt-team-nord"


def demo_users() -> list[DemoUser]:
    """The seeded demo users: employees of each department, a DPO, and three citizens.

    The citizens are the first synthetic citizens of the department simulators, so their data
    exists in all three systems.
    """
    team = (DEMO_TEAM,)
    employees = [
        DemoUser(
            "sagsbehandler-jobcenter", "Mette Sørensen", "employee", "jobcenter", ("caseworker",)
        ),
        DemoUser(
            "koordinator-jobcenter",
            "Jonas Ærø-Hansen",
            "employee",
            "jobcenter",
            ("coordinator",),
            teams=team,
        ),
        DemoUser(
            "sagsbehandler-social",
            "Birgitte Løkke",
            "employee",
            "social",
            ("caseworker",),
            teams=team,
        ),
        DemoUser("cti-social", "Ahmed Østergaard", "employee", "social", ("support_worker",)),
        DemoUser(
            "sundhed", "Lise Bjørn", "employee", "health", ("health_professional",), teams=team
        ),
        DemoUser("dpo", "Dorthe Ågård", "employee", "administration", ("dpo",)),
    ]
    people = [
        DemoUser(
            f"borger-{i + 1}",
            f"{c.given_name} {c.family_name}",
            "citizen",
            cpr=c.cpr,
        )
        for i, c in enumerate(citizens()[:3])
    ]
    return [*employees, *people, demo_representative_user()]
