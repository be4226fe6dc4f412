"""The synthetic citizens: deterministic, valid CPRs, what the demo relies on."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date
from typing import Any

from stdnum.dk import cpr as cpr_check

from connectors.simulators.seed import CITIZEN_COUNT, citizen_by_cpr, citizens

# sha256 of the canonical JSON of all citizens. Changing the seed data is a
# deliberate act: update this and say why in the commit.
EXPECTED_DIGEST = "2d643846effc591f6043b3cb21a706f0a4dd11566dd02f915eecc78d6d427c0c"


def _canonical(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value))


def digest() -> str:
    data = [dataclasses.asdict(c) for c in citizens()]
    text = json.dumps(data, default=_canonical, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def test_seed_output_is_stable() -> None:
    assert digest() == EXPECTED_DIGEST


def test_at_least_sixty_unique_citizens() -> None:
    people = citizens()
    assert len(people) == CITIZEN_COUNT >= 60
    assert len({c.cpr for c in people}) == len(people)


def test_cprs_are_valid_and_match_birth_date_and_gender() -> None:
    for citizen in citizens():
        assert cpr_check.is_valid(citizen.cpr), citizen.index
        # The century digit must put the birth date in the right century.
        assert cpr_check.get_birth_date(citizen.cpr) == citizen.birth_date
        odd = int(citizen.cpr[-1]) % 2 == 1
        assert odd == (citizen.gender == "male")


def test_first_three_are_known_everywhere_and_citizen_zero_is_rich() -> None:
    first = citizens()[:3]
    for citizen in first:
        assert citizen.jobcenter
        assert citizen.social
        assert citizen.health
    zero = first[0]
    assert zero.health is not None
    assert len(zero.health.who5) >= 6
    assert zero.health.rehabilitation


def test_some_citizens_are_absent_from_some_departments() -> None:
    people = citizens()
    for department in ("jobcenter", "social", "health"):
        assert any(getattr(c, department) is None for c in people), department


def test_data_is_varied_and_danish() -> None:
    people = citizens()
    benefits = {c.jobcenter.benefit_type for c in people if c.jobcenter}
    assert {"kontanthjælp", "ressourceforløbsydelse", "sygedagpenge"} <= benefits
    kinds = {a.kind for c in people if c.jobcenter for a in c.jobcenter.activities}
    assert {"virksomhedspraktik", "løntilskud", "mentor"} <= kinds
    provisions = {m.provision for c in people if c.social for m in c.social.measures}
    assert {"Serviceloven § 85", "Serviceloven § 99"} <= provisions
    names = " ".join(c.full_name for c in people)
    assert all(letter in names for letter in "æøå")
    assert "Æ" in names


def test_repr_hides_the_cpr() -> None:
    for citizen in citizens()[:10]:
        assert citizen.cpr not in repr(citizen)
        assert citizen.cpr not in str(citizen)


def test_citizen_by_cpr() -> None:
    zero = citizens()[0]
    assert citizen_by_cpr(zero.cpr) == zero
    assert citizen_by_cpr(f"{zero.cpr[:6]}-{zero.cpr[6:]}") == zero
    assert citizen_by_cpr("0101010000") is None
