"""What the health connector serves, and the FHIR codes it searches by.

Codes: WHO-5 total score as SNOMED CT 1144665009 (the code the KL-dk-tools IG
gives its WHO-5 Questionnaire); CarePlan categories SNOMED CT 52052004
(rehabilitation therapy) and 169443000 (preventive procedure). A municipality
whose FHIR server uses other codes overrides them with ``settings.options``
(``who5_code``, ``rehabilitation_category``, ``prevention_category``, each
``system|code``).
"""

from connectors.sdk.types import ConnectorManifest

WELLBEING = "health.wellbeing"
REHABILITATION = "health.rehabilitation"
PREVENTION = "health.prevention"
CONTACT = "health.contact"

CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
SNOMED = "http://snomed.info/sct"
WHO5_CODE = f"{SNOMED}|1144665009"
REHABILITATION_CATEGORY = f"{SNOMED}|52052004"
PREVENTION_CATEGORY = f"{SNOMED}|169443000"
RAW_SCORE_CODE = "raw-score"

MANIFEST = ConnectorManifest(
    name="health",
    department="health",
    categories={
        WELLBEING: frozenset({"date", "score", "raw_score"}),
        REHABILITATION: frozenset({"kind", "status", "start", "end", "focus", "diagnosis"}),
        PREVENTION: frozenset({"offer", "status", "date"}),
        CONTACT: frozenset({"name", "unit", "phone", "email"}),
    },
    system_title="Sundhedsforvaltningens FHIR-server",
    version="1",
)
