"""What the health connector serves, and the FHIR codes it searches by.

Codes: WHO-5 total score as SNOMED CT 1144665009 (the code the KL-dk-tools IG
gives its WHO-5 Questionnaire); CarePlan categories SNOMED CT 52052004
(rehabilitation therapy) and 169443000 (preventive procedure). A municipality
whose FHIR server uses other codes overrides them with ``settings.options``
(``who5_code``, ``rehabilitation_category``, ``prevention_category``, each
``system|code``).

Issue 14 added four categories. The AUDIT alcohol screening is an Observation with
LOINC 75624-7 (AUDIT total score). The others have no national code we could cite, so
they are searched by codes of a local code system (``LOCAL_CATEGORIES``) that a
municipality replaces with its own: ``referral_category`` (ServiceRequest.category of
a referral after WHO-5 screening), ``alcohol_treatment_type`` (EpisodeOfCare.type of
alcohol treatment under sundhedsloven § 141) and ``work_status_category``
(CarePlan.category of a course whose status the jobcentre follows).
"""

from connectors.sdk.types import ConnectorManifest

WELLBEING = "health.wellbeing"
REHABILITATION = "health.rehabilitation"
PREVENTION = "health.prevention"
CONTACT = "health.contact"
REFERRAL = "health.referral"
ALCOHOL_SCREENING = "health.alcohol_screening"
ALCOHOL_TREATMENT = "health.alcohol_treatment"
WORK_STATUS = "health.work_status"

CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
SNOMED = "http://snomed.info/sct"
WHO5_CODE = f"{SNOMED}|1144665009"
REHABILITATION_CATEGORY = f"{SNOMED}|52052004"
PREVENTION_CATEGORY = f"{SNOMED}|169443000"
RAW_SCORE_CODE = "raw-score"
LOINC = "http://loinc.org"
AUDIT_CODE = f"{LOINC}|75624-7"
LOCAL_CATEGORIES = "http://tvaers.example/fhir/CodeSystem/category"
REFERRAL_CATEGORY = f"{LOCAL_CATEGORIES}|who5-referral"
ALCOHOL_TREATMENT_TYPE = f"{LOCAL_CATEGORIES}|alcohol-treatment"
WORK_STATUS_CATEGORY = f"{LOCAL_CATEGORIES}|work-status"

MANIFEST = ConnectorManifest(
    name="health",
    department="health",
    categories={
        WELLBEING: frozenset({"date", "score", "raw_score"}),
        REHABILITATION: frozenset({"kind", "status", "start", "end", "focus", "diagnosis"}),
        PREVENTION: frozenset({"offer", "status", "date"}),
        CONTACT: frozenset({"name", "unit", "phone", "email"}),
        REFERRAL: frozenset({"date", "offer", "status", "reason"}),
        ALCOHOL_SCREENING: frozenset({"date", "score", "risk_level"}),
        ALCOHOL_TREATMENT: frozenset({"kind", "start", "status", "provider"}),
        WORK_STATUS: frozenset(
            {"course", "status", "updated", "expected_end", "work_note", "diagnosis"}
        ),
    },
    system_title="Sundhedsforvaltningens FHIR-server",
    version="1",
)
