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

    The employees cover every role the catalogue's purposes name (a test checks): the
    coordinating caseworker sits in the jobcentre and in social services, and the roles of
    practice (virksomhedskonsulent, mentor, misbrugskonsulent, IPS-konsulent) each have one.

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
        DemoUser(
            "koordinator-social", "Rikke Dahl Sørensen", "employee", "social", ("coordinator",)
        ),
        DemoUser(
            "virksomhedskonsulent-jobcenter",
            "Kasper Frølund",
            "employee",
            "jobcenter",
            ("employer_consultant",),
        ),
        DemoUser("mentor-jobcenter", "Hanne Krøyer", "employee", "jobcenter", ("mentor",)),
        DemoUser("ips-jobcenter", "Nanna Bækgaard", "employee", "jobcenter", ("ips_consultant",)),
        DemoUser(
            "misbrugskonsulent-social",
            "Lene Frøsig",
            "employee",
            "social",
            ("substance_counsellor",),
        ),
        DemoUser(
            "alkoholbehandler-sundhed",
            "Thøger Skovgård",
            "employee",
            "health",
            ("substance_counsellor",),
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
