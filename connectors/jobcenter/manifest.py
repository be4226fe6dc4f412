"""What the jobcenter connector serves: catalogue categories and field names."""

from connectors.sdk.types import ConnectorManifest

BENEFIT = "jobcenter.benefit"
PLAN = "jobcenter.plan"
ACTIVITIES = "jobcenter.activities"
CONTACT = "jobcenter.contact"

MANIFEST = ConnectorManifest(
    name="jobcenter",
    department="jobcenter",
    categories={
        BENEFIT: frozenset({"benefit_type", "target_group", "since", "amount_band"}),
        PLAN: frozenset({"goal", "steps", "updated", "plan_type"}),
        ACTIVITIES: frozenset({"kind", "workplace", "start", "end", "hours_per_week", "mentor"}),
        CONTACT: frozenset({"name", "unit", "phone", "email"}),
    },
    system_title="Jobcentrets sagssystem",
    structured={f"{PLAN}.steps": {"text": None, "status": None}},
    version="1",
)
