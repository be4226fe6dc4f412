"""Named decision scenarios: the corpus both engines must agree on.

Each scenario is a policy input (built with ``build_policy_input``, as the
gateway builds it) and the expected outcome: which categories are granted on
which basis, and which are denied with which code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.policy.input import ConsentFacts, ConsentStatus, ScopeFacts, build_policy_input

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
CITATION = "Retssikkerhedsloven § 12 c (EKSEMPEL - skal vurderes juridisk af kommunen før brug)"


@dataclass(frozen=True)
class Scenario:
    name: str
    policy_input: dict[str, Any]
    # category -> (basis kind, basis ref)
    grants: dict[str, tuple[str, str]] = field(default_factory=dict)
    # category -> denial code
    denials: dict[str, str] = field(default_factory=dict)
    # category -> exact granted fields, where a scenario is about minimisation
    fields: dict[str, list[str]] = field(default_factory=dict)


def consent(
    consent_id: str,
    categories: Iterable[str],
    *,
    purpose: str = "tvaerfagligt_team",
    sources: Iterable[str] = ("jobcenter", "social", "health"),
    recipients: Iterable[str] = ("jobcenter",),
    status: ConsentStatus = "active",
    valid_from: datetime = NOW - timedelta(days=30),
    valid_until: datetime = NOW + timedelta(days=300),
    scope: ScopeFacts | None = None,
) -> ConsentFacts:
    return ConsentFacts(
        consent_id=consent_id,
        purpose=purpose,
        status=status,
        categories=tuple(categories),
        source_departments=tuple(sources),
        recipient_departments=tuple(recipients),
        valid_from=valid_from,
        valid_until=valid_until,
        scope=scope,
    )


def request(
    categories: Iterable[str],
    *,
    purpose: str = "tvaerfagligt_team",
    department: str = "jobcenter",
    roles: Iterable[str] = ("caseworker",),
    consents: Iterable[ConsentFacts] = (),
    now: datetime = NOW,
    break_glass: dict[str, str] | None = None,
    user_id: str = "user-1",
    teams: Iterable[str] = (),
) -> dict[str, Any]:
    return build_policy_input(
        subject_user_id=user_id,
        subject_teams=teams,
        subject_department=department,
        subject_roles=roles,
        purpose=purpose,
        citizen_pseudonym="hmac:k1:0f3a",
        categories=categories,
        consents=consents,
        now=now,
        break_glass=break_glass,
    )


WELLBEING = "health.wellbeing"
BREAK_GLASS = {"justification": "Borgeren er bevidstløs fundet i sin bolig", "episode": "ep-1"}
TEAM_CONSENT = consent("c-team", [WELLBEING, "social.services"])

# Issue 14 item 3: the rundbordssamtale on 10 December, for these people and this team only.
MEETING_START = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
MEETING_SCOPE = ScopeFacts(members=("jonas", "birgitte"), teams=("team-nord",))


def meeting(consent_id: str = "c-meeting", **changes: Any) -> ConsentFacts:
    values: dict[str, Any] = {
        "recipients": ("jobcenter", "social", "health"),
        "valid_from": MEETING_START,
        "valid_until": MEETING_START + timedelta(hours=4),
        "scope": MEETING_SCOPE,
    }
    values.update(changes)
    return consent(consent_id, [WELLBEING, "social.services", "jobcenter.plan"], **values)


IN_MEETING = MEETING_START + timedelta(hours=1)

SCENARIOS: list[Scenario] = [
    Scenario(
        "consent_grants_wellbeing_to_jobcenter",
        request([WELLBEING], consents=[TEAM_CONSENT]),
        grants={WELLBEING: ("consent", "c-team")},
        fields={WELLBEING: ["date", "score"]},
    ),
    Scenario(
        "consent_expired",
        request(
            [WELLBEING],
            consents=[consent("c-old", [WELLBEING], valid_until=NOW - timedelta(days=1))],
        ),
        denials={WELLBEING: "consent_expired"},
    ),
    Scenario(
        "consent_status_expired",
        request([WELLBEING], consents=[consent("c-old", [WELLBEING], status="expired")]),
        denials={WELLBEING: "consent_expired"},
    ),
    Scenario(
        "consent_valid_until_is_exclusive",
        request([WELLBEING], consents=[consent("c-1", [WELLBEING], valid_until=NOW)]),
        denials={WELLBEING: "consent_expired"},
    ),
    Scenario(
        "consent_valid_from_is_inclusive",
        request([WELLBEING], consents=[consent("c-1", [WELLBEING], valid_from=NOW)]),
        grants={WELLBEING: ("consent", "c-1")},
    ),
    Scenario(
        "consent_not_yet_valid",
        request(
            [WELLBEING],
            consents=[consent("c-new", [WELLBEING], valid_from=NOW + timedelta(days=2))],
        ),
        denials={WELLBEING: "consent_not_yet_valid"},
    ),
    Scenario(
        "consent_withdrawn",
        request([WELLBEING], consents=[consent("c-1", [WELLBEING], status="withdrawn")]),
        denials={WELLBEING: "consent_withdrawn"},
    ),
    Scenario(
        "consent_withdrawn_then_renewed",
        request(
            [WELLBEING],
            consents=[consent("c-1", [WELLBEING], status="withdrawn"), consent("c-2", [WELLBEING])],
        ),
        grants={WELLBEING: ("consent", "c-2")},
    ),
    Scenario(
        "withdrawn_outranks_expired",
        request(
            [WELLBEING],
            consents=[
                consent("c-1", [WELLBEING], status="withdrawn"),
                consent("c-2", [WELLBEING], valid_until=NOW - timedelta(days=5)),
            ],
        ),
        denials={WELLBEING: "consent_withdrawn"},
    ),
    Scenario(
        "expired_outranks_scope",
        request(
            [WELLBEING],
            consents=[
                consent("c-1", [WELLBEING], valid_until=NOW - timedelta(days=5)),
                consent("c-2", ["social.services"]),
            ],
        ),
        denials={WELLBEING: "consent_expired"},
    ),
    Scenario("no_consents", request([WELLBEING]), denials={WELLBEING: "consent_missing"}),
    Scenario(
        "consent_for_other_purpose_is_ignored",
        request(
            [WELLBEING], consents=[consent("c-ips", [WELLBEING], purpose="ips_beskaeftigelse")]
        ),
        denials={WELLBEING: "consent_missing"},
    ),
    Scenario(
        "category_outside_consent",
        request([WELLBEING], consents=[consent("c-1", ["social.services"])]),
        denials={WELLBEING: "consent_scope"},
    ),
    Scenario(
        "source_department_outside_consent",
        request([WELLBEING], consents=[consent("c-1", [WELLBEING], sources=["social"])]),
        denials={WELLBEING: "consent_scope"},
    ),
    Scenario(
        "recipient_outside_consent",
        request([WELLBEING], consents=[consent("c-1", [WELLBEING], recipients=["social"])]),
        denials={WELLBEING: "consent_scope"},
    ),
    Scenario(
        "several_consents_latest_valid_until_wins",
        request(
            [WELLBEING],
            consents=[
                consent("c-a", [WELLBEING], valid_until=NOW + timedelta(days=10)),
                consent("c-b", [WELLBEING], valid_until=NOW + timedelta(days=90)),
                consent("c-c", [WELLBEING], valid_until=NOW + timedelta(days=20)),
            ],
        ),
        grants={WELLBEING: ("consent", "c-b")},
    ),
    Scenario(
        "several_consents_tie_smallest_id_wins",
        request([WELLBEING], consents=[consent("c-9", [WELLBEING]), consent("c-10", [WELLBEING])]),
        grants={WELLBEING: ("consent", "c-10")},
    ),
    Scenario(
        "wrong_department_for_purpose",
        request(["social.services"], purpose="cti_overgang", department="jobcenter"),
        denials={"social.services": "department_not_allowed"},
    ),
    Scenario(
        "wrong_role_for_purpose",
        request([WELLBEING, "jobcenter.plan"], roles=["dpo"], consents=[TEAM_CONSENT]),
        denials={WELLBEING: "role_not_allowed", "jobcenter.plan": "role_not_allowed"},
    ),
    Scenario(
        "one_allowed_role_among_several",
        request([WELLBEING], roles=["dpo", "coordinator"], consents=[TEAM_CONSENT]),
        grants={WELLBEING: ("consent", "c-team")},
    ),
    Scenario(
        "unknown_purpose",
        request([WELLBEING, "x.unknown"], purpose="markedsfoering", consents=[TEAM_CONSENT]),
        denials={WELLBEING: "unknown_purpose", "x.unknown": "unknown_purpose"},
    ),
    Scenario(
        "unknown_department",
        request([WELLBEING], department="teknik_miljoe", consents=[TEAM_CONSENT]),
        denials={WELLBEING: "unknown_department"},
    ),
    Scenario(
        "unknown_category",
        request(["health.genome", WELLBEING], consents=[TEAM_CONSENT]),
        grants={WELLBEING: ("consent", "c-team")},
        denials={"health.genome": "unknown_category"},
    ),
    Scenario(
        "category_not_in_purpose",
        request(["health.prevention"], consents=[consent("c-1", ["health.prevention"])]),
        denials={"health.prevention": "category_not_in_purpose"},
    ),
    Scenario(
        "statute_basis_for_contacts",
        request(["health.contact", "social.contact"], purpose="koordinering_kontakt"),
        grants={"health.contact": ("statute", CITATION), "social.contact": ("statute", CITATION)},
        fields={"health.contact": ["email", "name", "phone", "unit"]},
    ),
    Scenario(
        "statute_purpose_still_limits_categories",
        request(
            ["health.contact", WELLBEING], purpose="koordinering_kontakt", roles=["support_worker"]
        ),
        grants={"health.contact": ("statute", CITATION)},
        denials={WELLBEING: "category_not_in_purpose"},
    ),
    Scenario(
        "own_department_needs_no_consent",
        request(["jobcenter.plan", "jobcenter.benefit"]),
        grants={
            "jobcenter.plan": ("own_department", "jobcenter"),
            "jobcenter.benefit": ("own_department", "jobcenter"),
        },
        fields={"jobcenter.benefit": ["benefit_type", "since", "target_group"]},
    ),
    Scenario(
        "own_department_under_statute_purpose",
        request(["jobcenter.contact", "social.contact"], purpose="koordinering_kontakt"),
        grants={
            "jobcenter.contact": ("own_department", "jobcenter"),
            "social.contact": ("statute", CITATION),
        },
    ),
    Scenario(
        "role_check_applies_to_own_department_too",
        request(["jobcenter.plan"], roles=["support_worker"]),
        denials={"jobcenter.plan": "role_not_allowed"},
    ),
    Scenario(
        "field_minimisation_differs_by_purpose",
        request(
            [WELLBEING],
            purpose="helbredsafklaring",
            consents=[consent("c-h", [WELLBEING], purpose="helbredsafklaring")],
        ),
        grants={WELLBEING: ("consent", "c-h")},
        fields={WELLBEING: ["date", "raw_score", "score"]},
    ),
    Scenario(
        "field_minimisation_special_category",
        request(
            ["social.substance_treatment"],
            purpose="ressourceforloeb_koordinering",
            roles=["coordinator"],
            consents=[
                consent(
                    "c-r", ["social.substance_treatment"], purpose="ressourceforloeb_koordinering"
                )
            ],
        ),
        grants={"social.substance_treatment": ("consent", "c-r")},
        fields={"social.substance_treatment": ["kind", "start", "status"]},
    ),
    Scenario(
        "health_professional_reads_jobcenter_plan",
        request(
            ["jobcenter.plan", WELLBEING],
            purpose="helbredsafklaring",
            department="health",
            roles=["health_professional"],
            consents=[
                consent(
                    "c-h", ["jobcenter.plan"], purpose="helbredsafklaring", recipients=["health"]
                )
            ],
        ),
        grants={"jobcenter.plan": ("consent", "c-h"), WELLBEING: ("own_department", "health")},
        fields={"jobcenter.plan": ["goal", "steps"]},
    ),
    Scenario(
        "cti_support_worker_mixed",
        request(
            ["health.rehabilitation", "jobcenter.benefit", "social.services", "jobcenter.plan"],
            purpose="cti_overgang",
            department="social",
            roles=["support_worker"],
            consents=[
                consent(
                    "c-cti",
                    ["health.rehabilitation"],
                    purpose="cti_overgang",
                    sources=["health"],
                    recipients=["social"],
                )
            ],
        ),
        grants={
            "health.rehabilitation": ("consent", "c-cti"),
            "social.services": ("own_department", "social"),
        },
        denials={"jobcenter.benefit": "consent_scope", "jobcenter.plan": "category_not_in_purpose"},
    ),
    Scenario(
        "coordinator_broad_consent",
        request(
            [
                "health.rehabilitation",
                "health.wellbeing",
                "jobcenter.activities",
                "social.services",
                "social.substance_treatment",
            ],
            purpose="ressourceforloeb_koordinering",
            roles=["coordinator"],
            consents=[
                consent(
                    "c-rf",
                    ["health.rehabilitation", "health.wellbeing", "social.services"],
                    purpose="ressourceforloeb_koordinering",
                    sources=["health", "social"],
                )
            ],
        ),
        grants={
            "health.rehabilitation": ("consent", "c-rf"),
            "health.wellbeing": ("consent", "c-rf"),
            "jobcenter.activities": ("own_department", "jobcenter"),
            "social.services": ("consent", "c-rf"),
        },
        denials={"social.substance_treatment": "consent_scope"},
        fields={"health.rehabilitation": ["end", "focus", "kind", "start", "status"]},
    ),
    Scenario(
        "break_glass_is_accepted_but_grants_nothing",
        request(
            [WELLBEING, "jobcenter.plan"],
            break_glass={"justification": "Borgeren er i akut krise"},
        ),
        grants={"jobcenter.plan": ("own_department", "jobcenter")},
        denials={WELLBEING: "consent_missing"},
    ),
    Scenario(
        "break_glass_with_justification_grants_on_the_episode",
        request(
            [WELLBEING, "social.contact", "jobcenter.contact"],
            purpose="noedadgang",
            roles=("coordinator",),
            break_glass=BREAK_GLASS,
        ),
        grants={
            WELLBEING: ("break_glass", "ep-1"),
            "jobcenter.contact": ("own_department", "jobcenter"),
            "social.contact": ("break_glass", "ep-1"),
        },
        fields={WELLBEING: ["date", "score"]},
    ),
    Scenario(
        "break_glass_without_justification_is_refused",
        request([WELLBEING, "social.contact"], purpose="noedadgang", roles=("coordinator",)),
        denials={
            WELLBEING: "break_glass_justification",
            "social.contact": "break_glass_justification",
        },
    ),
    Scenario(
        "break_glass_with_too_short_justification_is_refused",
        request(
            [WELLBEING],
            purpose="noedadgang",
            roles=("coordinator",),
            break_glass={"justification": "akut, ring nu    ", "episode": "ep-1"},
        ),
        denials={WELLBEING: "break_glass_justification"},
    ),
    Scenario(
        "break_glass_role_not_allowed_is_withheld",
        request([WELLBEING], purpose="noedadgang", break_glass=BREAK_GLASS),
        denials={WELLBEING: "role_not_allowed"},
    ),
    Scenario(
        "break_glass_category_outside_the_purpose",
        request(
            ["social.substance_treatment", WELLBEING],
            purpose="noedadgang",
            department="health",
            roles=("health_professional",),
            break_glass=BREAK_GLASS,
        ),
        grants={WELLBEING: ("own_department", "health")},
        denials={"social.substance_treatment": "category_not_in_purpose"},
    ),
    Scenario(
        "break_glass_ignores_consents",
        request(
            ["social.services"],
            purpose="noedadgang",
            roles=("coordinator",),
            consents=[consent("c-nd", ["social.services"], purpose="noedadgang")],
            break_glass=BREAK_GLASS,
        ),
        grants={"social.services": ("break_glass", "ep-1")},
    ),
    Scenario("no_categories_requested", request([], consents=[TEAM_CONSENT])),
    Scenario(
        "now_with_offset_is_normalised",
        request(
            [WELLBEING],
            consents=[consent("c-1", [WELLBEING], valid_from=NOW + timedelta(minutes=30))],
            now=datetime.fromisoformat("2026-11-22T11:45:00+01:00"),
        ),
        grants={WELLBEING: ("consent", "c-1")},
    ),
    Scenario(
        "many_categories_sorted_mixed",
        request(
            ["social.services", "x.y", "jobcenter.plan", WELLBEING, "health.prevention"],
            consents=[consent("c-1", [WELLBEING])],
        ),
        grants={WELLBEING: ("consent", "c-1"), "jobcenter.plan": ("own_department", "jobcenter")},
        denials={
            "health.prevention": "category_not_in_purpose",
            "social.services": "consent_scope",
            "x.y": "unknown_category",
        },
    ),
    Scenario(
        "ips_consent_for_social_contact",
        request(
            ["social.contact", "health.contact"],
            purpose="ips_beskaeftigelse",
            consents=[consent("c-ips", ["social.contact"], purpose="ips_beskaeftigelse")],
        ),
        grants={"social.contact": ("consent", "c-ips")},
        denials={"health.contact": "consent_scope"},
    ),
    Scenario(
        "meeting_named_member_inside_window",
        request([WELLBEING], consents=[meeting()], now=IN_MEETING, user_id="jonas"),
        grants={WELLBEING: ("consent", "c-meeting")},
    ),
    Scenario(
        "meeting_team_member_inside_window",
        request(
            [WELLBEING, "social.services"],
            consents=[meeting()],
            now=IN_MEETING,
            user_id="mette",
            teams=["team-syd", "team-nord"],
        ),
        grants={WELLBEING: ("consent", "c-meeting"), "social.services": ("consent", "c-meeting")},
    ),
    Scenario(
        "meeting_member_in_other_department_inside_window",
        request(
            ["social.services"],
            consents=[meeting()],
            now=IN_MEETING,
            department="health",
            roles=["health_professional"],
            user_id="birgitte",
        ),
        grants={"social.services": ("consent", "c-meeting")},
    ),
    Scenario(
        "meeting_window_start_is_inclusive",
        request([WELLBEING], consents=[meeting()], now=MEETING_START, user_id="jonas"),
        grants={WELLBEING: ("consent", "c-meeting")},
    ),
    Scenario(
        "meeting_non_member_same_department_is_outside_scope",
        request([WELLBEING], consents=[meeting()], now=IN_MEETING, user_id="mette"),
        denials={WELLBEING: "outside_consent_scope"},
    ),
    Scenario(
        "meeting_other_team_is_outside_scope",
        request(
            [WELLBEING], consents=[meeting()], now=IN_MEETING, user_id="mette", teams=["team-syd"]
        ),
        denials={WELLBEING: "outside_consent_scope"},
    ),
    Scenario(
        "meeting_member_id_is_not_a_team_id",
        # A user id that happens to equal a team id does not make the caller a team member.
        request([WELLBEING], consents=[meeting()], now=IN_MEETING, user_id="team-nord"),
        denials={WELLBEING: "outside_consent_scope"},
    ),
    Scenario(
        "meeting_member_before_window",
        request(
            [WELLBEING],
            consents=[meeting()],
            now=MEETING_START - timedelta(minutes=1),
            user_id="jonas",
        ),
        denials={WELLBEING: "consent_not_yet_valid"},
    ),
    Scenario(
        "meeting_member_after_window",
        request(
            [WELLBEING],
            consents=[meeting()],
            now=MEETING_START + timedelta(hours=4),
            user_id="jonas",
            teams=["team-nord"],
        ),
        denials={WELLBEING: "consent_expired"},
    ),
    Scenario(
        "meeting_member_withdrawn",
        request(
            [WELLBEING], consents=[meeting(status="withdrawn")], now=IN_MEETING, user_id="jonas"
        ),
        denials={WELLBEING: "consent_withdrawn"},
    ),
    Scenario(
        "meeting_member_recipient_department_still_applies",
        request(
            [WELLBEING],
            consents=[meeting(recipients=("social",))],
            now=IN_MEETING,
            user_id="jonas",
        ),
        denials={WELLBEING: "consent_scope"},
    ),
    Scenario(
        "meeting_scope_naming_nobody_reaches_nobody",
        request(
            [WELLBEING],
            consents=[meeting(scope=ScopeFacts())],
            now=IN_MEETING,
            user_id="jonas",
            teams=["team-nord"],
        ),
        denials={WELLBEING: "outside_consent_scope"},
    ),
    Scenario(
        "unscoped_consent_beside_meeting_grants_non_member",
        request(
            [WELLBEING],
            consents=[meeting(), consent("c-dept", [WELLBEING])],
            now=IN_MEETING,
            user_id="mette",
        ),
        grants={WELLBEING: ("consent", "c-dept")},
    ),
    Scenario(
        "meeting_outranks_department_consent_only_by_validity",
        # Both qualify for a member: the longer-lasting department-wide one is chosen.
        request(
            [WELLBEING],
            consents=[meeting(), consent("c-dept", [WELLBEING])],
            now=IN_MEETING,
            user_id="jonas",
        ),
        grants={WELLBEING: ("consent", "c-dept")},
    ),
]

# Issue 14 item 5: the purposes and roles of practice. Each decides on both engines.
ISSUE_14_SCENARIOS: list[Scenario] = [
    Scenario(
        "jobfirst_employer_consultant_reads_social_support",
        request(
            ["social.services", "jobcenter.activities", "social.substance_treatment"],
            purpose="jobfirst_overgang",
            roles=["employer_consultant"],
            consents=[
                consent(
                    "c-jf",
                    ["social.services"],
                    purpose="jobfirst_overgang",
                    sources=["social"],
                )
            ],
        ),
        grants={
            "social.services": ("consent", "c-jf"),
            "jobcenter.activities": ("own_department", "jobcenter"),
        },
        denials={"social.substance_treatment": "category_not_in_purpose"},
        fields={"social.services": ["end", "measure", "provider", "start"]},
    ),
    Scenario(
        "jobfirst_mentor_in_social_services_reads_the_job",
        request(
            ["jobcenter.activities", "jobcenter.plan"],
            purpose="jobfirst_overgang",
            department="social",
            roles=["mentor"],
            consents=[
                consent(
                    "c-jf",
                    ["jobcenter.activities"],
                    purpose="jobfirst_overgang",
                    sources=["jobcenter"],
                    recipients=["social"],
                )
            ],
        ),
        grants={"jobcenter.activities": ("consent", "c-jf")},
        denials={"jobcenter.plan": "consent_scope"},
        fields={
            "jobcenter.activities": [
                "end",
                "hours_per_week",
                "kind",
                "mentor",
                "start",
                "workplace",
            ]
        },
    ),
    Scenario(
        "jobfirst_is_not_the_health_departments",
        request(["jobcenter.activities"], purpose="jobfirst_overgang", department="health"),
        denials={"jobcenter.activities": "department_not_allowed"},
    ),
    Scenario(
        "sick_leave_status_from_health_without_the_diagnosis",
        request(
            ["health.work_status", "jobcenter.sick_leave", "health.wellbeing"],
            purpose="sygemeldte_fastholdelse",
            consents=[
                consent(
                    "c-syg",
                    ["health.work_status"],
                    purpose="sygemeldte_fastholdelse",
                    sources=["health"],
                )
            ],
        ),
        grants={
            "health.work_status": ("consent", "c-syg"),
            "jobcenter.sick_leave": ("own_department", "jobcenter"),
        },
        denials={"health.wellbeing": "category_not_in_purpose"},
        fields={
            "health.work_status": ["course", "expected_end", "status", "updated", "work_note"],
            "jobcenter.sick_leave": [
                "category",
                "employment",
                "expected_return",
                "first_day",
                "partial",
            ],
        },
    ),
    Scenario(
        "sick_leave_health_professional_reads_the_category",
        request(
            ["jobcenter.sick_leave"],
            purpose="sygemeldte_fastholdelse",
            department="health",
            roles=["health_professional"],
            consents=[
                consent(
                    "c-syg",
                    ["jobcenter.sick_leave"],
                    purpose="sygemeldte_fastholdelse",
                    sources=["jobcenter"],
                    recipients=["health"],
                )
            ],
        ),
        grants={"jobcenter.sick_leave": ("consent", "c-syg")},
    ),
    Scenario(
        "sick_leave_needs_consent_for_the_health_status",
        request(["health.work_status"], purpose="sygemeldte_fastholdelse"),
        denials={"health.work_status": "consent_missing"},
    ),
    Scenario(
        "sick_leave_mentor_may_not",
        request(["jobcenter.sick_leave"], purpose="sygemeldte_fastholdelse", roles=["mentor"]),
        denials={"jobcenter.sick_leave": "role_not_allowed"},
    ),
    Scenario(
        "who5_screening_and_referral",
        request(
            [WELLBEING, "health.referral", "health.alcohol_screening"],
            purpose="tidlig_opsporing_trivsel",
            consents=[
                consent(
                    "c-who5",
                    [WELLBEING, "health.referral"],
                    purpose="tidlig_opsporing_trivsel",
                    sources=["health"],
                )
            ],
        ),
        grants={WELLBEING: ("consent", "c-who5"), "health.referral": ("consent", "c-who5")},
        denials={"health.alcohol_screening": "category_not_in_purpose"},
        fields={WELLBEING: ["date", "score"], "health.referral": ["date", "offer", "status"]},
    ),
    Scenario(
        "who5_consent_does_not_cover_alcohol_detection",
        request(
            ["health.referral"],
            purpose="tidlig_opsporing_alkohol",
            consents=[consent("c-who5", ["health.referral"], purpose="tidlig_opsporing_trivsel")],
        ),
        denials={"health.referral": "category_not_in_purpose"},
    ),
    Scenario(
        "alcohol_detection_substance_counsellor_in_social",
        request(
            ["health.alcohol_screening", "health.alcohol_treatment", "social.substance_treatment"],
            purpose="tidlig_opsporing_alkohol",
            department="social",
            roles=["substance_counsellor"],
            consents=[
                consent(
                    "c-alk",
                    ["health.alcohol_screening", "health.alcohol_treatment"],
                    purpose="tidlig_opsporing_alkohol",
                    sources=["health"],
                    recipients=["social"],
                )
            ],
        ),
        grants={
            "health.alcohol_screening": ("consent", "c-alk"),
            "health.alcohol_treatment": ("consent", "c-alk"),
        },
        denials={"social.substance_treatment": "category_not_in_purpose"},
        fields={
            "health.alcohol_screening": ["date", "risk_level", "score"],
            "health.alcohol_treatment": ["kind", "start", "status"],
        },
    ),
    Scenario(
        "alcohol_detection_without_consent",
        request(["health.alcohol_screening"], purpose="tidlig_opsporing_alkohol"),
        denials={"health.alcohol_screening": "consent_missing"},
    ),
    Scenario(
        "alcohol_detection_withdrawn",
        request(
            ["health.alcohol_treatment"],
            purpose="tidlig_opsporing_alkohol",
            consents=[
                consent(
                    "c-alk",
                    ["health.alcohol_treatment"],
                    purpose="tidlig_opsporing_alkohol",
                    status="withdrawn",
                )
            ],
        ),
        denials={"health.alcohol_treatment": "consent_withdrawn"},
    ),
    Scenario(
        "rehabilitation_plan_preparatory_part_for_social_services",
        request(
            ["jobcenter.rehabilitation_plan", "social.services", "jobcenter.sick_leave"],
            purpose="rehabiliteringsplan_forberedende",
            department="social",
            consents=[
                consent(
                    "c-rp",
                    ["jobcenter.rehabilitation_plan"],
                    purpose="rehabiliteringsplan_forberedende",
                    sources=["jobcenter"],
                    recipients=["social"],
                )
            ],
        ),
        grants={
            "jobcenter.rehabilitation_plan": ("consent", "c-rp"),
            "social.services": ("own_department", "social"),
        },
        denials={"jobcenter.sick_leave": "category_not_in_purpose"},
        fields={
            "jobcenter.rehabilitation_plan": [
                "education",
                "employment",
                "goal",
                "health",
                "social",
                "updated",
            ]
        },
    ),
    Scenario(
        "rehabilitation_team_recommendation_without_the_remarks",
        request(
            ["jobcenter.rehabilitation_recommendation", "jobcenter.rehabilitation_plan"],
            purpose="rehabiliteringsteam_indstilling",
            department="health",
            roles=["health_professional"],
            consents=[
                consent(
                    "c-ri",
                    ["jobcenter.rehabilitation_recommendation", "jobcenter.rehabilitation_plan"],
                    purpose="rehabiliteringsteam_indstilling",
                    sources=["jobcenter"],
                    recipients=["health"],
                )
            ],
        ),
        grants={
            "jobcenter.rehabilitation_recommendation": ("consent", "c-ri"),
            "jobcenter.rehabilitation_plan": ("consent", "c-ri"),
        },
        fields={
            "jobcenter.rehabilitation_recommendation": [
                "duration",
                "efforts",
                "meeting_date",
                "recommendation",
            ],
            "jobcenter.rehabilitation_plan": ["goal"],
        },
    ),
    Scenario(
        "rehabilitation_team_support_worker_may_not",
        request(
            ["jobcenter.rehabilitation_recommendation"],
            purpose="rehabiliteringsteam_indstilling",
            department="social",
            roles=["support_worker"],
        ),
        denials={"jobcenter.rehabilitation_recommendation": "role_not_allowed"},
    ),
    Scenario(
        "coordinating_caseworker_in_social_services",
        request(
            ["jobcenter.plan", "health.alcohol_treatment", "social.services"],
            purpose="ressourceforloeb_koordinering",
            department="social",
            roles=["coordinator"],
            consents=[
                consent(
                    "c-rf",
                    ["jobcenter.plan", "health.alcohol_treatment"],
                    purpose="ressourceforloeb_koordinering",
                    sources=["jobcenter", "health"],
                    recipients=["social"],
                )
            ],
        ),
        grants={
            "jobcenter.plan": ("consent", "c-rf"),
            "health.alcohol_treatment": ("consent", "c-rf"),
            "social.services": ("own_department", "social"),
        },
        fields={"health.alcohol_treatment": ["kind", "start", "status"]},
    ),
    Scenario(
        "coordinating_caseworker_not_in_health",
        request(
            ["jobcenter.plan"],
            purpose="ressourceforloeb_koordinering",
            department="health",
            roles=["coordinator"],
        ),
        denials={"jobcenter.plan": "department_not_allowed"},
    ),
    Scenario(
        "cti_worker_sees_the_job_not_the_mentor",
        request(
            ["jobcenter.activities"],
            purpose="cti_overgang",
            department="social",
            roles=["support_worker"],
            consents=[
                consent(
                    "c-cti",
                    ["jobcenter.activities"],
                    purpose="cti_overgang",
                    sources=["jobcenter"],
                    recipients=["social"],
                )
            ],
        ),
        grants={"jobcenter.activities": ("consent", "c-cti")},
        fields={"jobcenter.activities": ["end", "hours_per_week", "kind", "start", "workplace"]},
    ),
    Scenario(
        "health_clarification_prevention_offers",
        request(
            ["health.prevention"],
            purpose="helbredsafklaring",
            consents=[
                consent(
                    "c-h", ["health.prevention"], purpose="helbredsafklaring", sources=["health"]
                )
            ],
        ),
        grants={"health.prevention": ("consent", "c-h")},
        fields={"health.prevention": ["date", "offer", "status"]},
    ),
    Scenario(
        "rehabilitation_team_presentation_by_the_coordinator",
        request(
            ["health.rehabilitation", "jobcenter.plan"],
            purpose="rehabiliteringsteam",
            roles=["coordinator"],
            consents=[
                consent(
                    "c-rt",
                    ["health.rehabilitation"],
                    purpose="rehabiliteringsteam",
                    sources=["health"],
                )
            ],
        ),
        grants={
            "health.rehabilitation": ("consent", "c-rt"),
            "jobcenter.plan": ("own_department", "jobcenter"),
        },
        fields={"health.rehabilitation": ["diagnosis", "end", "focus", "kind", "start", "status"]},
    ),
    Scenario(
        "ips_consultant_reads_wellbeing",
        request(
            [WELLBEING],
            purpose="ips_beskaeftigelse",
            roles=["ips_consultant"],
            consents=[consent("c-ips", [WELLBEING], purpose="ips_beskaeftigelse")],
        ),
        grants={WELLBEING: ("consent", "c-ips")},
    ),
    Scenario(
        "mentor_is_not_an_ips_consultant",
        request(
            [WELLBEING],
            purpose="ips_beskaeftigelse",
            roles=["mentor"],
            consents=[consent("c-ips", [WELLBEING], purpose="ips_beskaeftigelse")],
        ),
        denials={WELLBEING: "role_not_allowed"},
    ),
]
SCENARIOS += ISSUE_14_SCENARIOS
