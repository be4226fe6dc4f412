"""What the social services connector serves: catalogue categories and field names."""

from connectors.sdk.types import ConnectorManifest

SERVICES = "social.services"
SUBSTANCE = "social.substance_treatment"
CONTACT = "social.contact"

MANIFEST = ConnectorManifest(
    name="social",
    department="social",
    categories={
        SERVICES: frozenset({"measure", "provision", "provider", "start", "end", "hours_per_week"}),
        SUBSTANCE: frozenset({"kind", "substance", "start", "status", "provider"}),
        CONTACT: frozenset({"name", "unit", "phone", "email"}),
    },
    system_title="Socialforvaltningens fagsystem",
    version="1",
)
