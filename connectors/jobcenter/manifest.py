"""What the jobcenter connector serves: catalogue categories and field names."""

from connectors.sdk.types import ConnectorManifest

BENEFIT = "jobcenter.benefit"
PLAN = "jobcenter.plan"
ACTIVITIES = "jobcenter.activities"
CONTACT = "jobcenter.contact"
SICK_LEAVE = "jobcenter.sick_leave"
REHABILITATION_PLAN = "jobcenter.rehabilitation_plan"
RECOMMENDATION = "jobcenter.rehabilitation_recommendation"

MANIFEST = ConnectorManifest(
    name="jobcenter",
    department="jobcenter",
    categories={
        BENEFIT: frozenset({"benefit_type", "target_group", "since", "amount_band"}),
        PLAN: frozenset({"goal", "steps", "updated", "plan_type"}),
        ACTIVITIES: frozenset({"kind", "workplace", "start", "end", "hours_per_week", "mentor"}),
        CONTACT: frozenset({"name", "unit", "phone", "email"}),
        SICK_LEAVE: frozenset(
            {"category", "first_day", "expected_return", "employment", "partial", "medical_note"}
        ),
        REHABILITATION_PLAN: frozenset(
            {"goal", "education", "employment", "social", "health", "updated"}
        ),
        RECOMMENDATION: frozenset(
            {"meeting_date", "recommendation", "efforts", "duration", "citizen_remarks"}
        ),
    },
    system_title="Jobcentrets sagssystem",
    structured={f"{PLAN}.steps": {"text": None, "status": None}},
    version="1",
)
