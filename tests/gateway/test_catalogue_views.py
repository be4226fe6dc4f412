"""Issue 14 item 5 through the whole gateway: each new purpose shares each of its new
categories from the simulators, minimised to the purpose's fields; "(simulator)" comes from
configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connectors.simulators.seed import citizens
from gateway.registry import ConnectorLoadError
from tests.harness import SIM_URLS, Harness, running_gateway, view


def _first(predicate: Any) -> str:
    return next(c.cpr for c in citizens() if predicate(c))


SICK = _first(lambda c: c.health and c.health.work_status and c.jobcenter.sick_leave)
REHAB = _first(lambda c: c.jobcenter and c.jobcenter.recommendation and c.health)
ALCOHOL = _first(lambda c: c.health and c.health.alcohol_treatments and c.social)
REFERRED = _first(lambda c: c.health and c.health.referrals and c.jobcenter)

# purpose, user, recipient department, consented categories, citizen, own-department categories
CASES = [
    (
        "sygemeldte_fastholdelse",
        "sagsbehandler-jobcenter",
        "jobcenter",
        ["health.work_status"],
        SICK,
        ["jobcenter.sick_leave"],
    ),
    (
        "tidlig_opsporing_trivsel",
        "sagsbehandler-jobcenter",
        "jobcenter",
        ["health.referral", "health.wellbeing"],
        REFERRED,
        [],
    ),
    (
        "tidlig_opsporing_alkohol",
        "misbrugskonsulent-social",
        "social",
        ["health.alcohol_screening", "health.alcohol_treatment"],
        ALCOHOL,
        [],
    ),
    (
        "rehabiliteringsplan_forberedende",
        "sagsbehandler-social",
        "social",
        ["jobcenter.rehabilitation_plan"],
        REHAB,
        [],
    ),
    (
        "rehabiliteringsteam_indstilling",
        "sundhed",
        "health",
        ["jobcenter.rehabilitation_recommendation", "jobcenter.rehabilitation_plan"],
        REHAB,
        [],
    ),
    (
        "jobfirst_overgang",
        "mentor-jobcenter",
        "jobcenter",
        ["social.services"],
        citizens()[0].cpr,
        ["jobcenter.activities"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case[0])
async def test_new_purpose_shares_only_the_purposes_fields(
    gw: Harness, case: tuple[str, str, str, list[str], str, list[str]]
) -> None:
    purpose, user, recipient, consented, cpr, own = case
    catalogue = gw.services.catalogue
    await gw.record_consent(
        cpr, purpose=purpose, categories=consented, recipients=[recipient], username=None
    )
    body = await view(gw, cpr, purpose=purpose, user=user, categories=consented + own)
    by_category = {s["category"]: s for s in body["sections"]}
    for category in consented + own:
        section = by_category[category]
        assert section["status"] == "granted", (category, section.get("reason"))
        allowed = set(catalogue.purposes[purpose].categories[category])
        assert set(section["fields"]) == allowed
        assert section["records"], category  # the simulator has records for this citizen
        for record in section["records"]:
            assert set(record) <= allowed, category
        # A field the category holds but the purpose does not need never arrives.
        withheld = set(catalogue.categories[category].fields) - allowed
        assert not withheld & {key for record in section["records"] for key in record}


async def test_the_excluded_fields_stay_in_the_department(gw: Harness) -> None:
    """The doctor's note, the diagnosis, the referral reason, the treatment place and the
    citizen's remarks are in the systems but never cross under these purposes."""
    await gw.record_consent(
        SICK, purpose="sygemeldte_fastholdelse", categories=["health.work_status"]
    )
    body = await view(
        gw,
        SICK,
        purpose="sygemeldte_fastholdelse",
        categories=["health.work_status", "jobcenter.sick_leave"],
    )
    sick = next(c for c in citizens() if c.cpr == SICK)
    text = str(body)
    assert sick.jobcenter is not None and sick.jobcenter.sick_leave is not None
    assert sick.jobcenter.sick_leave.medical_note not in text
    assert sick.health is not None
    assert sick.health.work_status[0].work_note in text
    assert "diagnosis" not in text and "medical_note" not in text


async def test_simulator_marker_comes_from_configuration(tmp_path: Path, database_url: str) -> None:
    connectors = {
        "jobcenter": {"base_url": SIM_URLS["jobcenter"], "timeout_s": 3.0, "simulator": True},
        "social": {"base_url": SIM_URLS["social"], "timeout_s": 3.0},
        "health": {"base_url": SIM_URLS["health"], "timeout_s": 3.0, "simulator": True},
    }
    async with running_gateway(tmp_path, database_url=database_url, connectors=connectors) as gw:
        cpr = citizens()[0].cpr
        await gw.record_consent(cpr, categories=["social.contact", "health.contact"])
        gw.set_simulator("health", fault="error500", fault_rate=1.0)
        body = await view(
            gw, cpr, categories=["jobcenter.plan", "social.contact", "health.contact"]
        )
        sections = {s["category"]: s for s in body["sections"]}
        assert sections["jobcenter.plan"]["source_system"] == "Jobcentrets sagssystem (simulator)"
        # Not configured as a simulator: the real system's name only.
        assert sections["social.contact"]["source_system"] == "Socialforvaltningens fagsystem"
        health = sections["health.contact"]
        assert health["status"] == "unavailable"
        assert health["source_system"] == "Sundhedsforvaltningens FHIR-server (simulator)"
        assert "(simulator)" in health["reason"]["message"]["da"]


async def test_a_simulator_flag_must_be_a_boolean(tmp_path: Path, database_url: str) -> None:
    connectors = {"jobcenter": {"base_url": SIM_URLS["jobcenter"], "simulator": "yes"}}
    with pytest.raises(ConnectorLoadError, match="simulator must be true or false"):
        async with running_gateway(tmp_path, database_url=database_url, connectors=connectors):
            pass


def test_the_demo_and_the_defaults_mark_their_simulators() -> None:
    from gateway.config import Settings
    from gateway.demo import demo_settings

    for settings in (Settings(), demo_settings("127.0.0.1", 18400, 18401)):
        assert {name: spec.get("simulator") for name, spec in settings.connectors.items()} == {
            "jobcenter": True,
            "social": True,
            "health": True,
        }
