"""The synthetic citizens: deterministic, valid CPRs, what the demo relies on."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date
from typing import Any

from stdnum.dk import cpr as cpr_check

from connectors.simulators.seed import CITIZEN_COUNT, REFERENCE_DATE, citizen_by_cpr, citizens

# sha256 of the canonical JSON of all citizens. Changing the seed data is a
# deliberate act: update this and say why in the commit.
EXPECTED_DIGEST = "2892ea8f890a41c5b92187d2814b247f53e44c7a19c2da626a3676625d3099b8"


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


def test_every_new_category_has_plausible_records() -> None:
    """Issue 14: records for each new category, where practice would have them."""
    people = citizens()
    jobcenter = [c.jobcenter for c in people if c.jobcenter]
    health = [c.health for c in people if c.health]
    sick = [j for j in jobcenter if j.sick_leave]
    # Sick leave (sygedagpenge) is what the visitation categories follow up.
    assert len(sick) >= 5
    assert all(j.benefit_type == "sygedagpenge" for j in sick)
    assert {j.sick_leave.category for j in sick if j.sick_leave} == {1, 2, 3}
    for j in sick:
        assert j.sick_leave is not None
        # Category 3 (long-term) has no expected return date.
        assert (j.sick_leave.expected_return is None) == (j.sick_leave.category == 3)
        assert j.sick_leave.first_day <= REFERENCE_DATE
    # The rehabilitation team sees resource programmes, job clarification and flex jobs.
    rehab = [j for j in jobcenter if j.rehabilitation_plan]
    assert len(rehab) >= 5
    for j in rehab:
        assert j.target_group in ("ressourceforløb", "jobafklaring", "fleksjobvisiteret")
        assert j.recommendation is not None and j.rehabilitation_plan is not None
        assert j.recommendation.meeting_date > j.rehabilitation_plan.updated
    # A referral follows a WHO-5 score under 50, after it.
    referred = [h for h in health if h.referrals]
    assert len(referred) >= 5
    for h in health:
        low = [p for p in h.who5 if p.score < 50]
        assert bool(h.referrals) == bool(low)
        if low:
            assert h.referrals[0].date > low[0].date
    # Alcohol treatment (health act) follows an AUDIT score of 16 or more (harmful use).
    assert sum(1 for h in health if h.alcohol_screenings) >= 5
    treated = [h for h in health if h.alcohol_treatments]
    assert len(treated) >= 3
    for h in treated:
        assert h.alcohol_screenings[-1].score >= 16
        assert h.alcohol_screenings[-1].risk_level in ("skadeligt forbrug", "mulig afhængighed")
    # The health course status for the jobcentre exists only for people on sick leave.
    for c in people:
        if c.health and c.health.work_status:
            assert c.jobcenter is not None and c.jobcenter.sick_leave is not None
    assert sum(1 for h in health if h.work_status) >= 3
    # Drug treatment stays with social services; alcohol treatment is the health department's.
    substances = {t.substance for c in people if c.social for t in c.social.substance_treatments}
    assert "alkohol" not in substances and substances


def test_demo_citizens_have_the_early_detection_and_rehabilitation_records() -> None:
    first = citizens()[:3]
    for citizen in first:
        assert citizen.health is not None and citizen.health.alcohol_screenings
        assert citizen.health.referrals
    assert any(c.jobcenter and c.jobcenter.rehabilitation_plan for c in first)
    assert any(c.health and c.health.alcohol_treatments for c in first)
