"""The decision explains each refused category with one denial built on demand (issue 16).

``assembly.explain`` walks the reasons in rank order and builds only the message it shows;
``assembly.reference_denials`` still builds every candidate of every deny rule and picks the
lowest rank. The two must agree exactly (code and both messages) on every scenario and on a
grid of mixed consent states, on regorus and on real OPA.
"""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any

import pytest

from gateway.policy import RegorusEngine
from gateway.policy.input import ConsentStatus
from tests.policy.opa_oracle import OpaOracle
from tests.policy.scenarios import IN_MEETING, NOW, SCENARIOS, consent, meeting, request

REFERENCE = "data.tvaers.assembly.reference_denials"

STATES: dict[str, dict[str, Any]] = {
    "active": {},
    "withdrawn": {"status": "withdrawn"},
    "expired": {"status": "expired"},
    "ended": {"valid_until": NOW},
    "future": {"valid_from": NOW + timedelta(seconds=1)},
    "narrow": {"categories": ("social.contact",)},
    "other_recipient": {"recipients": ("social",)},
}


def grid() -> list[tuple[str, dict[str, Any]]]:
    """Pairs of consents in every combination of states, plus a meeting scope."""
    cases = []
    for first, second in itertools.combinations_with_replacement(STATES, 2):
        states: list[tuple[str, ConsentStatus]] = []
        facts = []
        for number, state in enumerate((first, second)):
            changes = dict(STATES[state])
            status = changes.pop("status", "active")
            categories = changes.pop("categories", ("health.wellbeing", "social.services"))
            states.append((state, status))
            facts.append(consent(f"c-{number}", categories, status=status, **changes))
        inp = request(
            ["health.wellbeing", "social.services", "health.contact", "jobcenter.plan"],
            consents=facts,
        )
        cases.append((f"{first}+{second}", inp))
    cases.append(
        ("meeting-outsider", request(["health.wellbeing"], consents=[meeting()], now=IN_MEETING))
    )
    return cases


CASES = [(s.name, s.policy_input) for s in SCENARIOS] + grid()


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize(("name", "policy_input"), CASES, ids=[name for name, _ in CASES])
def test_shown_denial_is_the_lowest_ranked_candidate(
    name: str,
    policy_input: dict[str, Any],
    regorus_engine: RegorusEngine,
    opa_oracle: OpaOracle,
) -> None:
    engine = regorus_engine._engine
    assert engine is not None
    engine.set_input_json(json.dumps(policy_input))
    regorus_reference = json.loads(engine.eval_rule_as_json(REFERENCE))
    regorus_shown = regorus_engine.evaluate_raw(policy_input)["denials"]
    assert _dump(regorus_shown) == _dump(regorus_reference), name

    opa_reference = opa_oracle.document("tvaers.assembly.reference_denials", policy_input)
    opa_shown = opa_oracle.decide(policy_input)["denials"]
    assert _dump(opa_shown) == _dump(opa_reference), name
    assert _dump(opa_shown) == _dump(regorus_shown), name


def test_the_grid_reaches_every_consent_reason(regorus_engine: RegorusEngine) -> None:
    """The grid is not vacuous: it shows each consent reason somewhere."""
    codes = {
        denial["code"]
        for _, policy_input in grid()
        for denial in regorus_engine.evaluate_raw(policy_input)["denials"]
    }
    assert {
        "consent_withdrawn",
        "consent_expired",
        "consent_not_yet_valid",
        "consent_scope",
        "consent_missing",
        "outside_consent_scope",
    } <= codes
