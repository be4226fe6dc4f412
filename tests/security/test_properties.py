"""Property tests (hypothesis): CPR handling, the consent validator, the policy input builder."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.auth.principal import Principal
from gateway.catalogue.models import Catalogue
from gateway.config import REPO_ROOT
from gateway.consent.schemas import ConsentCreate
from gateway.consent.service import ConsentService
from gateway.cpr import InvalidCpr, normalise_cpr
from gateway.errors import GatewayError
from gateway.keys import Pseudonymiser, SymmetricKeyRing
from gateway.logging import CPR_PATTERN
from gateway.policy.input import ConsentFacts, build_policy_input

CATALOGUE = Catalogue.load(REPO_ROOT / "policies")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def cpr_from(birth: date, serial: int) -> str:
    """A CPR of valid format: DDMMYY + 4 digits whose first digit agrees with the century."""
    century_digits = {1900: [0, 1, 2, 3], 2000: [4, 9]} if birth.year < 2000 else {2000: [4, 9]}
    first = century_digits[1900 if birth.year < 2000 else 2000][serial % 2]
    return f"{birth:%d%m%y}{first}{serial % 1000:03d}"


births = st.dates(min_value=date(1937, 1, 1), max_value=date(1999, 12, 31))


@given(birth=births, serial=st.integers(0, 9999), dash=st.booleans())
def test_valid_cprs_normalise_to_ten_digits(birth: date, serial: int, dash: bool) -> None:
    cpr = cpr_from(birth, serial)
    given_form = f"{cpr[:6]}-{cpr[6:]}" if dash else cpr
    assert normalise_cpr(given_form) == cpr
    assert CPR_PATTERN.search(cpr)


@given(text=st.text(max_size=20))
def test_invalid_input_never_echoes_itself(text: str) -> None:
    """The error message is one fixed text, whatever the input: nothing of it is echoed."""
    with pytest.raises(InvalidCpr) as reference:
        normalise_cpr("not a cpr")
    try:
        normalise_cpr(text)
    except InvalidCpr as exc:
        raised: InvalidCpr | None = exc
    else:
        raised = None
    if raised is not None:
        assert raised.message == reference.value.message
        assert str(raised) == reference.value.message


@given(birth=births, serial=st.integers(0, 9999))
def test_pseudonyms_are_keyed_deterministic_and_cpr_free(birth: date, serial: int) -> None:
    cpr = cpr_from(birth, serial)
    ring = SymmetricKeyRing(current="k2", keys={"k1": b"a" * 32, "k2": b"b" * 32})
    pseudonymiser = Pseudonymiser(ring)
    first = pseudonymiser.pseudonym(cpr)
    assert first == pseudonymiser.pseudonym(cpr)
    assert len(first) == 64 and cpr not in first
    both = pseudonymiser.all_pseudonyms(cpr)
    assert both["k2"] == first and both["k1"] != first


EMPLOYEE = Principal(
    kind="employee", subject="u", name="U", department="jobcenter", roles=("caseworker",)
)
service = ConsentService(
    None,  # type: ignore[arg-type]  # validate() reads no database
    catalogue=CATALOGUE,
    cipher=None,  # type: ignore[arg-type]
    pseudonymiser=None,  # type: ignore[arg-type]
    signer=None,  # type: ignore[arg-type]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    purpose=st.sampled_from(sorted(CATALOGUE.purposes)),
    categories=st.lists(st.sampled_from(sorted(CATALOGUE.categories)), min_size=1, max_size=4),
    recipients=st.lists(st.sampled_from(sorted(CATALOGUE.departments)), min_size=1, max_size=3),
    days=st.integers(-5, 500),
)
def test_validator_accepts_exactly_what_the_catalogue_allows(
    purpose: str, categories: list[str], recipients: list[str], days: int
) -> None:
    spec = CATALOGUE.purposes[purpose]
    body = ConsentCreate(
        cpr="0602903859",
        purpose=purpose,
        categories=categories,
        recipient_departments=recipients,
        valid_until=NOW + timedelta(days=days),
        collection_method="written_form",
        evidence_ref="j.nr. 1",
    )
    expected = (
        spec.basis.kind == "consent"
        and set(categories) <= set(spec.categories)
        and set(recipients) <= set(spec.requesting_departments)
        and 0 < days <= spec.max_consent_days
        and EMPLOYEE.department in spec.requesting_departments
        # Issue 13: the recording employee's role. Since issue 14 staff may record special-
        # category data, stored as pending_confirmation (tests/gateway/test_consent_record.py).
        and bool(set(EMPLOYEE.roles) & set(spec.roles))
    )
    try:
        service.validate(body, EMPLOYEE, now=NOW)
    except GatewayError:
        accepted = False
    else:
        accepted = True
    assert accepted == expected


offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(
    categories=st.lists(st.sampled_from(sorted(CATALOGUE.categories)), max_size=8),
    roles=st.lists(st.sampled_from(["caseworker", "coordinator", "dpo"]), max_size=3),
    tz=offsets,
    n_consents=st.integers(0, 5),
)
def test_policy_input_is_normalised_json_without_cpr(
    categories: list[str], roles: list[str], tz: timezone, n_consents: int
) -> None:
    now = NOW.astimezone(tz)
    facts = [
        ConsentFacts(
            consent_id=f"c{i}",
            purpose="tvaerfagligt_team",
            status="active",
            categories=("health.wellbeing",),
            source_departments=("health",),
            recipient_departments=("jobcenter",),
            valid_from=now - timedelta(days=1),
            valid_until=now + timedelta(days=i + 1),
        )
        for i in reversed(range(n_consents))
    ]
    doc: dict[str, Any] = build_policy_input(
        subject_user_id="u",
        subject_department="jobcenter",
        subject_roles=roles,
        purpose="tvaerfagligt_team",
        citizen_pseudonym="ab" * 32,
        categories=categories,
        consents=facts,
        now=now,
    )
    assert doc["categories"] == sorted(set(categories))
    assert doc["now"] == "2026-11-22T12:00:00.000000Z"
    assert [c["id"] for c in doc["consents"]] == sorted(c["id"] for c in doc["consents"])
    text = json.dumps(doc)
    assert not CPR_PATTERN.search(text.replace("ab" * 32, ""))


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        build_policy_input(
            subject_user_id="u",
            subject_department="jobcenter",
            subject_roles=[],
            purpose="p",
            citizen_pseudonym="x",
            categories=[],
            consents=[],
            now=datetime(2026, 1, 1),
        )
