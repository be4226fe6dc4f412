"""The scenario corpus on regorus and on real OPA: same JSON, expected outcome."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.policy import RegorusEngine, load_catalogue, validate_decision
from tests.policy.opa_oracle import OpaOracle
from tests.policy.scenarios import SCENARIOS, Scenario

CATALOGUE = load_catalogue(Path(__file__).resolve().parents[2] / "policies")


def test_corpus_is_large_enough() -> None:
    assert len(SCENARIOS) >= 30
    assert len({scenario.name for scenario in SCENARIOS}) == len(SCENARIOS)


def test_every_purpose_and_role_grants_somewhere_in_the_corpus() -> None:
    """Each purpose of the catalogue, and each role a purpose names, has a scenario in which
    it is granted something on both engines (issue 14: the purposes and roles of practice)."""
    purposes = {s.policy_input["purpose"] for s in SCENARIOS if s.grants}
    assert purposes == set(CATALOGUE["purposes"])
    roles = {role for s in SCENARIOS if s.grants for role in s.policy_input["subject"]["roles"]}
    named = {role for p in CATALOGUE["purposes"].values() for role in p["roles"]}
    assert named <= roles, sorted(named - roles)
    for category in CATALOGUE["categories"]:
        assert any(category in s.grants for s in SCENARIOS), category


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_engines_agree_and_match_expectation(
    scenario: Scenario, regorus_engine: RegorusEngine, opa_oracle: OpaOracle
) -> None:
    embedded = regorus_engine.evaluate_raw(scenario.policy_input)
    reference = opa_oracle.decide(scenario.policy_input)
    assert json.dumps(embedded, sort_keys=True) == json.dumps(reference, sort_keys=True)

    decision = validate_decision(embedded, requested=scenario.policy_input["categories"])
    assert {g.category: (g.basis.kind, g.basis.ref) for g in decision.grants} == scenario.grants
    assert {d.category: d.code for d in decision.denials} == scenario.denials
    assert decision.allow is bool(scenario.grants)
    assert decision.policy_version == CATALOGUE["version"]
    for category, fields in scenario.fields.items():
        assert next(g.fields for g in decision.grants if g.category == category) == fields


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_grants_are_minimised_to_purpose_and_catalogue(
    scenario: Scenario, regorus_engine: RegorusEngine
) -> None:
    decision = regorus_engine.evaluate(scenario.policy_input)
    purpose = CATALOGUE["purposes"][scenario.policy_input["purpose"]] if decision.grants else {}
    for grant in decision.grants:
        allowed = set(purpose["categories"][grant.category])
        known = set(CATALOGUE["categories"][grant.category]["fields"])
        assert grant.fields == sorted(allowed & known)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.name)
def test_denials_explain_in_danish_and_english(
    scenario: Scenario, regorus_engine: RegorusEngine
) -> None:
    decision = regorus_engine.evaluate(scenario.policy_input)
    for denial in decision.denials:
        assert denial.message.da.endswith(".")
        assert denial.message.en.endswith(".")
        assert denial.message.da != denial.message.en
        assert "%!" not in denial.message.da + denial.message.en  # no sprintf errors


def test_consent_missing_message_names_what_is_missing(regorus_engine: RegorusEngine) -> None:
    scenario = next(s for s in SCENARIOS if s.name == "no_consents")
    (denial,) = regorus_engine.evaluate(scenario.policy_input).denials
    assert denial.message.da == (
        "Borgeren har ikke givet samtykke til, at Sundhedsforvaltningen deler »Trivsel (WHO-5)« "
        "med Jobcenter (beskæftigelse) til formålet »Afklaring i tværfagligt team«."
    )
    assert denial.message.en == (
        "The citizen has not consented that Health department shares »Wellbeing (WHO-5)« "
        "with Jobcentre (employment) for the purpose »Interdisciplinary team clarification«."
    )


def test_break_glass_changes_nothing(regorus_engine: RegorusEngine) -> None:
    scenario = next(s for s in SCENARIOS if s.name == "break_glass_is_accepted_but_grants_nothing")
    without_claim = dict(scenario.policy_input, break_glass=None)
    assert regorus_engine.evaluate_raw(scenario.policy_input) == regorus_engine.evaluate_raw(
        without_claim
    )
