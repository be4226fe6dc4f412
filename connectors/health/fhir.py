"""Lenient reading of FHIR R4 JSON with ``fhir.resources.R4B``.

Real servers add things: vendor elements, extensions, resource types of a newer
FHIR version, ``_include``-d resources, more pages. Elements the model does not
know are removed and the resource is parsed again; resource types the library
does not know are skipped. A resource of a known type that is invalid (e.g. no
``status``) is a broken answer: ``ConnectorUnavailable``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from connectors.sdk.types import ConnectorRejected, ConnectorUnavailable

_MAX_PASSES = 4
# OperationOutcome issue codes that describe the server's state, not our request:
# asking again later may work, so they are ``unavailable``.
TRANSIENT_ISSUES = frozenset({"transient", "timeout", "throttled", "lock-error", "exception"})


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of a searchset: its matches, what ``_include`` added, and the next link."""

    matches: list[Any]
    included: dict[str, Any] = field(default_factory=dict)
    next_url: str | None = None


def parse_resource(raw: Any, *, system: str) -> Any | None:
    """A parsed resource, or None when its type is unknown."""
    if not isinstance(raw, dict):
        raise ConnectorUnavailable(f"{system}: a bundle entry is not a resource")
    try:
        model = get_fhir_model_class(str(raw.get("resourceType")))
    except (KeyError, ValueError):
        return None
    data = raw
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
            if data is raw:
                data = copy.deepcopy(raw)  # copy only when something must be removed
            for loc in sorted(extras, key=len, reverse=True):
                _remove(data, loc)
    raise ConnectorUnavailable(f"{system}: could not parse {raw.get('resourceType')}")


def _remove(data: Any, loc: tuple[int | str, ...]) -> None:
    target = data
    for step in loc[:-1]:
        target = target[step]
    if isinstance(target, dict):
        target.pop(loc[-1], None)


def outcome_codes(body: Any) -> list[str] | None:
    """Issue codes of an OperationOutcome with an error or fatal issue, else None."""
    if not isinstance(body, dict) or body.get("resourceType") != "OperationOutcome":
        return None
    issues = [i for i in body.get("issue") or [] if isinstance(i, dict)]
    if not {str(i.get("severity")) for i in issues} & {"error", "fatal"}:
        return None
    return sorted({str(i.get("code")) for i in issues})


def raise_for_outcome(body: Any, *, system: str) -> None:
    """An OperationOutcome with an error or fatal issue: the server refused or failed.

    Transient issue codes (``transient``, ``timeout``, ``throttled``…) become
    ``ConnectorUnavailable``; any other error is ``ConnectorRejected``. Only the
    codes are quoted: ``diagnostics`` text may echo the search, and so a CPR.
    """
    codes = outcome_codes(body)
    if codes is None:
        return
    message = f"{system}: OperationOutcome ({', '.join(codes)})"
    if set(codes) & TRANSIENT_ISSUES:
        raise ConnectorUnavailable(message)
    raise ConnectorRejected(message)


def read_bundle(body: Any, *, system: str) -> SearchPage:
    """The parsed resources of a searchset Bundle page, split by ``search.mode``."""
    raise_for_outcome(body, system=system)
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise ConnectorUnavailable(f"{system}: expected a Bundle")
    shell = {k: v for k, v in body.items() if k != "entry"}
    bundle = parse_resource(shell, system=system)
    matches: list[Any] = []
    included: dict[str, Any] = {}
    for entry in body.get("entry") or []:
        raw = entry.get("resource") if isinstance(entry, dict) else None
        if raw is None:
            continue
        if raw.get("resourceType") == "OperationOutcome":
            # search.mode "outcome": warnings are fine, errors are not.
            raise_for_outcome(raw, system=system)
            continue
        parsed = parse_resource(raw, system=system)
        if parsed is None:
            continue
        mode = (entry.get("search") or {}).get("mode")
        if mode == "include":
            included[f"{parsed.get_resource_type()}/{parsed.id}"] = parsed
        else:
            matches.append(parsed)
    links = bundle.link if bundle is not None else None
    next_url = next((link.url for link in links or [] if link.relation == "next"), None)
    return SearchPage(matches=matches, included=included, next_url=next_url)
