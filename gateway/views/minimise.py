"""Field minimisation: the last gate before data leaves (invariant 4)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from connectors.sdk import Record
from connectors.sdk.base import DROPPED, field_value
from connectors.sdk.types import Shape
from gateway.policy.input import ConsentFacts
from gateway.policy.types import Decision


def minimise(
    records: Iterable[Record],
    granted: Mapping[str, frozenset[str]],
    structured: Mapping[str, Shape] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Keep only records of granted categories, and only their granted fields.

    Whatever a connector returns beyond the grant — another category, an extra field — is
    dropped here, so a faulty or over-eager connector cannot widen what crosses. A field is a
    scalar unless the connector's manifest declares it ``structured``; then only its declared
    keys cross, recursively. A value that fits neither is dropped.
    """
    shapes = structured or {}
    out: dict[str, list[dict[str, Any]]] = {category: [] for category in granted}
    for record in records:
        fields = granted.get(record.category)
        if fields is None:
            continue
        kept: dict[str, Any] = {}
        for name, value in record.data.items():
            if name in fields:
                shaped = field_value(shapes, record.category, name, value)
                if shaped is not DROPPED:
                    kept[name] = shaped
        out[record.category].append(kept)
    return out


def narrow_to_consented_fields(decision: Decision, facts: Iterable[ConsentFacts]) -> Decision:
    """Narrow each consent-based grant to the fields that consent granted when it was given.

    The policy grants the fields the purpose allows *today*; a consent covers only what the
    citizen was told then, so a later catalogue change never widens it (stored ∩ current).
    A consent from before field snapshots (``fields`` None) keeps the current fields.
    """
    stored = {f.consent_id: f.fields for f in facts}
    grants = []
    for grant in decision.grants:
        given = stored.get(grant.basis.ref) if grant.basis.kind == "consent" else None
        if given is not None:
            allowed = set(given.get(grant.category, ()))
            grant = grant.model_copy(
                update={"fields": sorted(f for f in grant.fields if f in allowed)}
            )
        grants.append(grant)
    return decision.model_copy(update={"grants": grants})
