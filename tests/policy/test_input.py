"""build_policy_input and ConsentFacts: the normalised input document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from gateway.policy import ConsentFacts, ScopeFacts, build_policy_input

CPH = timezone(timedelta(hours=1))


def _consent(consent_id: str, **changes: object) -> ConsentFacts:
    values: dict[str, object] = {
        "consent_id": consent_id,
        "purpose": "tvaerfagligt_team",
        "status": "active",
        "categories": ("social.services", "health.wellbeing", "health.wellbeing"),
        "source_departments": ("social", "health"),
        "recipient_departments": ("jobcenter",),
        "valid_from": datetime(2026, 1, 1, 1, 0, tzinfo=CPH),
        "valid_until": datetime(2027, 1, 1, tzinfo=UTC),
    }
    values.update(changes)
    return ConsentFacts(**values)  # type: ignore[arg-type]


def _build(**changes: object) -> dict[str, object]:
    arguments: dict[str, object] = {
        "subject_user_id": "user-1",
        "subject_department": "jobcenter",
        "subject_roles": ["coordinator", "caseworker", "caseworker"],
        "purpose": "tvaerfagligt_team",
        "citizen_pseudonym": "hmac:k1:abc",
        "categories": ["social.services", "health.wellbeing", "social.services"],
        "consents": [_consent("c-2"), _consent("c-1")],
        "now": datetime(2026, 11, 22, 11, 0, 0, 5, tzinfo=CPH),
    }
    arguments.update(changes)
    return build_policy_input(**arguments)  # type: ignore[arg-type]


def test_documented_shape() -> None:
    assert _build() == {
        "subject": {
            "user_id": "user-1",
            "department": "jobcenter",
            "roles": ["caseworker", "coordinator"],
            "teams": [],
        },
        "purpose": "tvaerfagligt_team",
        "citizen": "hmac:k1:abc",
        "categories": ["health.wellbeing", "social.services"],
        "consents": [
            {
                "id": consent_id,
                "purpose": "tvaerfagligt_team",
                "status": "active",
                "categories": ["health.wellbeing", "social.services"],
                "source_departments": ["health", "social"],
                "recipient_departments": ["jobcenter"],
                "valid_from": "2026-01-01T00:00:00.000000Z",
                "valid_until": "2027-01-01T00:00:00.000000Z",
                "scope": None,
            }
            for consent_id in ("c-1", "c-2")
        ],
        "break_glass": None,
        "now": "2026-11-22T10:00:00.000005Z",
    }


def test_break_glass_claim_is_passed_on() -> None:
    built = _build(break_glass={"justification": "Akut"})
    assert built["break_glass"] == {"justification": "Akut"}


def test_a_blank_break_glass_justification_is_left_to_the_policy_to_refuse() -> None:
    built = _build(break_glass={"justification": "  ", "episode": "ep-1"})
    assert built["break_glass"] == {"episode": "ep-1", "justification": "  "}


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _build(now=datetime(2026, 11, 22, 10, 0))


def test_naive_consent_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _consent("c-1", valid_until=datetime(2027, 1, 1))


def test_consent_facts_are_frozen() -> None:
    consent = _consent("c-1")
    with pytest.raises(AttributeError):
        consent.status = "withdrawn"  # type: ignore[misc]


def test_teams_and_scope_are_sorted_and_unique() -> None:
    scoped = _consent("c-1", scope=ScopeFacts(members=("u9", "u2", "u9"), teams=("t2", "t1")))
    built = _build(subject_teams=["t2", "t1", "t2"], consents=[scoped])
    assert built["subject"]["teams"] == ["t1", "t2"]  # type: ignore[index]
    assert built["consents"][0]["scope"] == {  # type: ignore[index]
        "members": ["u2", "u9"],
        "teams": ["t1", "t2"],
    }
