"""Every FHIR resource the health connector hands over belongs to the matched Patient.

A server that ignores ``subject``/``patient`` (or answers with a crafted ``next`` link)
would otherwise hand other patients' WHO-5 scores and contacts over as this citizen's. So:
each match must reference the Patient by its subject/patient element; each ``_include``d
resource that names a patient must name the same one; and a paging link must stay on the
same base path and resource type (or continue a stored search on the base, HAPI's
``?_getpages=``), and may not name another patient. Pages are checked resource by resource
anyway, so a link can cut a list short but never add another patient's data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from connectors.sdk.types import ConnectorUnavailable

#: The element that names the patient, per resource type (FHIR R4).
PATIENT_ELEMENT = {
    "Observation": "subject",
    "QuestionnaireResponse": "subject",
    "CarePlan": "subject",
    "CareTeam": "subject",
    "Condition": "subject",
    "EpisodeOfCare": "patient",
    "Encounter": "subject",
    "ServiceRequest": "subject",
}
#: Search parameters that name a patient.
PATIENT_PARAMS = frozenset({"subject", "patient", "subject:Patient", "patient:Patient"})


def normalise_reference(reference: str, *, base_url: str) -> str:
    """``Patient/123`` from ``Patient/123``, ``<base>/Patient/123`` or ``…/_history/2``."""
    ref = reference.strip()
    base = base_url.rstrip("/")
    if "://" in ref:
        if not ref.startswith(base + "/"):
            return ref  # another server's patient: never ours
        ref = ref[len(base) + 1 :]
    parts = ref.split("/")
    if len(parts) >= 4 and parts[2] == "_history":
        parts = parts[:2]
    return "/".join(parts)


def patient_of(resource: Any, *, base_url: str) -> str | None:
    """The patient a resource names (normalised), or None when its type names none."""
    element = PATIENT_ELEMENT.get(resource.get_resource_type())
    if element is None:
        return None
    ref = getattr(resource, element, None)
    reference = getattr(ref, "reference", None) if ref is not None else None
    if not reference:
        return ""  # names no patient although its type should: not ours
    return normalise_reference(str(reference), base_url=base_url)


def own_matches(resources: Iterable[Any], *, patient: str, base_url: str) -> list[Any]:
    """Only the resources that name ``patient`` (``Patient/<id>``)."""
    return [r for r in resources if patient_of(r, base_url=base_url) == patient]


def own_included(included: Mapping[str, Any], *, patient: str, base_url: str) -> dict[str, Any]:
    """``_include``d resources, minus those that name another patient (practitioners and
    other resources without a patient stay)."""
    return {
        key: r for key, r in included.items() if patient_of(r, base_url=base_url) in (None, patient)
    }


def check_next_link(
    url: str, *, base_url: str, resource_types: Iterable[str], patient: str | None, system: str
) -> None:
    """Refuse a paging link that leaves the base path or resource type, or names another
    patient (``ConnectorUnavailable``: half a list must never pass as the whole list)."""
    base = urlsplit(base_url.rstrip("/"))
    link = urlsplit(url if "://" in url else f"{base_url.rstrip('/')}/{url.lstrip('/')}")
    allowed = {f"{base.path}/{t}" for t in resource_types}
    params = parse_qsl(link.query, keep_blank_values=True)
    # HAPI-style continuation of a stored search: the base itself with ``_getpages``.
    stored_search = link.path.rstrip("/") == base.path.rstrip("/") and any(
        key == "_getpages" for key, _ in params
    )
    same_server = (link.scheme, link.netloc) == (base.scheme, base.netloc)
    if not same_server or (link.path not in allowed and not stored_search):
        raise ConnectorUnavailable(f"{system}: paging link leaves the search")
    for key, value in params:
        # Without a patient (the Patient search itself) no patient parameter belongs there.
        if key in PATIENT_PARAMS and (
            patient is None
            or normalise_reference(value, base_url=base_url)
            not in (patient, patient.removeprefix("Patient/"))
        ):
            raise ConnectorUnavailable(f"{system}: paging link names another patient")
