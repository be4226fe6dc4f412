"""Lenient reading of FHIR R4 JSON with ``fhir.resources.R4B``.

Elements the model does not know are removed and the resource is parsed again
(a server may add extensions of its own as plain elements); resource types the
library does not know are skipped. A resource of a known type that is invalid
(e.g. no ``status``) is a broken answer: ``ConnectorUnavailable``.
"""

from __future__ import annotations

import copy
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from connectors.sdk.types import ConnectorRejected, ConnectorUnavailable

_MAX_PASSES = 4


def parse_resource(raw: Any, *, system: str) -> Any | None:
    """A parsed resource, or None when its type is unknown."""
    if not isinstance(raw, dict):
        raise ConnectorUnavailable(f"{system}: a bundle entry is not a resource")
    try:
        model = get_fhir_model_class(str(raw.get("resourceType")))
    except (KeyError, ValueError):
        return None
    data = copy.deepcopy(raw)
    for _ in range(_MAX_PASSES):
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors()
            extras = [e["loc"] for e in errors if e["type"] == "extra_forbidden"]
            if len(extras) != len(errors):
                raise ConnectorUnavailable(
                    f"{system}: invalid {raw.get('resourceType')} resource"
                ) from exc
            for loc in sorted(extras, key=len, reverse=True):
                _remove(data, loc)
    raise ConnectorUnavailable(f"{system}: could not parse {raw.get('resourceType')}")


def _remove(data: Any, loc: tuple[int | str, ...]) -> None:
    target = data
    for step in loc[:-1]:
        target = target[step]
    if isinstance(target, dict):
        target.pop(loc[-1], None)


def raise_for_outcome(body: Any, *, system: str) -> None:
    """An OperationOutcome with an error or fatal issue means the server refused."""
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        severities = {str(issue.get("severity")) for issue in body.get("issue") or []}
        if severities & {"error", "fatal"}:
            codes = sorted({str(issue.get("code")) for issue in body.get("issue") or []})
            # Only the issue codes: diagnostics text might echo the search, and so a CPR.
            raise ConnectorRejected(f"{system}: OperationOutcome ({', '.join(codes)})")


def read_bundle(body: Any, *, system: str) -> tuple[list[Any], str | None]:
    """The parsed resources of a searchset Bundle page and its ``next`` link."""
    raise_for_outcome(body, system=system)
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise ConnectorUnavailable(f"{system}: expected a Bundle")
    shell = {k: v for k, v in body.items() if k != "entry"}
    bundle = parse_resource(shell, system=system)
    resources = []
    for entry in body.get("entry") or []:
        raw = entry.get("resource") if isinstance(entry, dict) else None
        if raw is None:
            continue
        raise_for_outcome(raw, system=system)
        parsed = parse_resource(raw, system=system)
        if parsed is not None:
            resources.append(parsed)
    links = bundle.link if bundle is not None else None
    next_url = next((link.url for link in links or [] if link.relation == "next"), None)
    return resources, next_url
