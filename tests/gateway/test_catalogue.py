"""The catalogue validates, fails closed when inconsistent, and holds the practice of issue 14."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gateway.catalogue.models import LEGAL_REVIEW_MARKER, Catalogue

POLICIES = Path(__file__).resolve().parents[2] / "policies"
RAW: dict[str, Any] = json.loads((POLICIES / "catalogue" / "data.json").read_text("utf-8"))
CATALOGUE = Catalogue.load(POLICIES)


def _broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(RAW)
    change(data)
    return data


def _check(data: dict[str, Any]) -> None:
    Catalogue.model_validate(data).check()


def test_checked_in_catalogue_validates() -> None:
    _check(RAW)
    assert CATALOGUE.version == RAW["version"]


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        (
            "unknown_role",
            lambda d: d["purposes"]["jobfirst_overgang"]["roles"].append("jobcoach"),
            "unknown roles",
        ),
        (
            "unknown_department",
            lambda d: d["purposes"]["jobfirst_overgang"]["requesting_departments"].append("skat"),
            "unknown departments",
        ),
        (
            "unknown_field",
            lambda d: d["purposes"]["sygemeldte_fastholdelse"]["categories"][
                "jobcenter.sick_leave"
            ].append("cpr"),
            "unknown fields",
        ),
        (
            "unknown_category",
            lambda d: d["purposes"]["tidlig_opsporing_alkohol"]["categories"].update(
                {"health.genome": ["all"]}
            ),
            "unknown category",
        ),
        (
            "citation_without_marker",
            lambda d: d["categories"]["health.alcohol_treatment"]["provision"].update(
                {"citation": "Sundhedsloven § 141"}
            ),
            "marked for legal review",
        ),
        (
            "citation_not_flagged",
            lambda d: d["categories"]["health.alcohol_treatment"]["provision"].update(
                {"legal_review_required": False}
            ),
            "marked for legal review",
        ),
        (
            "statute_basis_not_flagged",
            lambda d: d["purposes"]["koordinering_kontakt"]["basis"].update(
                {"legal_review_required": False}
            ),
            "marked for legal review",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_an_inconsistent_catalogue_is_refused(name: str, change: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _check(_broken(change))


def test_a_purpose_without_an_aim_is_refused() -> None:
    with pytest.raises(ValidationError, match="aim"):
        _check(_broken(lambda d: d["purposes"]["cti_overgang"].pop("aim")))


def test_every_citation_is_marked_for_legal_review() -> None:
    citations = [p.basis.citation for p in CATALOGUE.purposes.values() if p.basis.citation]
    citations += [c.provision.citation for c in CATALOGUE.categories.values() if c.provision]
    assert len(citations) >= 7
    assert all(c.endswith(LEGAL_REVIEW_MARKER) for c in citations)


def test_the_purposes_of_practice_are_there() -> None:
    purposes = CATALOGUE.purposes
    for pid in (
        "jobfirst_overgang",
        "sygemeldte_fastholdelse",
        "tidlig_opsporing_trivsel",
        "tidlig_opsporing_alkohol",
        "rehabiliteringsplan_forberedende",
        "rehabiliteringsteam_indstilling",
    ):
        assert purposes[pid].basis.kind == "consent", pid
        assert 0 < purposes[pid].max_consent_days <= 365
    # Sick leave: the category (kategori, forventet raskmelding) and a health status.
    sick = CATALOGUE.categories["jobcenter.sick_leave"]
    assert sick.fields["category"].da.startswith("Visitationskategori")
    assert sick.fields["expected_return"].da == "Forventet raskmelding"
    assert "health.work_status" in purposes["sygemeldte_fastholdelse"].categories
    # WHO-5 screening and referral; alcohol screening and treatment.
    assert set(purposes["tidlig_opsporing_trivsel"].categories) >= {
        "health.wellbeing",
        "health.referral",
    }
    assert set(purposes["tidlig_opsporing_alkohol"].categories) >= {
        "health.alcohol_screening",
        "health.alcohol_treatment",
    }
    # The coordinating caseworker may sit in social services too (Copenhagen: ~20 %).
    assert set(purposes["ressourceforloeb_koordinering"].requesting_departments) == {
        "jobcenter",
        "social",
    }
    # CTI is the transition into a job.
    cti = purposes["cti_overgang"]
    assert "job" in cti.title.da and "job" in cti.title.en
    assert "overgangen fra ledighed til job" in cti.description.da
    # The roles of practice, where practice uses them.
    assert "employer_consultant" in purposes["jobfirst_overgang"].roles
    assert "mentor" in purposes["jobfirst_overgang"].roles
    assert "substance_counsellor" in purposes["tidlig_opsporing_alkohol"].roles
    assert "ips_consultant" in purposes["ips_beskaeftigelse"].roles
    assert CATALOGUE.roles["substance_counsellor"].da == "Misbrugskonsulent"
    assert CATALOGUE.roles["ips_consultant"].da == "IPS-konsulent"


def test_alcohol_treatment_is_health_law_and_drug_treatment_social_law() -> None:
    alcohol = CATALOGUE.categories["health.alcohol_treatment"]
    assert alcohol.department == "health" and alcohol.sensitivity == "special"
    assert alcohol.provision is not None
    assert alcohol.provision.citation.startswith("Sundhedsloven § 141")
    drugs = CATALOGUE.categories["social.substance_treatment"]
    assert drugs.provision is not None
    assert drugs.provision.citation.startswith("Serviceloven § 101")
    assert "stofmisbrug" in drugs.title.da


def test_health_data_is_special_category() -> None:
    for cid in (
        "jobcenter.sick_leave",
        "jobcenter.rehabilitation_plan",
        "health.work_status",
        "health.referral",
        "health.alcohol_screening",
        "health.alcohol_treatment",
    ):
        assert CATALOGUE.categories[cid].sensitivity == "special", cid


def test_department_and_system_names_are_real_not_simulator() -> None:
    """The catalogue names the real systems; "(simulator)" comes from configuration."""
    for department in CATALOGUE.departments.values():
        for text in (department.title, department.system):
            assert "simulator" not in (text.da + text.en).lower()


def test_aims_read_as_a_verb_phrase_after_for_at() -> None:
    for pid, purpose in CATALOGUE.purposes.items():
        for text in (purpose.aim.da, purpose.aim.en):
            assert text == text.strip() and not text.endswith("."), pid
            assert text[0].islower(), pid
        assert not purpose.aim.da.startswith("at "), pid


def test_demo_users_cover_every_role_and_purpose() -> None:
    """The demo can show every purpose: each role a purpose names has a demo user, and each
    purpose has a demo user whose department and role may use it."""
    from gateway.devtools.demo_users import demo_users

    employees = [u for u in demo_users() if u.kind == "employee"]
    roles = {role for u in employees for role in u.roles}
    for purpose in CATALOGUE.purposes.values():
        assert set(purpose.roles) <= roles
    for pid, purpose in CATALOGUE.purposes.items():
        assert any(
            u.department in purpose.requesting_departments and set(u.roles) & set(purpose.roles)
            for u in employees
        ), pid
    coordinators = {u.department for u in employees if "coordinator" in u.roles}
    assert coordinators == {"jobcenter", "social"}
